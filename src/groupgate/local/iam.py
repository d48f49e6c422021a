"""IAM policy evaluation, as much of it as this project's roles use, with AWS's rules.

* An explicit Deny wins; otherwise some Allow is needed; otherwise the request is implicitly denied.
* ``*`` and ``?`` in Action and Resource are glob wildcards (any run of characters, one character);
  nothing else is special, so ``a.b`` does not match ``aXb`` (moto matches them as regular expressions).
* Action names are case-insensitive; resources are case-sensitive.
* Conditions: the string operators (``StringEquals``, ``StringLike`` and their ``Not``/``IgnoreCase``
  forms), with the ``ForAnyValue:``/``ForAllValues:`` set prefixes and ``...IfExists``. A statement
  with any other operator never matches: an Allow then grants nothing and a Deny still applies, the
  safe side of an emulator that does not know the operator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Decision = Literal["allow", "explicit-deny", "implicit-deny"]
Context = Mapping[str, Sequence[str]]  # condition key -> its values (a single-valued key has one)


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: ``*`` any run of characters, ``?`` one character, the rest literal."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _document(policy: str | Mapping[str, Any]) -> Mapping[str, Any]:
    return json.loads(policy) if isinstance(policy, str) else policy


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Context


def _matches_any(patterns: Iterable[Any], value: str, *, ignore_case: bool) -> bool:
    return any(glob_match(str(p), value, ignore_case=ignore_case) for p in patterns)


def _action_applies(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not _matches_any(_as_list(statement["NotAction"]), action, ignore_case=True)
    return _matches_any(_as_list(statement.get("Action")), action, ignore_case=True)


def _resource_applies(statement: Mapping[str, Any], resource: str) -> bool:
    if "NotResource" in statement:
        return not _matches_any(_as_list(statement["NotResource"]), resource, ignore_case=False)
    if "Resource" not in statement:
        return True  # trust policies name no resource
    return _matches_any(_as_list(statement["Resource"]), resource, ignore_case=False)


_STRING_OPERATORS = {
    "StringEquals": (False, False, False),  # (like, negated, ignore case)
    "StringNotEquals": (False, True, False),
    "StringEqualsIgnoreCase": (False, False, True),
    "StringNotEqualsIgnoreCase": (False, True, True),
    "StringLike": (True, False, False),
    "StringNotLike": (True, True, False),
}


def _condition_holds(operator: str, key: str, expected: Any, context: Context) -> bool | None:
    """Whether one condition holds; None when the operator is not one this module knows."""
    set_prefix = ""
    if ":" in operator:
        set_prefix, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    if operator not in _STRING_OPERATORS or set_prefix not in ("", "ForAnyValue", "ForAllValues"):
        return None
    like, negated, ignore_case = _STRING_OPERATORS[operator]
    values = list(context.get(key, ()))
    if not values:
        return if_exists or (negated and set_prefix != "ForAnyValue") or set_prefix == "ForAllValues"
    patterns = [str(p) for p in _as_list(expected)]

    def one(value: str) -> bool:
        if like:
            hit = _matches_any(patterns, value, ignore_case=ignore_case)
        else:
            hit = any(value.lower() == p.lower() if ignore_case else value == p for p in patterns)
        return hit != negated

    if set_prefix == "ForAllValues":
        return all(one(v) for v in values)
    return any(one(v) for v in values)


def _conditions_hold(statement: Mapping[str, Any], context: Context) -> bool | None:
    """True if every condition holds, False if one does not, None if one uses an unknown operator."""
    unknown = False
    for operator, pairs in (statement.get("Condition") or {}).items():
        for key, expected in pairs.items():
            holds = _condition_holds(operator, key, expected, context)
            if holds is False:
                return False
            unknown = unknown or holds is None
    return None if unknown else True


def statements(policy: str | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in _as_list(_document(policy).get("Statement")) if isinstance(s, Mapping)]


def evaluate(policies: Iterable[str | Mapping[str, Any]], request: Request) -> Decision:
    """The decision of a set of identity policies for one request."""
    allowed = False
    for policy in policies:
        for statement in statements(policy):
            if not (_action_applies(statement, request.action) and _resource_applies(statement, request.resource)):
                continue
            holds = _conditions_hold(statement, request.context)
            if statement.get("Effect") == "Deny" and holds is not False:  # an unknown operator: deny anyway
                return "explicit-deny"
            if statement.get("Effect") == "Allow" and holds is True:
                allowed = True
    return "allow" if allowed else "implicit-deny"


def trusts(
    trust_policy: str | Mapping[str, Any],
    *,
    action: str,
    context: Context,
    federated: str | None = None,
    service: str | None = None,
) -> bool:
    """Whether a role's trust policy lets a principal call ``action``: a ``federated`` one (for example
    ``cognito-identity.amazonaws.com`` calling ``sts:AssumeRoleWithWebIdentity``) or a ``service`` (for example
    ``apigateway.amazonaws.com`` calling ``sts:AssumeRole``), with these condition values."""
    kind, caller = ("Federated", federated) if federated else ("Service", service)
    allowed = False
    for statement in statements(trust_policy):
        principal = statement.get("Principal") or {}
        if principal == "*":
            principals = ["*"]
        elif isinstance(principal, Mapping):
            principals = [str(p) for p in _as_list(principal.get(kind))]
        else:
            principals = []
        if ("*" not in principals and caller not in principals) or not _action_applies(statement, action):
            continue
        holds = _conditions_hold(statement, context)
        if statement.get("Effect") == "Deny" and holds is not False:
            return False
        if statement.get("Effect") == "Allow" and holds is True:
            allowed = True
    return allowed
