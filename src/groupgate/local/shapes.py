"""A JSON-protocol request checked against its operation's input shape in botocore's service model, before
anything changes, as AWS's front door checks it:

* a body that is not a JSON object, or a member of the wrong JSON type: ``SerializationException``, for the
  first one found (AWS reports type errors before any constraint);
* members that break the model's constraints (required, length, pattern, enum, range): one answer listing
  every violation, ``N validation errors detected: Value '<v>' at '<path>' failed to satisfy constraint:
  <rule>; ...``, with the service's own error type (``InvalidParameterException`` for Cognito user pools,
  ``ValidationException`` for the rest). Paths are lowerCamel member names, list items 1-based
  (``userAttributes.1.member.value``); a member the model marks sensitive never has its value shown;
* an operation the service does not have, or a target no service has: ``UnknownOperationException``.

Patterns are matched whole, with Java's character classes (``\\w``, ``\\s`` are ASCII; ``\\p{L}`` is Unicode), as
the services' Java front end matches them. Where the service is known to check a different pattern than the
published model says, ``SERVER_PATTERNS`` holds the service's, with where it was seen.

Not documented by AWS, and chosen here: members the shape does not name are ignored; an empty body is ``{}``;
the wording of type errors follows what AWS's JSON front end was seen to answer (Start of structure or map
found where not expected., Start of list found where not expected, <KIND>_VALUE can not be converted to a
String, ...).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex
from botocore.exceptions import UnknownServiceError
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.session import get_session

from groupgate.local.protocol import AwsError

# Services reached without a signature (sign-up, sign-in): by the target prefix of their JSON protocol.
UNSIGNED_TARGETS = {
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "AWSCognitoIdentityService": "cognito-identity",
}
# Every other service: ValidationException.
VALIDATION_ERRORS = {
    "cognito-idp": "InvalidParameterException",
    "cloudformation": "ValidationError",
    "apigateway": "BadRequestException",
}
# (service, shape) -> the pattern the service checks, where the published model differs.
SERVER_PATTERNS = {
    # Seen in Cognito's answers ("Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$"), and the
    # developer guide: a password may hold spaces, but not lead or trail with one. The model says [\S]+.
    ("cognito-idp", "PasswordType"): r"^[\S]+.*[\S]+$",
}
INT_BOUNDS = {"integer": 2**31, "long": 2**63}


class UnknownTarget(LookupError):
    """The target names no JSON-protocol service this module knows; the caller answers it some other way."""


@dataclass(frozen=True)
class Operation:
    service: str  # botocore's name: cognito-idp
    model: OperationModel


@cache
def service_model(name: str) -> ServiceModel:
    return get_session().get_service_model(name)


def operation(target: str, signing_service: str | None = None) -> Operation:
    """The operation an ``X-Amz-Target`` names, for a request signed for ``signing_service`` (or unsigned).

    Raises ``UnknownTarget`` when no known JSON service has the prefix, and ``AwsError``
    (UnknownOperationException) when the service has no such operation.
    """
    prefix, dot, name = target.partition(".")
    service = UNSIGNED_TARGETS.get(prefix) or signing_service
    if not service:
        raise UnknownTarget(target)
    try:
        model = service_model(service)
    except UnknownServiceError as error:
        raise UnknownTarget(target) from error
    if model.metadata.get("targetPrefix") != prefix or model.protocol != "json":
        raise UnknownTarget(target)
    if not dot or name not in model.operation_names:
        raise AwsError("UnknownOperationException", "")
    return Operation(service, model.operation_model(name))


def parse(found: Operation, body: bytes) -> dict[str, Any]:
    """A JSON request's members, checked against the operation's input shape; ``AwsError`` if they do not fit."""
    try:
        value = json.loads(body.decode("utf-8") or "{}", parse_constant=_no_constant) if body.strip() else {}
    except (UnicodeDecodeError, ValueError):
        raise _serialization("") from None
    if not isinstance(value, dict):
        raise _serialization(_type_message(value, "structure") if isinstance(value, list) else "")
    return check(found, value)


def check(found: Operation, value: dict[str, Any]) -> dict[str, Any]:
    """``value`` (a request's members, however they arrived) checked against the operation's input shape."""
    shape = found.model.input_shape
    if shape is None:
        return value
    problems: list[str] = []
    _check(found.service, shape, value, "", problems)
    if problems:
        raise validation_error(found.service, problems)
    return value


def validation_error(service: str, problems: list[str]) -> AwsError:
    """One answer for every violation, in the service's own error type."""
    count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
    return AwsError(VALIDATION_ERRORS.get(service, "ValidationException"), count + "; ".join(problems))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _serialization(message: str) -> AwsError:
    return AwsError("SerializationException", message)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _check(service: str, shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    """Type errors raise at once; constraint violations are added to ``problems``."""
    kind = shape.type_name
    if not _type_fits(kind, value):
        raise _serialization(_type_message(value, kind))
    if kind == "structure":
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            where = f"{path}.{_camel(name)}" if path else _camel(name)
            child = value.get(name)
            if child is None:
                if name in shape.required_members:
                    problems.append(_violation(member, None, where, "Member must not be null"))
                continue
            _check(service, member, child, where, problems)
        return
    problems.extend(_violation(shape, value, path, rule) for rule in _rules(service, shape, value))
    if kind == "list":
        member = shape.member  # type: ignore[attr-defined]
        for index, item in enumerate(value, 1):
            where = f"{path}.{index}.member"
            if item is None:
                problems.append(_violation(member, None, where, "Member must not be null"))
            else:
                _check(service, member, item, where, problems)
    elif kind == "map":
        _check_map(service, shape, value, path, problems)


def _check_map(service: str, shape: Shape, value: Mapping[str, Any], path: str, problems: list[str]) -> None:
    key_shape, value_shape = shape.key, shape.value  # type: ignore[attr-defined]
    key_rules: list[str] = []
    value_rules: list[str] = []
    for key, item in value.items():
        key_rules += [r for r in _rules(service, key_shape, key) if r not in key_rules]
        if item is None:
            value_rules += [] if "Member must not be null" in value_rules else ["Member must not be null"]
            continue
        if value_shape.type_name in ("structure", "list", "map"):
            _check(service, value_shape, item, f"{path}.{key}", problems)
            continue
        if not _type_fits(value_shape.type_name, item):
            raise _serialization(_type_message(item, value_shape.type_name))
        value_rules += [r for r in _rules(service, value_shape, item) if r not in value_rules]
    if key_rules:
        problems.append(_violation(shape, value, path, f"Map keys must satisfy constraint: [{', '.join(key_rules)}]"))
    if value_rules:
        rules = ", ".join(value_rules)
        problems.append(_violation(shape, value, path, f"Map value must satisfy constraint: [{rules}]"))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(bound: int) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, int) and not isinstance(value, bool) and -bound <= value < bound


FITS: dict[str, Callable[[Any], bool]] = {
    "structure": lambda value: isinstance(value, dict),
    "map": lambda value: isinstance(value, dict),
    "list": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "integer": _whole(INT_BOUNDS["integer"]),
    "long": _whole(INT_BOUNDS["long"]),
    "float": _number,
    "double": _number,
    "timestamp": lambda value: _number(value) or isinstance(value, str),
    "blob": lambda value: isinstance(value, str) and _is_base64(value),
}


def _type_fits(kind: str, value: Any) -> bool:
    return FITS.get(kind, lambda _: True)(value)


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _type_message(value: Any, kind: str) -> str:
    if isinstance(value, dict):
        return "Start of structure or map found where not expected."
    if isinstance(value, list):
        return "Start of list found where not expected"
    if kind == "list":
        return "Expected list or null"
    if kind in ("structure", "map"):
        return "Expected null"
    found = "TRUE_VALUE" if value is True else "FALSE_VALUE" if value is False else None
    found = found or ("STRING_VALUE" if isinstance(value, str) else "NUMBER_VALUE")
    wanted = {"string": "a String", "boolean": "a Boolean", "integer": "an Integer", "long": "a Long"}
    return f"{found} can not be converted to {wanted.get(kind, 'a ' + kind.capitalize())}"


def _rules(service: str, shape: Shape, value: Any) -> list[str]:
    """The constraints of ``shape`` that ``value`` (of the right type) breaks, in AWS's words."""
    meta = shape.metadata
    broken = []
    if shape.type_name in ("string", "list", "map", "blob"):
        size = len(value)
        if "max" in meta and size > meta["max"]:
            broken.append(f"Member must have length less than or equal to {meta['max']}")
        if "min" in meta and size < meta["min"]:
            broken.append(f"Member must have length greater than or equal to {meta['min']}")
    elif shape.type_name in (*INT_BOUNDS, "float", "double"):
        if "max" in meta and value > meta["max"]:
            broken.append(f"Member must have value less than or equal to {meta['max']}")
        if "min" in meta and value < meta["min"]:
            broken.append(f"Member must have value greater than or equal to {meta['min']}")
    if shape.type_name == "string":
        enum = shape.enum  # type: ignore[attr-defined]  # a StringShape's
        if enum and value not in enum:
            broken.append(f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = SERVER_PATTERNS.get((service, shape.name), meta.get("pattern"))
        compiled = _pattern(pattern) if pattern else None
        if compiled is not None and compiled.fullmatch(value) is None:
            broken.append(f"Member must satisfy regular expression pattern: {pattern}")
    return broken


@cache
def _pattern(pattern: str) -> regex.Pattern[str] | None:
    try:
        return regex.compile(pattern, regex.ASCII | regex.V0)
    except regex.error:
        return None  # a Java construct the regex module lacks: the constraint goes unchecked here


def violation(shape: Shape, value: Any, path: str, rule: str) -> str:
    """One problem, as the services word it (a sensitive member's value is never shown)."""
    return _violation(shape, value, path, rule)


def _violation(shape: Shape, value: Any, path: str, rule: str) -> str:
    if shape.metadata.get("sensitive"):
        return f"Value at '{path}' failed to satisfy constraint: {rule}"
    return f"Value {_java(value)} at '{path}' failed to satisfy constraint: {rule}"


def _java(value: Any) -> str:
    """A value as the Java front end prints it in a validation message."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, list):
        return "'[" + ", ".join(_bare(item) for item in value) + "]'"
    if isinstance(value, dict):
        return "'{" + ", ".join(f"{key}={_bare(item)}" for key, item in value.items()) + "}'"
    return f"'{value}'"


def _bare(value: Any) -> str:
    return _java(value).strip("'") if value is not None else "null"
