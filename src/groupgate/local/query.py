"""AWS's query protocol (CloudFormation, IAM, STS) on the server side, driven by botocore's service models.

A request is a form (``Action=...&Version=...&Parameters.member.1.ParameterKey=...``): ``parse`` builds the
operation's members from it along the input shape (``Name.member.N`` for a list, ``Name.entry.N.key`` and
``.value`` for a map, scalars from their text), and ``shapes.check`` then holds it to the model, as the JSON
services' requests are held. An answer is XML in the form botocore's query parser reads:
``<OpResponse xmlns=...><OpResult>members</OpResult><ResponseMetadata>...</ResponseMetadata></OpResponse>``,
lists as ``<member>`` elements, timestamps in ISO 8601 with milliseconds; an error is
``<ErrorResponse><Error><Type>Sender</Type><Code>...</Code><Message>...</Message></Error>...``.

Chosen where AWS documents nothing: a scalar whose text is not of its type ("abc" for an integer) is a
validation error that says so; a parameter the shape does not name is ignored.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from botocore.model import OperationModel, Shape

from groupgate.local import shapes
from groupgate.local.protocol import Answer, AwsError

_MISSING = object()


def operation(service: str, action: str) -> shapes.Operation:
    """The operation a query request's ``Action`` names; UnknownOperationException if there is none."""
    model = shapes.service_model(service)
    if action not in model.operation_names:
        raise AwsError("InvalidAction", f"The action {action} is not valid for this web service.")
    return shapes.Operation(service, model.operation_model(action))


def parse(found: shapes.Operation, form: Mapping[str, str]) -> dict[str, Any]:
    """The request's members, from its form, checked against the model."""
    shape = found.model.input_shape
    if shape is None:
        return {}
    problems: list[str] = []
    value = _parse(shape, form, "", problems, found.service)
    if problems:
        raise shapes.validation_error(found.service, problems)
    return shapes.check(found, value if isinstance(value, dict) else {})


def _name(shape: Shape, default: str) -> str:
    return str(shape.serialization.get("name", default))


def _parse(shape: Shape, form: Mapping[str, str], prefix: str, problems: list[str], service: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        found = {}
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            key = f"{prefix}.{_name(member, name)}" if prefix else _name(member, name)
            value = _parse(member, form, key, problems, service)
            if value is not _MISSING:
                found[name] = value
        return found if found or not prefix else _MISSING
    if kind == "list":
        member = shape.member  # type: ignore[attr-defined]
        flattened = shape.serialization.get("flattened")
        head = prefix if flattened else f"{prefix}.{_name(member, 'member')}"
        indices = _indices(form, head)
        if not indices:
            return [] if form.get(prefix) == "" else _MISSING  # botocore sends "Name=" for an empty list
        return [_parse(member, form, f"{head}.{n}", problems, service) for n in indices]
    if kind == "map":
        head = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
        key_name = _name(shape.key, "key")  # type: ignore[attr-defined]
        value_name = _name(shape.value, "value")  # type: ignore[attr-defined]
        entries = {}
        for n in _indices(form, head):
            key = form.get(f"{head}.{n}.{key_name}", "")
            entries[key] = _parse(shape.value, form, f"{head}.{n}.{value_name}", problems, service)  # type: ignore[attr-defined]
        return entries if entries else _MISSING
    if prefix not in form:
        return _MISSING
    return _scalar(shape, form[prefix], prefix, problems)


def _indices(form: Mapping[str, str], head: str) -> list[int]:
    pattern = re.compile(re.escape(head) + r"\.(\d+)(?:\.|$)")
    return sorted({int(match.group(1)) for key in form if (match := pattern.match(key))})


def _scalar(shape: Shape, text: str, where: str, problems: list[str]) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
        if kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
    except ValueError:
        path = ".".join(part[:1].lower() + part[1:] for part in where.split(".") if not part.isdigit())
        problems.append(shapes.violation(shape, text, path, f"Member must be a valid {kind}"))
        return None
    return text


# ---------------------------------------------------------------- answers
def answer(found: shapes.Operation, result: Mapping[str, Any]) -> Answer:
    """The operation's answer, as XML."""
    model = found.model
    xmlns = shapes.service_model(found.service).metadata.get("xmlNamespace", "")
    shape = model.output_shape
    inner = _members(shape, result) if shape is not None else ""
    wrapper = shape.serialization.get("resultWrapper") if shape is not None else None
    body = f"<{wrapper}>{inner}</{wrapper}>" if wrapper else inner
    text = (
        f'<{model.name}Response xmlns="{xmlns}">{body}'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{model.name}Response>"
    )
    return _xml(200, text)


def error(service: str, error: AwsError) -> Answer:
    xmlns = shapes.service_model(service).metadata.get("xmlNamespace", "")
    kind = "Receiver" if error.status >= 500 else "Sender"
    text = (
        f'<ErrorResponse xmlns="{xmlns}"><Error><Type>{kind}</Type><Code>{escape(error.code)}</Code>'
        f"<Message>{escape(error.message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return _xml(error.status, text)


def _xml(status: int, text: str) -> Answer:
    body = text.encode()
    return Answer(status, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))], body)


def _members(shape: Shape, value: Mapping[str, Any]) -> str:
    parts = []
    for name, member in shape.members.items():  # type: ignore[attr-defined]
        if value.get(name) is not None:
            parts.append(_element(_name(member, name), member, value[name]))
    return "".join(parts)


def _element(tag: str, shape: Shape, value: Any) -> str:
    kind = shape.type_name
    if kind == "list":
        member = shape.member  # type: ignore[attr-defined]
        items = "".join(_element(_name(member, "member"), member, item) for item in value)
        return items if shape.serialization.get("flattened") else f"<{tag}>{items}</{tag}>"
    if kind == "map":
        entries = "".join(
            f"<entry>{_element('key', shape.key, k)}{_element('value', shape.value, v)}</entry>"  # type: ignore[attr-defined]
            for k, v in value.items()
        )
        return f"<{tag}>{entries}</{tag}>"
    if kind == "structure":
        return f"<{tag}>{_members(shape, value)}</{tag}>"
    return f"<{tag}>{escape(_text(kind, value))}</{tag}>"


def _text(kind: str, value: Any) -> str:
    if kind == "timestamp":
        moment = value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if kind == "boolean":
        return "true" if value else "false"
    return str(value)


def is_query(model: OperationModel) -> bool:
    return bool(model.service_model.protocol == "query")
