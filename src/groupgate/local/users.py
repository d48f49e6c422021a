"""Users made as an administrator makes them, for tests, benchmarks and the soak: over the local cloud's
own endpoint, with boto3, as any AWS client would."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3


def control_plane(outputs: Mapping[str, str], service: str = "cognito-idp") -> Any:
    """A boto3 client for ``service`` at the local cloud's endpoint (it takes any credentials)."""
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=outputs["Endpoint"],
        region_name=outputs["Region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local control plane
    )


def add_user(
    outputs: Mapping[str, str], username: str, password: str, *, member: bool = True, email: str | None = None
) -> None:
    """A confirmed user with a permanent ``password`` and an email (the template's pool requires one, default
    ``<username>@example.com``); in the stack's group when ``member``."""
    idp = control_plane(outputs)
    pool = outputs["UserPoolId"]
    address = [{"Name": "email", "Value": email or f"{username}@example.com"}]
    idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS", UserAttributes=address)
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    if member:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=outputs["GroupName"])
