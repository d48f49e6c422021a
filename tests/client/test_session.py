"""Session: SRP sign-in, the cached session, and when it goes back to Cognito for more."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from support.aws_server import MOTO_ACCESS_KEY, CountingMotoServer

from client.conftest import PASSWORD, FakeClock, Stack
from groupgate.cache import SessionCache
from groupgate.errors import NewPasswordRequired, NotConfirmed, SessionExpired, WrongPassword
from groupgate.session import CREDENTIALS_MARGIN_SECONDS, Session


def test_login_signs_in_with_srp_and_gets_identity_pool_credentials(
    session: Session, stack: Stack, aws: CountingMotoServer
) -> None:
    stack.confirmed_user("alice")
    aws.reset_calls()

    session.login("alice", PASSWORD)

    # SRP is two calls; then the identity id and the credentials
    assert aws.calls == ["InitiateAuth", "RespondToAuthChallenge", "GetId", "GetCredentialsForIdentity"]
    assert session.credentials().access_key_id == MOTO_ACCESS_KEY
    assert session.identity_id.startswith("us-east-1:")
    assert session.claims()["cognito:groups"] == ["exgroup"]


def test_the_session_is_cached_readable_by_the_user_only_and_holds_no_password(
    session: Session, stack: Stack, cache_dir: Path
) -> None:
    stack.confirmed_user("alice")

    session.login("alice", PASSWORD)

    [file] = list(cache_dir.rglob("user-*.json"))
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    text = file.read_text()
    assert PASSWORD not in text
    cached = json.loads(text)
    assert {"id_token", "refresh_token", "identity_id", "credentials"} <= set(cached)


def test_a_new_process_reuses_the_cached_credentials_without_any_aws_call(
    session: Session, stack: Stack, cache_dir: Path, clock: FakeClock, aws: CountingMotoServer
) -> None:
    stack.confirmed_user("alice")
    session.login("alice", PASSWORD)
    aws.reset_calls()

    later = Session(stack.settings, cache=SessionCache(cache_dir), clock=clock)
    credentials = later.credentials()

    assert aws.calls == []
    assert credentials == session.credentials()


def test_credentials_near_expiry_are_renewed_with_the_still_valid_id_token(
    session: Session, stack: Stack, clock: FakeClock, aws: CountingMotoServer
) -> None:
    stack.confirmed_user("alice")
    session.login("alice", PASSWORD)
    expires = session.credentials().expires_at
    aws.reset_calls()

    # GIVEN credentials with less than the margin left, and an ID token that is still good
    clock.now = expires - CREDENTIALS_MARGIN_SECONDS + 1
    session._load().tokens_expire_at = clock.now + 600

    session.credentials()

    assert aws.calls == ["GetCredentialsForIdentity"]


def test_an_expired_id_token_is_refreshed_first(
    session: Session, stack: Stack, clock: FakeClock, aws: CountingMotoServer, cache_dir: Path
) -> None:
    stack.confirmed_user("alice")
    session.login("alice", PASSWORD)
    aws.reset_calls()

    clock.advance(2 * 3600)  # both the ID token and the credentials have expired
    later = Session(stack.settings, cache=SessionCache(cache_dir), clock=clock)
    later.credentials()

    assert aws.calls == ["InitiateAuth", "GetCredentialsForIdentity"]
    assert SessionCache(cache_dir).load(stack.outputs["UserPoolId"], "alice").tokens_expire_at > clock.now  # type: ignore[union-attr]


def test_a_dead_refresh_token_asks_to_log_in_again(
    session: Session, stack: Stack, clock: FakeClock, cache_dir: Path
) -> None:
    stack.confirmed_user("alice")
    session.login("alice", PASSWORD)
    stack.admin.admin_user_global_sign_out(UserPoolId=stack.outputs["UserPoolId"], Username="alice")

    clock.advance(2 * 3600)
    with pytest.raises(SessionExpired, match=r"log in again with `groupgate login alice`"):
        Session(stack.settings, cache=SessionCache(cache_dir), clock=clock).credentials()


def test_an_admin_created_user_answers_new_password_required_in_the_same_sign_in(
    session: Session, stack: Stack, aws: CountingMotoServer
) -> None:
    stack.admin.admin_create_user(
        UserPoolId=stack.outputs["UserPoolId"],
        Username="exuser",
        TemporaryPassword="Temporary-Pass-1",
        MessageAction="SUPPRESS",
    )
    aws.reset_calls()

    session.login("exuser", "Temporary-Pass-1", new_password="Brand-New-Pass-2")

    assert aws.calls[:3] == ["InitiateAuth", "RespondToAuthChallenge", "RespondToAuthChallenge"]
    user = stack.admin.admin_get_user(UserPoolId=stack.outputs["UserPoolId"], Username="exuser")
    assert user["UserStatus"] == "CONFIRMED"


def test_new_password_required_without_one_says_how_to_give_it(session: Session, stack: Stack) -> None:
    stack.admin.admin_create_user(
        UserPoolId=stack.outputs["UserPoolId"],
        Username="exuser",
        TemporaryPassword="Temporary-Pass-1",
        MessageAction="SUPPRESS",
    )

    with pytest.raises(NewPasswordRequired, match="--new-password-stdin or GROUPGATE_NEW_PASSWORD"):
        session.login("exuser", "Temporary-Pass-1")


def test_an_unknown_user_is_refused_as_a_wrong_password(session: Session) -> None:
    with pytest.raises(WrongPassword):
        session.login("nobody", PASSWORD)


def test_an_unconfirmed_user_is_told_to_confirm(session: Session, stack: Stack) -> None:
    stack.admin.sign_up(
        ClientId=stack.outputs["UserPoolClientId"], Username="bob", Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "bob@example.com"}],
    )  # fmt: skip

    with pytest.raises(NotConfirmed, match="groupgate confirm bob CODE"):
        session.login("bob", PASSWORD)


def test_without_a_login_the_session_says_so(session: Session) -> None:
    with pytest.raises(SessionExpired, match="not logged in"):
        session.credentials()


def test_logout_forgets_the_session(session: Session, stack: Stack, cache_dir: Path) -> None:
    stack.confirmed_user("alice")
    session.login("alice", PASSWORD)

    problem = session.logout()

    assert list(cache_dir.rglob("user-*.json")) == []
    assert problem is not None  # moto has no RevokeToken: the local cloud must answer it (noted)
    with pytest.raises(SessionExpired):
        Session(session.settings, cache=SessionCache(cache_dir)).credentials()
