"""The story's target: the local cloud (always), or a deployed stack too (AWS_SAM_STACK_NAME)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from support.local_cloud import admin, code_from_mail, deployed

from groupgate.local.cloud import LocalCloud

TARGETS = ["local", "deployed"]


@dataclass
class Target:
    """Where the story runs, and the few things that differ between the local cloud and AWS."""

    name: str
    outputs: dict[str, str]
    outputs_file: Path
    admin: Any
    cloud: LocalCloud | None = None
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    created: list[str] = field(default_factory=list)

    def user(self, name: str) -> str:
        """A user name for this run (unique on a real stack, where users outlive the tests)."""
        return name if self.cloud else f"{name}-{self.suffix}"

    def email(self, username: str) -> str:
        return f"{username}@example.com"

    def confirm_code(self, username: str) -> str | None:
        """The emailed confirmation code (local mailbox), or None where only an admin can confirm."""
        return code_from_mail(self.cloud, self.email(username)) if self.cloud else None


@pytest.fixture(scope="package", params=TARGETS)
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    if request.param == "deployed":
        stack = os.environ.get("AWS_SAM_STACK_NAME")
        if not stack:
            pytest.skip("AWS_SAM_STACK_NAME is not set: the story runs against the local cloud only")
        described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        path = tmp_path_factory.mktemp("deployed") / "outputs.json"
        path.write_text(json.dumps(outputs))
        found = Target("deployed", outputs, path, boto3.client("cognito-idp", region_name=outputs["Region"]))
        yield found
        for username in found.created:
            found.admin.admin_delete_user(UserPoolId=outputs["UserPoolId"], Username=username)
        return
    state = tmp_path_factory.mktemp("cloud")
    with deployed(state, parameters={"DemoUsername": "exuser", "DemoUserEmail": "exuser@example.com"}) as (
        cloud,
        outputs,
    ):
        yield Target("local", outputs, state / "outputs.json", admin(outputs), cloud)
