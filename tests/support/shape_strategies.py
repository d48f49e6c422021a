"""Hypothesis strategies for AWS requests, built from the operation's input shape in botocore's model.

Most values fit the shape (so requests get past the front door and into the handlers), and where a member
is one the local cloud knows (a client id, a pool id, a user name, a token) the strategy mostly picks a real
one; a share of values are of the wrong JSON type, missing, or arbitrary text, so the front door's refusals
are exercised too.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from botocore.model import Shape
from hypothesis import strategies as st

WRONG_TYPES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
PARAMETER_NAMES = st.sampled_from(
    ["USERNAME", "PASSWORD", "SRP_A", "REFRESH_TOKEN", "REFRESH", "NEW_PASSWORD", "SECRET_HASH", "TIMESTAMP",
     "PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SECRET_BLOCK", "DEVICE_KEY", "ANSWER", "userAttributes.email"]
)  # fmt: skip
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


def request_for(shape: Shape | None, known: Mapping[str, list[str]]) -> st.SearchStrategy[dict[str, Any]]:
    """A request body (a dict) for an operation whose input shape is ``shape`` (None: it takes none)."""
    return _structure(shape, known, depth=0) if shape is not None else st.just({})


def _value(name: str, shape: Shape, known: Mapping[str, list[str]], depth: int) -> st.SearchStrategy[Any]:
    fitting = _fitting(name, shape, known, depth)
    return st.one_of(fitting, fitting, fitting, fitting, WRONG_TYPES)


def _fitting(name: str, shape: Shape, known: Mapping[str, list[str]], depth: int) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind in ("structure", "list", "map"):
        return _container(name, shape, known, depth)
    if kind == "string":
        enum = shape.enum  # type: ignore[attr-defined]
        choices = enum or known.get(name)
        return st.one_of(st.sampled_from(choices), st.sampled_from(choices), TEXT) if choices else TEXT
    scalars: dict[str, st.SearchStrategy[Any]] = {
        "boolean": st.booleans(),
        "integer": st.integers(-10, 10**6),
        "long": st.integers(-10, 10**6),
        "float": st.floats(0, 2e9),
        "double": st.floats(0, 2e9),
        "timestamp": st.floats(0, 2e9),
        "blob": st.binary(max_size=20).map(lambda data: base64.b64encode(data).decode()),
    }
    return scalars.get(kind, TEXT)


def _container(name: str, shape: Shape, known: Mapping[str, list[str]], depth: int) -> st.SearchStrategy[Any]:
    if depth >= 3:
        return st.just({} if shape.type_name != "list" else [])
    if shape.type_name == "structure":
        return _structure(shape, known, depth + 1)
    if shape.type_name == "list":
        return st.lists(_value(name, shape.member, known, depth + 1), max_size=3)  # type: ignore[attr-defined]
    keys = PARAMETER_NAMES if name in ("AuthParameters", "ChallengeResponses") else TEXT
    return st.dictionaries(keys, _value(name, shape.value, known, depth + 1), max_size=4)  # type: ignore[attr-defined]


def _structure(shape: Shape, known: Mapping[str, list[str]], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    members = shape.members  # type: ignore[attr-defined]
    required = set(shape.required_members)
    return st.fixed_dictionaries(
        {name: _value(name, member, known, depth) for name, member in members.items() if name in required},
        optional={name: _value(name, member, known, depth) for name, member in members.items() if name not in required},
    )
