"""Field checks that name the exact place in an event that was wrong.

Both functions receive JSON from an AWS service (CloudFormation, Cognito) or from a hand-written
test event. When a field is missing or has the wrong type, the error says which one, by its path
(``ResourceProperties.Entries[1].Value.Type``), so the person reading a stack event or a log knows
what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class InvalidInput(ValueError):
    """An event or property was not what the function accepts; the message says where and why."""


_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),  # before int: a bool is an int in Python
    (str, "a string"),
    ((int, float), "a number"),
    (Mapping, "an object"),
    (Sequence, "a list"),
)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return next((name for kind, name in _KINDS if isinstance(value, kind)), type(value).__name__)


def require_mapping(value: object, path: str) -> Mapping[str, Any]:
    """Return ``value`` if it is a JSON object, else raise ``InvalidInput`` naming ``path``."""
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{path} must be an object, got {_kind(value)}")
    return value


def require_list(value: object, path: str) -> list[Any]:
    """Return ``value`` if it is a JSON list, else raise ``InvalidInput`` naming ``path``."""
    if not isinstance(value, list):
        raise InvalidInput(f"{path} must be a list, got {_kind(value)}")
    return value


def require_str(parent: Mapping[str, Any], key: str, path: str, *, max_length: int = 2048) -> str:
    """Return ``parent[key]`` if it is a non-empty string of at most ``max_length`` characters."""
    field = f"{path}.{key}" if path else key
    if key not in parent:
        raise InvalidInput(f"{field} is missing")
    value = parent[key]
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string, got {_kind(value)}")
    if not value:
        raise InvalidInput(f"{field} must not be empty")
    if len(value) > max_length:
        raise InvalidInput(f"{field} must be at most {max_length} characters, got {len(value)}")
    return value


def require_choice(parent: Mapping[str, Any], key: str, path: str, choices: Sequence[str]) -> str:
    """Return ``parent[key]`` if it is one of ``choices`` (compared exactly, as AWS does)."""
    value = require_str(parent, key, path)
    if value not in choices:
        field = f"{path}.{key}" if path else key
        raise InvalidInput(f"{field} must be one of {', '.join(choices)}; got {value!r}")
    return value


def reject_unknown(parent: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
    """Raise ``InvalidInput`` for the first key of ``parent`` not in ``allowed`` (a typo, usually)."""
    for key in parent:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise InvalidInput(f"{where} is not a known field; expected one of {', '.join(allowed)}")
