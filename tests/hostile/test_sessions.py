"""Rule: a challenge session belongs to one user, one app client and one challenge, expires after the client's
AuthSessionValidity, and answers once (AWS-SEMANTICS.md section 10; the messages are those Cognito was seen
to give: amplify-js #10959, kdgregory/example-cognito-java #1, runbook captures of EMAIL_OTP sessions)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.hostile import PASSWORD, TEMPORARY, Hostile, error_of, refusal
from support.local_cloud import Clock

INVALID = "Invalid session for the user."
ANOTHER_USER = "Invalid session provided for the user."
EXPIRED = "Invalid session for the user, session is expired."
USED = "Invalid session for the user, session can only be used once."
NEW_PASSWORD = "Brand-New-Pass-2!"


def new_password_session(hostile: Hostile, name: str) -> str:
    answer = hostile.password_sign_in(name, TEMPORARY)
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    return str(answer["Session"])


def respond(hostile: Hostile, session: str, responses: dict[str, str], challenge: str = "NEW_PASSWORD_REQUIRED") -> Any:
    return hostile.idp.admin_respond_to_auth_challenge(
        UserPoolId=hostile.pool, ClientId=hostile.client, ChallengeName=challenge, Session=session,
        ChallengeResponses=responses,
    )  # fmt: skip


def test_a_session_answered_for_another_user_sets_nothing_and_gets_no_tokens(hostile: Hostile) -> None:
    attacker, victim = hostile.admin_created("attacker"), hostile.admin_created("victim")
    session = new_password_session(hostile, attacker)

    code, message = refusal(
        hostile.idp.respond_to_auth_challenge, ClientId=hostile.client, ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=session, ChallengeResponses={"USERNAME": victim, "NEW_PASSWORD": NEW_PASSWORD},
    )  # fmt: skip

    assert (code, message) == ("NotAuthorizedException", ANOTHER_USER)
    assert hostile.status(victim) == "FORCE_CHANGE_PASSWORD"
    assert hostile.password_sign_in(victim, TEMPORARY)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"  # unchanged


@pytest.mark.parametrize("challenge", ["SOFTWARE_TOKEN_MFA", "SMS_MFA", "CUSTOM_CHALLENGE", "PASSWORD_VERIFIER"])
def test_a_session_answers_only_the_challenge_it_was_issued_for(hostile: Hostile, challenge: str) -> None:
    attacker, victim = hostile.admin_created("attacker"), hostile.member("victim")
    session = new_password_session(hostile, attacker)
    responses = {
        "USERNAME": victim, "SOFTWARE_TOKEN_MFA_CODE": "000000", "SMS_MFA_CODE": "000000", "ANSWER": "x",
        "PASSWORD_CLAIM_SECRET_BLOCK": session, "PASSWORD_CLAIM_SIGNATURE": "x", "TIMESTAMP": "x",
    }  # fmt: skip

    code, message = refusal(respond, hostile=hostile, session=session, responses=responses, challenge=challenge)

    assert (code, message) == ("NotAuthorizedException", INVALID)


def test_a_session_answers_only_at_the_client_that_opened_it(hostile: Hostile) -> None:
    other = hostile.idp.create_user_pool_client(
        UserPoolId=hostile.pool, ClientName="other", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    name = hostile.admin_created("someone")
    session = new_password_session(hostile, name)

    code, message = refusal(
        hostile.idp.admin_respond_to_auth_challenge, UserPoolId=hostile.pool, ClientId=other,
        ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
        ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": NEW_PASSWORD},
    )  # fmt: skip

    assert (code, message) == ("NotAuthorizedException", INVALID)


def test_a_session_expires_after_the_clients_auth_session_validity(hostile: Hostile, later: Clock) -> None:
    name = hostile.admin_created("slow")
    session = new_password_session(hostile, name)
    later.advance(3 * 60 + 1)  # the template's AuthSessionValidity: 3 minutes

    code, message = refusal(
        respond, hostile=hostile, session=session, responses={"USERNAME": name, "NEW_PASSWORD": NEW_PASSWORD}
    )

    assert (code, message) == ("NotAuthorizedException", EXPIRED)
    assert hostile.status(name) == "FORCE_CHANGE_PASSWORD"


def test_a_session_answers_once(hostile: Hostile) -> None:
    name = hostile.admin_created("once")
    session = new_password_session(hostile, name)
    first = respond(hostile, session, {"USERNAME": name, "NEW_PASSWORD": NEW_PASSWORD})

    code, message = refusal(
        respond, hostile=hostile, session=session, responses={"USERNAME": name, "NEW_PASSWORD": PASSWORD}
    )

    assert "AccessToken" in first["AuthenticationResult"]
    assert (code, message) == ("NotAuthorizedException", USED)
    assert hostile.tokens(name, NEW_PASSWORD)["AccessToken"]  # the first answer's password stands


def test_a_refused_new_password_leaves_the_session_open_for_another_try(hostile: Hostile) -> None:
    name = hostile.admin_created("retry")
    session = new_password_session(hostile, name)

    code, _ = refusal(respond, hostile=hostile, session=session, responses={"USERNAME": name, "NEW_PASSWORD": "short"})
    answer = respond(hostile, session, {"USERNAME": name, "NEW_PASSWORD": NEW_PASSWORD})

    assert code == "InvalidPasswordException"
    assert answer["AuthenticationResult"]["AccessToken"]


def test_a_made_up_session_is_refused(hostile: Hostile) -> None:
    name = hostile.admin_created("guess")

    found = refusal(
        respond, hostile=hostile, session="x" * 40, responses={"USERNAME": name, "NEW_PASSWORD": NEW_PASSWORD}
    )

    assert found == ("NotAuthorizedException", INVALID)


def test_a_session_shorter_than_the_model_allows_is_refused_by_the_model(hostile: Hostile) -> None:
    body = {"ClientId": hostile.client, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "short",
            "ChallengeResponses": {"USERNAME": "x", "NEW_PASSWORD": NEW_PASSWORD}}  # fmt: skip

    answer = hostile.post("AWSCognitoIdentityProviderService.RespondToAuthChallenge", json.dumps(body))

    assert error_of(answer) == (
        400, "InvalidParameterException",
        "1 validation error detected: Value at 'session' failed to satisfy constraint: Member must have length "
        "greater than or equal to 20",
    )  # fmt: skip


def test_the_srp_secret_block_answers_once_right_or_wrong(hostile: Hostile) -> None:
    right = hostile.srp_answer(hostile.member("srp"))
    wrong = {**right, "PASSWORD_CLAIM_SIGNATURE": "AAAA" + right["PASSWORD_CLAIM_SIGNATURE"][4:]}

    first = refusal(
        hostile.idp.respond_to_auth_challenge,
        ClientId=hostile.client,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=wrong,
    )
    second = refusal(
        hostile.idp.respond_to_auth_challenge,
        ClientId=hostile.client,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=right,
    )

    assert first == ("NotAuthorizedException", "Incorrect username or password.")
    assert second == ("NotAuthorizedException", USED)


def test_abandoned_challenges_are_forgotten_once_they_expire(hostile: Hostile, later: Clock) -> None:
    names = [hostile.admin_created("abandon") for _ in range(5)]
    for name in names:
        new_password_session(hostile, name)
    opened = len(hostile.cloud.user_pools.sessions._open)
    later.advance(16 * 60)  # past the longest AuthSessionValidity

    new_password_session(hostile, hostile.admin_created("fresh"))  # any new challenge sweeps the old ones

    assert opened >= 5
    assert len(hostile.cloud.user_pools.sessions._open) == 1
