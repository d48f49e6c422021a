"""Where the client finds the stack it talks to.

In order of precedence: command-line options; ``--stack-name`` (the stack's Outputs, read with
CloudFormation); ``--outputs FILE`` (a JSON object with the same keys; the local cloud writes one);
environment variables ``GROUPGATE_<KEY>`` (``GROUPGATE_API_URL``, ``GROUPGATE_USER_POOL_ID`` ...; the
output key itself, ``GROUPGATE_ApiUrl``, works too). AWS endpoints follow the standard
``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>`` variables; an ``Endpoint`` key (one URL for
every AWS API, as a local cloud has) is used unless one of those is set.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from groupgate.errors import ConfigurationError

# Stack output key -> Settings field. The keys are the template's Outputs: a contract.
OUTPUT_FIELDS = {
    "ApiUrl": "api_url",
    "Region": "region",
    "UserPoolId": "user_pool_id",
    "UserPoolClientId": "client_id",
    "IdentityPoolId": "identity_pool_id",
    "Endpoint": "endpoint_url",
}
OPTION_NAMES = {
    "api_url": "--api-url",
    "region": "--region",
    "user_pool_id": "--user-pool-id",
    "client_id": "--client-id",
    "identity_pool_id": "--identity-pool-id",
    "endpoint_url": "an outputs file's Endpoint",
}


URL_FIELDS = ("api_url", "endpoint_url")  # where a request goes: an http(s) URL, or the stack is misdescribed


def checked(field: str, value: str, where: str) -> str:
    """``value`` for ``field``, or a ``ConfigurationError`` naming ``where`` it came from if it cannot be used."""
    if field in URL_FIELDS:
        try:
            parts = urlsplit(value)
            usable = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
        except ValueError:  # a port that is not a number, an unclosed [ ...
            usable = False
        if not usable:
            raise ConfigurationError(f"{where} is {value!r}, not an http(s) URL")
    return value


def env_name(output_key: str) -> str:
    """``ApiUrl`` -> ``GROUPGATE_API_URL``."""
    return "GROUPGATE_" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", output_key).upper()


@dataclass(frozen=True)
class Settings:
    """The stack a session talks to. Any field may be unknown (None) until ``require`` is asked."""

    api_url: str | None = None
    region: str | None = None
    user_pool_id: str | None = None
    client_id: str | None = None
    identity_pool_id: str | None = None
    endpoint_url: str | None = None

    def overlaid(self, values: Mapping[str, str | None]) -> Settings:
        """These settings with every non-empty value of ``values`` (field name -> value) on top."""
        return replace(self, **{name: value for name, value in values.items() if value})

    @property
    def aws_region(self) -> str | None:
        """The region: given, or read from the user pool id (``us-east-1_AbC``) or the API URL."""
        if self.region:
            return self.region
        if self.user_pool_id and "_" in self.user_pool_id:
            return self.user_pool_id.split("_", 1)[0]
        match = re.search(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com", self.api_url or "")
        return match.group(1) if match else None

    def require(self, *names: str) -> None:
        """Raise ``ConfigurationError`` naming every field of ``names`` that is unknown."""
        missing = [name for name in names if not getattr(self, name)]
        if missing:
            wanted = ", ".join(
                f"{key} ({OPTION_NAMES[field]} or {env_name(key)})"
                for key, field in OUTPUT_FIELDS.items()
                if field in missing
            )
            raise ConfigurationError(
                f"no {wanted} to talk to: give --stack-name STACK or --outputs FILE, or set them one by one"
            )


def from_mapping(values: Mapping[str, Any], source: str) -> dict[str, str]:
    """The settings fields found in a mapping keyed by output key (extra keys are ignored)."""
    found: dict[str, str] = {}
    for key, field in OUTPUT_FIELDS.items():
        if key in values:
            value = values[key]
            if not isinstance(value, str):
                raise ConfigurationError(f"{source}: {key} must be a string, got {value!r}")
            found[field] = checked(field, value, f"{source}: {key}")
    return found


def from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, field in OUTPUT_FIELDS.items():
        for name in (env_name(key), f"GROUPGATE_{key}"):
            if environ.get(name):
                found[field] = checked(field, environ[name], name)
                break
    return found


def read_outputs_file(path: Path) -> dict[str, Any]:
    """The outputs file as a JSON object, or a ``ConfigurationError`` that says what is wrong with it."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigurationError(f"--outputs {path}: no such file") from None
    except OSError as error:
        raise ConfigurationError(f"--outputs {path}: cannot be read ({error.strerror})") from None
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"--outputs {path}: not JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(values, dict):
        raise ConfigurationError(f"--outputs {path}: must be a JSON object of stack outputs")
    return values


StackReader = Callable[[str, Settings], Mapping[str, str]]


def resolve(
    *,
    options: Mapping[str, str | None] | None = None,
    stack_name: str | None = None,
    outputs_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    read_stack: StackReader | None = None,
) -> Settings:
    """Settings from every source, the higher ones overriding the lower (see the module's docstring)."""
    environ = os.environ if environ is None else environ
    given = {f: checked(f, value, OPTION_NAMES.get(f, f)) for f, value in (options or {}).items() if value}
    settings = Settings().overlaid(from_environment(environ))
    if outputs_file is not None:
        settings = settings.overlaid(from_mapping(read_outputs_file(outputs_file), f"--outputs {outputs_file}"))
    if stack_name:
        read_stack = read_stack or _read_stack_with_boto3
        settings = settings.overlaid(
            from_mapping(read_stack(stack_name, settings.overlaid(given)), f"stack {stack_name}")
        )
    return settings.overlaid(given)


def _read_stack_with_boto3(stack_name: str, partial: Settings) -> Mapping[str, str]:
    from groupgate.aws import read_stack_outputs  # noqa: PLC0415 - boto3 only when a stack is named

    return read_stack_outputs(stack_name, region=partial.aws_region, endpoint_url=partial.endpoint_url)


def field_names() -> list[str]:
    return [field.name for field in fields(Settings)]
