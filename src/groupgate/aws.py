"""boto3 clients for the services the client uses, pointed where the settings say."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from groupgate.errors import ConfigurationError, Unreachable

if TYPE_CHECKING:
    from groupgate.settings import Settings

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


def endpoint_for(service: str, settings: Settings, environ: Mapping[str, str] | None = None) -> str | None:
    """The endpoint to give boto3: the settings' Endpoint, unless the standard variables choose one."""
    environ = os.environ if environ is None else environ
    if environ.get("AWS_ENDPOINT_URL") or environ.get(SERVICE_VARIABLES.get(service, "")):
        return None  # botocore reads them itself
    return settings.endpoint_url


def client(service: str, settings: Settings, **kwargs: Any) -> Any:
    """A boto3 client for ``service`` in the settings' region and endpoint."""
    config = CLIENT_CONFIG.merge(Config(signature_version=UNSIGNED)) if service in UNSIGNED_SERVICES else CLIENT_CONFIG
    region = settings.aws_region
    try:
        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=region,
            endpoint_url=endpoint_for(service, settings),
            config=config,
            **kwargs,
        )
    except BotoCoreError as error:
        raise ConfigurationError(f"cannot make a {service} client: {error}") from error


def is_unreachable(error: Exception) -> bool:
    return isinstance(error, (EndpointConnectionError, BotocoreConnectionError))


def unreachable(error: Exception, what: str) -> Unreachable:
    return Unreachable(f"{what} did not answer ({error}); check the network or the endpoint")


def read_stack_outputs(stack_name: str, settings: Settings) -> dict[str, str]:
    """A deployed stack's Outputs (key -> value), read with the caller's own AWS credentials."""
    cloudformation = client("cloudformation", settings)
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
