"""Each change to moto's own behaviour, named in groupgate.local.moto_fixes, does what its name says."""

from __future__ import annotations

from dataclasses import dataclass

from groupgate.local import moto_fixes


@dataclass(frozen=True)
class Group:
    group_name: str
    precedence: int | None
    role_arn: str | None


def test_role_claims_list_groups_by_precedence_and_prefer_the_lowest() -> None:
    claims = moto_fixes.role_claims(
        [
            Group("readers", 5, "arn:aws:iam::1:role/Reader"),
            Group("admins", 0, "arn:aws:iam::1:role/Admin"),
            Group("x", None, None),
        ]
    )

    assert claims["cognito:groups"] == ["admins", "readers", "x"]
    assert claims["cognito:roles"] == ["arn:aws:iam::1:role/Admin", "arn:aws:iam::1:role/Reader"]
    assert claims["cognito:preferred_role"] == "arn:aws:iam::1:role/Admin"


def test_no_preferred_role_when_the_lowest_precedence_is_shared_by_different_roles() -> None:
    claims = moto_fixes.role_claims([Group("a", 1, "arn:aws:iam::1:role/A"), Group("b", 1, "arn:aws:iam::1:role/B")])

    assert "cognito:preferred_role" not in claims
    assert len(claims["cognito:roles"]) == 2


def test_the_same_role_at_the_same_precedence_is_still_preferred() -> None:
    claims = moto_fixes.role_claims([Group("a", 1, "arn:aws:iam::1:role/A"), Group("b", 1, "arn:aws:iam::1:role/A")])

    assert claims["cognito:preferred_role"] == "arn:aws:iam::1:role/A"


def test_groups_without_roles_give_no_role_claims() -> None:
    assert moto_fixes.role_claims([Group("a", 0, None)]) == {"cognito:groups": ["a"]}
    assert moto_fixes.role_claims([]) == {}


def test_each_user_pool_signs_with_a_key_of_its_own() -> None:
    moto_fixes.apply()
    from moto.cognitoidp.models import CognitoIdpUserPool

    first = CognitoIdpUserPool("123456789012", "us-east-1", "a", {})
    second = CognitoIdpUserPool("123456789012", "us-east-1", "b", {})

    assert moto_fixes.public_jwks(first)["keys"][0]["n"] != moto_fixes.public_jwks(second)["keys"][0]["n"]
