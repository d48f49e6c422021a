"""boto3 clients for the services the client uses, in a region and at an endpoint (the settings' values: this
module knows nothing of where they come from). Imported only by what calls AWS with boto3: sign-in, renewal,
``--stack-name``; never on the way of a signed call with valid cached credentials."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from groupgate.errors import ConfigurationError, Unreachable

# botocore's names for the service-specific endpoint variables (AWS_ENDPOINT_URL_<SERVICE>).
SERVICE_VARIABLES = {
    "cognito-idp": "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    "cognito-identity": "AWS_ENDPOINT_URL_COGNITO_IDENTITY",
    "sts": "AWS_ENDPOINT_URL_STS",
    "cloudformation": "AWS_ENDPOINT_URL_CLOUDFORMATION",
}
# Cognito's sign-in and identity APIs are unsigned in AWS: no AWS credentials are looked up for them.
UNSIGNED_SERVICES = ("cognito-idp", "cognito-identity")
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=15, retries={"mode": "standard", "max_attempts": 3})


def endpoint_for(service: str, endpoint_url: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The endpoint to give boto3: the settings' Endpoint, unless the standard variables choose one."""
    environ = os.environ if environ is None else environ
    if environ.get("AWS_ENDPOINT_URL") or environ.get(SERVICE_VARIABLES.get(service, "")):
        return None  # botocore reads them itself
    return endpoint_url


def client(service: str, *, region: str | None, endpoint_url: str | None, **kwargs: Any) -> Any:
    """A boto3 client for ``service`` in ``region``, at ``endpoint_url`` unless the environment names another."""
    config = CLIENT_CONFIG.merge(Config(signature_version=UNSIGNED)) if service in UNSIGNED_SERVICES else CLIENT_CONFIG
    try:
        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=region,
            endpoint_url=endpoint_for(service, endpoint_url),
            config=config,
            **kwargs,
        )
    except BotoCoreError as error:
        raise ConfigurationError(f"cannot make a {service} client: {error}") from error


def is_unreachable(error: Exception) -> bool:
    return isinstance(error, (EndpointConnectionError, BotocoreConnectionError))


def unreachable(error: Exception, what: str) -> Unreachable:
    return Unreachable(f"{what} did not answer ({error}); check the network or the endpoint")


def read_stack_outputs(stack_name: str, *, region: str | None, endpoint_url: str | None) -> dict[str, str]:
    """A deployed stack's Outputs (key -> value), read with the caller's own AWS credentials."""
    cloudformation = client("cloudformation", region=region, endpoint_url=endpoint_url)
    try:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    except NoCredentialsError:
        raise ConfigurationError(f"--stack-name {stack_name} needs AWS credentials to read the stack") from None
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise ConfigurationError(f"--stack-name {stack_name}: {message}") from error
    except BotoCoreError as error:
        if is_unreachable(error):
            raise unreachable(error, "CloudFormation") from error
        raise ConfigurationError(f"--stack-name {stack_name}: {error}") from error
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
