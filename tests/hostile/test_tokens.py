"""Rule: every token belongs to its user's ``sub`` and follows the user's state; a deleted, disabled,
signed-out or revoked user's tokens stop working wherever Cognito checks them: the access-token operations,
REFRESH_TOKEN_AUTH, and the identity pool's server-side token check (AWS-SEMANTICS.md section 10; RevokeToken
and AdminDisableUser API references; the messages Cognito was seen to give: amplify-js #3435, aws-sdk-cpp
#1789, amplify-swift #3344, aws-sdk-js #4016; a deleted user's UserNotFoundException: aws-sdk-android #366)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support.hostile import Hostile, refusal
from support.local_cloud import Clock

REVOKED = ("NotAuthorizedException", "Access Token has been revoked")
REFRESH_REVOKED = ("NotAuthorizedException", "Refresh Token has been revoked")
GONE = ("UserNotFoundException", "User does not exist.")
SERVER_SIDE = "Invalid login token. The user pool no longer honours this token"  # chosen wording, see identitypools


def refresh(hostile: Hostile, token: str, client: str | None = None) -> Any:
    return hostile.idp.initiate_auth(
        ClientId=client or hostile.client, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": token}
    )


def identity_refused(hostile: Hostile, id_token: str) -> tuple[str, str]:
    return refusal(
        hostile.identity.get_id, IdentityPoolId=hostile.outputs["IdentityPoolId"], Logins={hostile.provider: id_token}
    )


def test_a_deleted_users_tokens_do_not_come_back_with_a_new_user_of_the_same_name(hostile: Hostile) -> None:
    name = hostile.member("reborn")
    old = hostile.tokens(name)
    hostile.identity_id(old["IdToken"])  # works while the user exists
    hostile.idp.admin_delete_user(UserPoolId=hostile.pool, Username=name)
    hostile.recreate(name)

    assert refusal(refresh, hostile=hostile, token=old["RefreshToken"]) == GONE
    assert refusal(hostile.idp.get_user, AccessToken=old["AccessToken"]) == GONE
    code, message = identity_refused(hostile, old["IdToken"])
    assert code == "NotAuthorizedException"
    assert message.startswith(SERVER_SIDE)


def test_a_disabled_users_access_tokens_are_revoked_and_refresh_waits_for_enable(hostile: Hostile) -> None:
    name = hostile.member("disabled")
    tokens = hostile.tokens(name)
    hostile.idp.admin_disable_user(UserPoolId=hostile.pool, Username=name)

    assert refusal(hostile.idp.get_user, AccessToken=tokens["AccessToken"]) == REVOKED
    assert refusal(refresh, hostile=hostile, token=tokens["RefreshToken"]) == (
        "NotAuthorizedException",
        "User is disabled.",
    )
    assert identity_refused(hostile, tokens["IdToken"])[1].startswith(SERVER_SIDE)

    hostile.idp.admin_enable_user(UserPoolId=hostile.pool, Username=name)
    renewed = refresh(hostile, tokens["RefreshToken"])["AuthenticationResult"]

    assert hostile.idp.get_user(AccessToken=renewed["AccessToken"])["Username"] == name
    assert refusal(hostile.idp.get_user, AccessToken=tokens["AccessToken"]) == REVOKED  # revoked stays revoked


@pytest.mark.parametrize(
    "sign_out",
    [
        lambda h, name, tokens: h.idp.global_sign_out(AccessToken=tokens["AccessToken"]),
        lambda h, name, tokens: h.idp.admin_user_global_sign_out(UserPoolId=h.pool, Username=name),
        lambda h, name, tokens: h.idp.admin_reset_user_password(UserPoolId=h.pool, Username=name),
    ],
    ids=["GlobalSignOut", "AdminUserGlobalSignOut", "AdminResetUserPassword"],
)
def test_a_sign_out_ends_every_sign_in_of_the_user_everywhere(
    hostile: Hostile, sign_out: Callable[[Hostile, str, dict[str, str]], Any]
) -> None:
    name = hostile.member("leaving")
    first, second = hostile.tokens(name), hostile.tokens(name)

    sign_out(hostile, name, first)

    for tokens in (first, second):
        assert refusal(hostile.idp.get_user, AccessToken=tokens["AccessToken"]) == REVOKED
        assert refusal(refresh, hostile=hostile, token=tokens["RefreshToken"]) == REFRESH_REVOKED
        assert identity_refused(hostile, tokens["IdToken"])[1].startswith(SERVER_SIDE)


def test_revoke_token_ends_that_sign_in_and_its_access_tokens_only(hostile: Hostile) -> None:
    name = hostile.member("revoker")
    revoked, kept = hostile.tokens(name), hostile.tokens(name)
    renewed = refresh(hostile, revoked["RefreshToken"])["AuthenticationResult"]  # issued from the same refresh token

    hostile.idp.revoke_token(ClientId=hostile.client, Token=revoked["RefreshToken"])

    assert refusal(hostile.idp.get_user, AccessToken=revoked["AccessToken"]) == REVOKED
    assert refusal(hostile.idp.get_user, AccessToken=renewed["AccessToken"]) == REVOKED
    assert refusal(refresh, hostile=hostile, token=revoked["RefreshToken"]) == REFRESH_REVOKED
    assert hostile.idp.get_user(AccessToken=kept["AccessToken"])["Username"] == name  # another sign-in stands
    hostile.idp.revoke_token(ClientId=hostile.client, Token=revoked["RefreshToken"])  # twice: 200 both times


def test_revoke_token_of_an_unknown_token_answers_200_and_changes_nothing(hostile: Hostile) -> None:
    name = hostile.member("bystander")
    tokens = hostile.tokens(name)

    hostile.idp.revoke_token(ClientId=hostile.client, Token="not-a-refresh-token-at-all")

    assert hostile.idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == name


def test_an_expired_access_token_is_refused(hostile: Hostile, later: Clock) -> None:
    tokens = hostile.tokens(hostile.member("old"))
    later.advance(3601)

    assert refusal(hostile.idp.get_user, AccessToken=tokens["AccessToken"]) == (
        "NotAuthorizedException", "Access Token has expired",
    )  # fmt: skip


@pytest.mark.parametrize(
    "token",
    ["not.a.jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"],
    ids=["garbage", "a JWT no pool signed"],
)
def test_an_access_token_no_pool_issued_is_refused(hostile: Hostile, token: str) -> None:
    assert refusal(hostile.idp.get_user, AccessToken=token) == ("NotAuthorizedException", "Invalid Access Token")


def test_an_id_token_is_not_an_access_token(hostile: Hostile) -> None:
    tokens = hostile.tokens(hostile.member("confused"))

    assert refusal(hostile.idp.get_user, AccessToken=tokens["IdToken"]) == (
        "NotAuthorizedException",
        "Invalid Access Token",
    )


def test_a_refresh_token_answers_only_its_own_client(hostile: Hostile) -> None:
    other = hostile.idp.create_user_pool_client(
        UserPoolId=hostile.pool, ClientName="other-refresh", ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    tokens = hostile.tokens(hostile.member("roamer"))

    found = refusal(refresh, hostile=hostile, token=tokens["RefreshToken"], client=other)
    unknown = refusal(refresh, hostile=hostile, token="not-a-refresh-token")

    assert found == ("NotAuthorizedException", "Refresh Token has different Client")
    assert unknown == ("NotAuthorizedException", "Invalid Refresh Token.")


def test_a_deleted_users_access_token_cannot_delete_or_change_the_new_user(hostile: Hostile) -> None:
    name = hostile.member("target")
    old = hostile.tokens(name)
    hostile.idp.admin_delete_user(UserPoolId=hostile.pool, Username=name)
    hostile.recreate(name)

    assert refusal(hostile.idp.delete_user, AccessToken=old["AccessToken"]) == GONE
    assert refusal(
        hostile.idp.update_user_attributes, AccessToken=old["AccessToken"],
        UserAttributes=[{"Name": "name", "Value": "taken over"}],
    ) == GONE  # fmt: skip
    attributes = hostile.idp.admin_get_user(UserPoolId=hostile.pool, Username=name)["UserAttributes"]
    assert "name" not in {a["Name"] for a in attributes}
