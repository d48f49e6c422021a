"""Custom resources (``Custom::*``, ``AWS::CloudFormation::CustomResource``), backed by a Lambda function.

Each request is sent as CloudFormation sends it (shared/AWS-SEMANTICS.md section 5): the function is invoked
asynchronously with a real ResponseURL on the local endpoint and every property as a string, and the stack
waits for one PUT there, at most ``ServiceTimeout`` seconds. A FAILED answer fails the resource with
"Received response status [FAILED] from custom resource. Message returned: <Reason>"; a resource whose Create
failed still gets its Delete when the stack rolls back, with the PhysicalResourceId it answered, as
CloudFormation sends it. An update whose own resolved properties changed sends Update, with
OldResourceProperties and the PhysicalResourceId.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from groupgate.local.cloudformation.resources.base import Context, DeployError, ResourceType
from groupgate.local.cloudformation.template import Deployed

MAX_RESPONSE_BYTES = 4096


class CustomFailed(DeployError):
    """A FAILED answer: what the resource answered is kept, so the rollback can send it a Delete."""

    def __init__(self, message: str, deployed: Deployed | None) -> None:
        super().__init__(message)
        self.deployed = deployed


def stringified(value: Any) -> Any:
    """CloudFormation sends custom resource properties with every scalar as a string."""
    if isinstance(value, dict):
        return {k: stringified(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringified(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    return _request(context, logical_id, "Create", p, None)


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """An Update with OldResourceProperties and the PhysicalResourceId; an answer with another id is a replacement
    (the engine sends the old id its Delete in the cleanup)."""
    if old.get("ServiceToken") != p.get("ServiceToken"):
        raise DeployError(f"{logical_id}: Modifying service token is not allowed.")
    return _request(context, logical_id, "Update", p, deployed.ref, old=old)


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    _request(context, logical_id, "Delete", p, deployed.ref)


def _request(
    context: Context, logical_id: str, kind: str, p: dict[str, Any], physical: str | None, *,
    old: dict[str, Any] | None = None,
) -> Deployed:  # fmt: skip
    token = p.get("ServiceToken", "")
    if ":lambda:" not in token:
        raise DeployError(
            f"{logical_id}: ServiceToken {token!r} is not a Lambda function (SNS is not supported locally)"
        )
    timeout = float(p.get("ServiceTimeout", 3600))
    request_token = uuid.uuid4().hex
    responses = context.services.responses
    event = {
        "RequestType": kind,
        "ServiceToken": token,
        "ResponseURL": responses.url(request_token),
        "StackId": context.stack.stack_id,
        "RequestId": str(uuid.uuid4()),
        "ResourceType": context.type_of(logical_id),
        "LogicalResourceId": logical_id,
        "ResourceProperties": stringified(p),
        **({"PhysicalResourceId": physical} if physical is not None else {}),
        **({"OldResourceProperties": stringified(old)} if old is not None else {}),
    }
    outcome: dict[str, Any] = {}

    def invoke() -> None:  # CloudFormation invokes it asynchronously
        outcome["invocation"] = context.services.lambdas.invoke(token, event)

    worker = threading.Thread(target=invoke, daemon=True)
    worker.start()
    try:
        return _answer(logical_id, _await(context, logical_id, request_token, timeout, worker=worker, outcome=outcome))
    finally:
        responses.forget(request_token)  # a late or second PUT to this URL is refused


def _await(
    context: Context, logical_id: str, request_token: str, timeout: float, *, worker: threading.Thread,
    outcome: dict[str, Any],
) -> bytes:  # fmt: skip
    responses = context.services.responses
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = responses.wait(request_token, 0.2)
        if body is None and not worker.is_alive():
            body = responses.wait(request_token, 1.0)  # a PUT may still be arriving
            if body is None:
                invocation = outcome.get("invocation")
                why = (
                    f"{invocation.error_type}: {invocation.error_message}"
                    if invocation and not invocation.ok
                    else "no error"
                )
                raise DeployError(
                    f"{logical_id}: the function ended ({why}) without answering its ResponseURL; CloudFormation would "
                    f"wait the ServiceTimeout ({timeout:.0f} s) and fail"
                )
        if body is not None:
            return body
    raise DeployError(f"{logical_id}: no answer from the custom resource within its ServiceTimeout ({timeout:.0f} s)")


def _answer(logical_id: str, body: bytes) -> Deployed:
    if len(body) > MAX_RESPONSE_BYTES:
        raise DeployError(
            f"{logical_id}: Response object is too long ({len(body)} bytes; the limit is {MAX_RESPONSE_BYTES})"
        )
    try:
        answer = json.loads(body)
    except json.JSONDecodeError:
        raise DeployError(f"{logical_id}: the custom resource answered something that is not JSON") from None
    physical = answer.get("PhysicalResourceId")
    if answer.get("Status") == "FAILED":
        raise CustomFailed(
            f"Received response status [FAILED] from custom resource. Message returned: {answer.get('Reason', '')} "
            f"(RequestId: {answer.get('RequestId', '')})",
            Deployed(str(physical)) if physical else None,
        )
    if answer.get("Status") != "SUCCESS" or not physical:
        raise DeployError(f"{logical_id}: the custom resource's answer has no SUCCESS status or PhysicalResourceId")
    return Deployed(str(physical), dict(answer.get("Data") or {}))


TYPE = ResourceType("Custom::*", None, create, delete, update=update)
