"""IAM policy evaluation with AWS's rules (moto's differ: it matches * as a regular expression)."""

from __future__ import annotations

from typing import Any

import pytest

from groupgate.local.iam import Request, evaluate, glob_match, trusts

API = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"


def allow(resource: Any, action: Any = "execute-api:Invoke", **extra: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}],
    }


def deny(resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": resource, **extra}]}


def invoke(path: str = "stage1/GET/", context: dict[str, list[str]] | None = None) -> Request:
    return Request("execute-api:Invoke", f"{API}/{path}", context or {})


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("a.b", "a.b", True),
        ("a.b", "aXb", False),  # a dot is a dot
        ("a*", "abc/def", True),
        ("a?c", "abc", True),
        ("a?c", "abbc", False),
        ("[ab]", "a", False),  # brackets are literal
        ("arn:aws:execute-api:*:*:*/stage1/GET/", f"{API}/stage1/GET/", True),
    ],
)
def test_wildcards_are_globs_not_regular_expressions(pattern: str, value: str, matches: bool) -> None:
    assert glob_match(pattern, value) is matches


def test_an_allow_on_the_exact_method_allows_only_that_method() -> None:
    policy = allow(f"{API}/stage1/GET/")

    assert evaluate([policy], invoke()) == "allow"
    assert evaluate([policy], invoke("stage1/POST/")) == "implicit-deny"
    assert evaluate([policy], invoke("stage2/GET/")) == "implicit-deny"


def test_an_explicit_deny_wins_over_any_allow() -> None:
    assert evaluate([allow("*"), deny(f"{API}/*")], invoke()) == "explicit-deny"


def test_actions_match_case_insensitively_and_resources_do_not() -> None:
    assert evaluate([allow(f"{API}/stage1/GET/", action="Execute-API:invoke")], invoke()) == "allow"
    assert evaluate([allow(f"{API}/STAGE1/GET/")], invoke()) == "implicit-deny"


def test_not_action_and_not_resource_invert_the_match() -> None:
    everything_but_iam = {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    everything_but_admin = {"Statement": [{"Effect": "Allow", "Action": "*", "NotResource": f"{API}/*/admin"}]}

    assert evaluate([everything_but_iam], invoke()) == "allow"
    assert evaluate([everything_but_admin], invoke("stage1/GET/admin")) == "implicit-deny"


@pytest.mark.parametrize(
    ("condition", "context", "decision"),
    [
        ({"StringEquals": {"aws:SourceIp": "127.0.0.1"}}, {"aws:SourceIp": ["127.0.0.1"]}, "allow"),
        ({"StringEquals": {"aws:SourceIp": "10.0.0.1"}}, {"aws:SourceIp": ["127.0.0.1"]}, "implicit-deny"),
        ({"StringLike": {"aws:PrincipalArn": "*GroupRole*"}}, {"aws:PrincipalArn": ["arn:x:GroupRole-1"]}, "allow"),
        ({"StringEquals": {"aws:Missing": "x"}}, {}, "implicit-deny"),
        ({"StringNotEquals": {"aws:Missing": "x"}}, {}, "allow"),
        ({"StringEqualsIfExists": {"aws:Missing": "x"}}, {}, "allow"),
        ({"ForAnyValue:StringLike": {"k": "auth*"}}, {"k": ["unauthenticated", "authenticated"]}, "allow"),
        ({"ForAllValues:StringEquals": {"k": "a"}}, {"k": ["a", "b"]}, "implicit-deny"),
        ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {"aws:SourceIp": ["127.0.0.1"]}, "implicit-deny"),  # unknown
    ],
)
def test_allow_conditions(condition: dict[str, Any], context: dict[str, list[str]], decision: str) -> None:
    assert evaluate([allow("*", Condition=condition)], invoke(context=context)) == decision


def test_a_deny_with_an_unknown_operator_still_denies() -> None:
    policy = deny("*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})

    assert evaluate([allow("*"), policy], invoke(context={"aws:SourceIp": ["127.0.0.1"]})) == "explicit-deny"


TRUST = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            },
        }
    ]
}


@pytest.mark.parametrize(
    ("aud", "amr", "trusted"),
    [
        ("us-east-1:pool", ["authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X"], True),
        ("us-east-1:other", ["authenticated"], False),
        ("us-east-1:pool", ["unauthenticated"], False),
    ],
)
def test_a_trust_policy_needs_the_pool_and_the_sign_in_kind(aud: str, amr: list[str], trusted: bool) -> None:
    context = {"cognito-identity.amazonaws.com:aud": [aud], "cognito-identity.amazonaws.com:amr": amr}

    assert (
        trusts(
            TRUST, federated="cognito-identity.amazonaws.com", action="sts:AssumeRoleWithWebIdentity", context=context
        )
        is trusted
    )
