"""AWS's REST-JSON protocol (Lambda, API Gateway), as the local cloud serves it, from botocore's models.

A request is routed to its operation by method and path against each operation's ``requestUri``; its members
are read from where the model puts them (path, query string, headers, JSON body or a raw payload) and
checked against the input shape (``shapes``). An answer writes the output shape's members back the same way:
headers, status code, payload or JSON body. Errors carry ``x-amzn-ErrorType``, as botocore reads them.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel, Shape

from groupgate.local import shapes
from groupgate.local.protocol import Answer, AwsError

__all__ = ["Route", "answer", "error", "parse", "route"]


@dataclass(frozen=True)
class Route:
    operation: shapes.Operation
    labels: dict[str, str]  # the path's {labels}, as sent (percent-encoded)


@cache
def _routes(service: str) -> list[tuple[str, re.Pattern[str], int, OperationModel]]:
    model = shapes.service_model(service)
    found = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        path = operation.http["requestUri"].partition("?")[0]
        pattern = "".join(
            f"(?P<{_group(part[1:-2])}>.+)" if part.endswith("+}") else
            f"(?P<{_group(part[1:-1])}>[^/]+)" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", path)
        )  # fmt: skip
        literal = len(re.sub(r"\{[^}]+\}", "", path))
        found.append((operation.http["method"], re.compile(pattern + "/?"), literal, operation))
    return sorted(found, key=lambda r: -r[2])  # the most specific first: /functions/{F}/code before /functions/{F}


def _group(label: str) -> str:
    return "L_" + re.sub(r"\W", "_", label)


def route(service: str, method: str, path: str) -> Route | None:
    """The operation a request is for, or None when no operation of the service has that method and path."""
    for verb, pattern, _, operation in _routes(service):
        match = pattern.fullmatch(path)
        if verb == method and match:
            labels = {key[2:]: value for key, value in match.groupdict().items()}
            return Route(shapes.Operation(service, operation), labels)
    return None


def parse(found: Route, query: str, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The request's members, from wherever the model puts them, checked against the input shape."""
    shape = found.operation.model.input_shape
    if shape is None:
        return {}
    request: dict[str, Any] = {}
    raw: dict[str, bytes] = {}  # a blob payload, as sent: no JSON shape to check
    pairs = parse_qsl(query, keep_blank_values=True)
    payload = shape.serialization.get("payload")
    for name, member in shape.members.items():
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        if location == "uri" and wire in found.labels:
            request[name] = _scalar(member, unquote(found.labels[wire]))
        elif location == "querystring":
            values = [v for k, v in pairs if k == wire]
            if values and member.type_name == "list":
                request[name] = [_scalar(member.member, v) for v in values]  # type: ignore[attr-defined]
            elif values:
                request[name] = _scalar(member, values[-1])
        elif location == "header" and wire.lower() in headers:
            request[name] = _scalar(member, headers[wire.lower()])
        elif name == payload and member.type_name == "blob":
            raw[name] = body
        elif name == payload:
            request[name] = _json(body)
    if payload is None and body.strip():
        named = {
            m.serialization.get("name", n): n for n, m in shape.members.items() if not m.serialization.get("location")
        }
        request.update({named[k]: v for k, v in _json(body).items() if k in named})
    return {**shapes.check(found.operation, request), **raw}


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8")) if body.strip() else {}
    except (UnicodeDecodeError, ValueError):
        raise AwsError("SerializationException", "the body is not JSON") from None
    if not isinstance(value, dict):
        raise AwsError("SerializationException", "the body is not a JSON object")
    return value


def _scalar(shape: Shape, text: str) -> Any:
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            return text  # the shape check says what is wrong with it
    if kind == "boolean":
        return text.lower() == "true" if text.lower() in ("true", "false") else text
    return text


def answer(found: Route, result: Mapping[str, Any]) -> Answer:
    """The operation's output members written where its model puts them."""
    model = found.operation.model
    status = int(model.http.get("responseCode", 200))
    shape = model.output_shape
    headers = [("x-amzn-RequestId", str(uuid.uuid4()))]
    body: bytes = b""
    document: dict[str, Any] = {}
    payload = shape.serialization.get("payload") if shape else None
    for name, member in (shape.members if shape else {}).items():
        if name not in result or result[name] is None:
            continue
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        if location == "header":
            headers.append((wire, str(result[name])))
        elif location == "statusCode":
            status = int(result[name])
        elif name == payload:
            value = result[name]
            body = value if isinstance(value, bytes) else json.dumps(_wire(member, value)).encode()
        else:
            document[wire] = _wire(member, result[name])
    if payload is None:
        body = json.dumps(document).encode()
    headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return Answer(status, headers, body)


def _wire(shape: Any, value: Any) -> Any:  # a botocore Shape of any kind
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        members = shape.members
        return {
            members[k].serialization.get("name", k): _wire(members[k], v)
            for k, v in value.items()
            if k in members and v is not None
        }
    if kind == "list" and isinstance(value, list):
        return [_wire(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, Mapping):
        return {k: _wire(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        return value.timestamp() if isinstance(value, datetime) else float(value)
    if kind == "blob" and isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def error(failure: AwsError) -> Answer:
    """An error as REST-JSON services answer one: the type in ``x-amzn-ErrorType``, the message in the body."""
    body = json.dumps({"Type": "User" if failure.status < 500 else "Service", "message": failure.message}).encode()
    return Answer(
        failure.status,
        [
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("x-amzn-ErrorType", failure.code),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ],
        body,
    )


def iso(when: float) -> str:
    """A time as Lambda writes LastModified: 2026-12-01T12:00:00.000+0000."""
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
