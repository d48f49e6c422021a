"""AWS's JSON protocol, as the local cloud's own handlers speak it (moto speaks it for the rest)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Handler = Callable[[dict[str, Any]], Mapping[str, Any]]


@dataclass(eq=False)
class AwsError(Exception):
    """An error answer: ``{"__type": code, "message": message}`` with an HTTP status (400 unless said)."""

    code: str
    message: str
    status: int = 400

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Operations:
    """A service the local cloud answers itself: one handler an operation (``operations``); any other is refused
    with ``unknown``'s answer, in that service's words."""

    operations: dict[str, Handler]

    def unknown(self, operation: str) -> AwsError:
        return AwsError("UnknownOperationException", f"{operation} is not something the local cloud does here", 404)

    def call(self, operation: str, request: dict[str, Any]) -> Mapping[str, Any]:
        handler = self.operations.get(operation)
        if handler is None:
            raise self.unknown(operation)
        return handler(request)


def json_answer(payload: Mapping[str, Any], *, status: int = 200) -> Answer:
    body = json.dumps(payload, default=str).encode()
    return Answer(
        status,
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
        body,
    )


def error_answer(error: AwsError) -> Answer:
    answer = json_answer({"__type": error.code, "message": error.message}, status=error.status)
    return Answer(answer.status, [*answer.headers, ("x-amzn-ErrorType", error.code)], answer.body)


def moto_error(error: Exception) -> AwsError | None:
    """moto's own exceptions carry the AWS error code and message: the same answer, from our handlers."""
    code = getattr(error, "error_type", None)
    message = getattr(error, "message", None)
    if code is None or message is None:
        return None
    return AwsError(str(code), str(message), int(getattr(error, "code", 400)))
