"""What every resource type's module is given and gives back.

A module describes one type (``TYPE = ResourceType(...)``): the properties CloudFormation's resource
specification names for it (a property outside them fails the deploy as CloudFormation fails it), the
settings it does not apply (refused rather than run without, which would fail open), and two functions:
``create(context, logical_id, properties) -> Deployed`` and ``delete(context, logical_id, deployed,
properties)``, and, for a type with settings that change in place, ``update(context, logical_id, deployed, old,
new) -> Deployed`` (a type without one is replaced whenever a property changes; which changes replace a resource
that has one is ``schemas``' to say). They reach the local cloud's services through ``Context``: boto3 at the
local endpoint for the services moto or the local cloud answer there (so botocore checks every parameter's
shape), and the registries of functions and APIs.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import ClientError, ParamValidationError

from groupgate.local.apigateway.restapis import RestApis
from groupgate.local.awslambda.functions import Lambdas
from groupgate.local.cloudformation.template import Deployed, Stack
from groupgate.local.protocol import AwsError


class DeployError(RuntimeError):
    """A resource the local cloud could not create or delete; the message names it and says why."""


class HandlerRefusal(DeployError):
    """The service refused what a resource type's handler asked of it, in the words CloudFormation reports that
    with (the stack event's reason is the message as it is, with no resource name before it)."""


def refused(service: str, error: AwsError) -> HandlerRefusal:
    """``error``, as the handler of a resource type in CloudFormation's registry reports it."""
    return HandlerRefusal(
        f'Resource handler returned message: "{error.message} (Service: {service}, Status Code: {error.status}, '
        f'Request ID: {uuid.uuid4()})" (RequestToken: {uuid.uuid4()}, HandlerErrorCode: InvalidRequest)'
    )


class CustomResponses(Protocol):
    """Where custom resources PUT their answers (the local endpoint serves these URLs)."""

    def url(self, token: str) -> str: ...
    def wait(self, token: str, timeout: float) -> bytes | None: ...
    def forget(self, token: str) -> None: ...


class Services(Protocol):
    """What the local cloud gives the CloudFormation engine."""

    @property
    def lambdas(self) -> Lambdas: ...
    @property
    def apis(self) -> RestApis: ...
    @property
    def responses(self) -> CustomResponses: ...

    def client(self, service: str, region: str) -> Any: ...
    def open_api(self, api_id: str) -> str: ...
    def close_api(self, api_id: str) -> None: ...


@dataclass
class Context:
    """One stack's operation, as its resources see it."""

    stack: Stack
    services: Services
    work_dir: Path  # where deployed code is unpacked, as Lambda unpacks it
    progress: Callable[[str], None] = lambda line: None
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.services.client(service, self.stack.region)
        return self._clients[service]

    def physical_name(self, logical_id: str, limit: int) -> str:
        """A name as CloudFormation makes one: <stack>-<logical id>-<13 random characters>."""
        suffix = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(13))
        head = f"{self.stack.name}-{logical_id}"[: max(1, limit - 14)]
        return f"{head}-{suffix}"

    def type_of(self, logical_id: str) -> str:
        return str(self.stack.template["Resources"][logical_id]["Type"])

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.stack.region}:{self.stack.account_id}:{resource}"


Create = Callable[[Context, str, dict[str, Any]], Deployed]
Delete = Callable[[Context, str, Deployed, dict[str, Any]], None]
Update = Callable[[Context, str, Deployed, dict[str, Any], dict[str, Any]], Deployed]
HARMLESS: tuple[Any, ...] = (None, False, "false")


@dataclass(frozen=True)
class ResourceType:
    name: str
    properties: frozenset[str] | None  # None: any (a custom resource's properties are its function's to read)
    create: Create
    delete: Delete
    # Settings that change who may do what, or where traffic goes, which the local cloud does not apply: a
    # template that uses them is refused rather than run without them (which would fail open). A setting
    # is harmless when absent or off, or one of the values ``harmless`` names for it.
    not_applied: Mapping[str, str] = field(default_factory=dict)
    harmless: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    update: Update | None = None

    def refuse_what_would_be_ignored(self, logical_id: str, properties: Mapping[str, Any]) -> None:
        for key, what in self.not_applied.items():
            if properties.get(key) not in self.harmless.get(key, HARMLESS):
                raise DeployError(
                    f"{logical_id} ({self.name}): {key} ({what}) is not something the local cloud applies"
                )


def names(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _coerce(value: Any, shape: Any) -> Any:  # noqa: PLR0911 - a branch a shape type
    """CloudFormation passes "true" and "10" where an API wants true and 10, and true where it wants "true":
    convert along the API's shape."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: _coerce(v, shape.members.get(k)) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_coerce(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _coerce(v, shape.value) for k, v in value.items()}
    if kind == "string" and isinstance(value, bool):  # YAML's true where the API takes a string: "true"
        return "true" if value else "false"
    if kind == "string" and isinstance(value, int | float):
        return str(value)
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind in ("integer", "long") and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if kind in ("double", "float") and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def call(client: Any, operation: str, logical_id: str, **parameters: Any) -> Any:
    """One API call for a resource, its parameters coerced to the API's types, its errors named."""
    model = client.meta.service_model.operation_model(operation)
    arguments = {k: v for k, v in _coerce(parameters, model.input_shape).items() if v is not None}
    method = getattr(
        client, "_".join(part.lower() for part in re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z0-9]+|[A-Z]+", operation))
    )
    try:
        return method(**arguments)
    except ParamValidationError as error:
        raise DeployError(f"{logical_id}: {operation} refused the properties: {error}") from None
    except ClientError as error:
        detail = error.response.get("Error", {})
        raise DeployError(f"{logical_id}: {operation} failed: {detail.get('Code')}: {detail.get('Message')}") from None


@contextmanager
def undone_on_failure(undo: Callable[[], Any]) -> Iterator[None]:
    """For a resource made in several calls: if a later call fails, what the first made is taken away again,
    so a failed resource leaves nothing behind (the stack's rollback never knew it existed)."""
    try:
        yield
    except BaseException:
        with suppress(DeployError):
            undo()
        raise


def gone(error: DeployError) -> bool:
    """Whether a delete failed only because the thing is already gone (CloudFormation counts that done)."""
    return any(word in str(error) for word in ("NotFound", "NoSuchEntity", "NoSuchBucket", "does not exist"))


def delete_call(client: Any, operation: str, logical_id: str, **parameters: Any) -> None:
    """One API call that deletes something: done if it deletes it, and done if it was already gone."""
    try:
        call(client, operation, logical_id, **parameters)
    except DeployError as error:
        if not gone(error):
            raise


def pick(properties: Mapping[str, Any], *wanted: str) -> dict[str, Any]:
    return {name: properties[name] for name in wanted if name in properties}
