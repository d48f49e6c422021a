"""Answer a CloudFormation custom resource request: one JSON body, PUT to its presigned ResponseURL.

The `cfn-response` module exists only for inline ``ZipFile`` functions, so a SAM-built function
sends the response itself. The rules it follows (AWS CloudFormation user guide, "Custom resource
response objects"): a body of at most 4096 bytes, an empty ``Content-Type`` (the presigned S3 URL is
signed without one), and an answer for every request, because a request left unanswered keeps the
stack waiting until the resource's ``ServiceTimeout``.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger

from groupgate_common.validation import InvalidInput

logger = Logger(child=True)

MAX_BODY_BYTES = 4096
# Time kept back from the invocation's remaining time to log and return after the last PUT.
RETURN_MARGIN_SECONDS = 0.5
SUCCESS: Literal["SUCCESS"] = "SUCCESS"
FAILED: Literal["FAILED"] = "FAILED"


@dataclass(frozen=True)
class Outcome:
    """What the function decided, before any I/O: the status, and the reason or the data."""

    status: Literal["SUCCESS", "FAILED"]
    physical_resource_id: str
    reason: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


def stable_physical_id(stack_id: str, logical_resource_id: str) -> str:
    """An id that is the same for every request about this resource in this stack.

    A new PhysicalResourceId on Update would tell CloudFormation the resource was replaced (and
    make it Delete the old one), so it must not depend on anything that changes between calls,
    such as the log stream name that ``cfn-response`` uses by default.
    """
    digest = hashlib.sha256(f"{stack_id}|{logical_resource_id}".encode()).hexdigest()[:16]
    return f"{logical_resource_id or 'resource'}-{digest}"


REQUEST_TYPES = ("Create", "Update", "Delete")
Decide = Callable[[dict[str, Any], float], Outcome]  # (the request, the time.monotonic() to decide by) -> outcome


def answer(
    event: Any, remaining_seconds: float, decide: Decide, *, log: Logger, keep_back: float = 0.0
) -> dict[str, Any]:
    """One custom resource invocation: the event checked to be a CloudFormation request, what CloudFormation sent
    logged on the function's ``log``, the outcome ``decide``d by ``keep_back`` seconds before the invocation's end,
    then PUT to the ResponseURL. Returns the status, the physical id and whether the PUT was accepted."""
    ends = time.monotonic() + remaining_seconds
    if not isinstance(event, dict) or not isinstance(event.get("ResponseURL"), str) or not event["ResponseURL"]:
        # Nothing to answer: CloudFormation always sends a ResponseURL, so this is a hand-made event.
        raise InvalidInput("the event is not a CloudFormation custom resource request: it has no ResponseURL")
    # A plain dict, not powertools' CloudFormationCustomResourceEvent: importing any of its data classes
    # imports all of them, about 18 ms of every cold start (BENCHMARKS.md), for three .get() calls.
    request: dict[str, Any] = event
    log.append_keys(request_type=request.get("RequestType"), logical_resource_id=request.get("LogicalResourceId"))
    # What CloudFormation sent, for whoever reads the log after a stack operation (no secrets: ids and ARNs).
    log.info(
        "received the request",
        extra={
            "physical_resource_id": request.get("PhysicalResourceId"),
            "resource_properties": request.get("ResourceProperties"),
            "old_resource_properties": request.get("OldResourceProperties"),
        },
    )
    outcome = decide(request, ends - keep_back)
    delivered = put_response(request["ResponseURL"], render(request, outcome), deadline=ends - RETURN_MARGIN_SECONDS)
    return {"Status": outcome.status, "PhysicalResourceId": outcome.physical_resource_id, "Delivered": delivered}


def physical_id_of(request: Mapping[str, Any]) -> str:
    """The PhysicalResourceId an answer to ``request`` gives: the one CloudFormation sent with an Update or a
    Delete, else (a Create, or a request without one) the stable id of this resource in this stack."""
    given = request.get("PhysicalResourceId") if request.get("RequestType") in ("Update", "Delete") else None
    if isinstance(given, str) and given:
        return given
    return stable_physical_id(str(request.get("StackId", "")), str(request.get("LogicalResourceId", "")))


def unknown_request_type(request: Mapping[str, Any], physical_id: str) -> Outcome | None:
    """FAILED for a RequestType CloudFormation does not send; None for Create, Update and Delete."""
    request_type = request.get("RequestType")
    if request_type in REQUEST_TYPES:
        return None
    return Outcome(
        FAILED, physical_id, reason=f"RequestType must be one of {', '.join(REQUEST_TYPES)}; got {request_type!r}"
    )


def render(event: Mapping[str, Any], outcome: Outcome) -> bytes:
    """The response body for ``event``, never more than ``MAX_BODY_BYTES`` bytes.

    A SUCCESS whose data would not fit becomes a FAILED that says so; a reason that would not
    fit is shortened, with a marker, so the body is always accepted.
    """
    body = _encode(event, outcome)
    if len(body) > MAX_BODY_BYTES and outcome.status == SUCCESS:
        outcome = Outcome(
            FAILED,
            outcome.physical_resource_id,
            reason=(
                f"the response would be {len(body)} bytes, over CloudFormation's {MAX_BODY_BYTES}-byte "
                "limit for custom resource responses; give fewer or shorter Entries"
            ),
        )
        body = _encode(event, outcome)
    if len(body) > MAX_BODY_BYTES:
        body = _encode(event, _shorten_reason(event, outcome))
    return body


def _encode(event: Mapping[str, Any], outcome: Outcome) -> bytes:
    body: dict[str, Any] = {
        "Status": outcome.status,
        "Reason": outcome.reason,
        "PhysicalResourceId": outcome.physical_resource_id,
        "StackId": event.get("StackId", ""),
        "RequestId": event.get("RequestId", ""),
        "LogicalResourceId": event.get("LogicalResourceId", ""),
    }
    if outcome.data:
        body["Data"] = dict(outcome.data)
    return json.dumps(body, separators=(",", ":")).encode()


def _shorten_reason(event: Mapping[str, Any], outcome: Outcome) -> Outcome:
    marker = " [...]"
    room = MAX_BODY_BYTES - len(_encode(event, Outcome(outcome.status, outcome.physical_resource_id, reason=marker)))
    kept: list[str] = []
    for character in outcome.reason:
        room -= len(json.dumps(character)) - 2  # as encoded in the body: "é" takes six bytes, \u00e9
        if room < 0:
            break
        kept.append(character)
    return Outcome(outcome.status, outcome.physical_resource_id, reason="".join(kept) + marker)


def redact(url: str) -> str:
    """The ResponseURL without its query: the presigned signature is a credential, not a log line."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<not a URL>"
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def put_response(
    url: str,
    body: bytes,
    *,
    deadline: float,
    attempts: int = 4,
    attempt_timeout: float = 10.0,
    backoff: float = 0.25,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """PUT ``body`` to ``url``, retrying network errors and 5xx answers until ``deadline``.

    ``deadline`` is a ``clock()`` value by which this must have returned: no attempt starts or
    waits past it, so the function finishes (and logs what it could not send) before Lambda
    stops it. Returns whether CloudFormation's endpoint accepted the response.
    """
    target = redact(url)
    if not target.startswith(("https://", "http://")):
        logger.error("the ResponseURL is not an http(s) URL", extra={"response_url": target})
        return False
    for attempt in range(1, attempts + 1):
        remaining = deadline - clock()
        if remaining < 0.05:
            logger.error(
                "no time left to send the custom resource response",
                extra={"response_url": target, "attempt": attempt, "body_bytes": len(body)},
            )
            return False
        request = urllib.request.Request(  # noqa: S310 - the scheme was checked above
            url,
            data=body,
            method="PUT",
            headers={"Content-Type": "", "Content-Length": str(len(body))},
        )
        try:
            with urllib.request.urlopen(request, timeout=min(attempt_timeout, remaining)) as answer:  # noqa: S310
                logger.info(
                    "sent the custom resource response",
                    extra={"response_url": target, "status_code": answer.status, "attempt": attempt},
                )
                return True
        except urllib.error.HTTPError as error:
            retryable = error.code >= 500 or error.code == 429
            logger.warning(
                "the response URL refused the custom resource response",
                extra={"response_url": target, "status_code": error.code, "attempt": attempt, "retryable": retryable},
            )
            if not retryable:
                return False
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
            # Refused, reset, timed out, a garbled answer, a URL urllib cannot use: all worth another try.
            logger.warning(
                "could not reach the response URL",
                extra={"response_url": target, "error": str(error), "attempt": attempt},
            )
        pause = min(backoff * 2 ** (attempt - 1), deadline - clock() - 0.05)
        if attempt < attempts and pause > 0:
            sleep(pause)
    logger.error(
        "gave up sending the custom resource response",
        extra={"response_url": target, "attempts": attempts, "body_bytes": len(body)},
    )
    return False
