"""The seed article's story, step by step, against the local cloud (and a deployed stack, if named).

Each step asserts what AWS answers; on the local cloud every answer comes from the real template, the
real functions and the real client.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError
from support.local_cloud import cli

from e2e.conftest import Target
from groupgate.errors import ExitCode
from groupgate.session import Session, unverified_claims

PASSWORD = "Correct-Horse-9-battery"
MISMATCH = "The request signature we calculated does not match the signature you provided."


@pytest.fixture(scope="package")
def cache(tmp_path_factory: pytest.TempPathFactory, target: Target) -> Path:
    return tmp_path_factory.mktemp(f"cache-{target.name}")


def run(target: Target, cache: Path, *argv: str, password: str | None = None, stdin: str = "") -> tuple[int, str]:
    """The CLI as a person runs it against the target: by its outputs file, or by the stack's name."""
    found_by = None if target.cli_environ else target.outputs_file
    return cli(found_by, cache, *argv, password=password, stdin=stdin, environ=target.cli_environ)


def signed_up_and_confirmed(target: Target, cache: Path, name: str) -> str:
    username = target.user(name)
    code, shown = run(target, cache, "signup", username, "--email", target.email(username), password=PASSWORD)
    assert code == 0, shown
    target.created.append(username)
    emailed = target.confirm_code(username)
    if emailed:
        assert run(target, cache, "confirm", username, emailed)[0] == 0
    else:  # on AWS the code is in an inbox this test cannot read; the admin confirmation fires the same trigger
        target.admin.admin_confirm_sign_up(UserPoolId=target.outputs["UserPoolId"], Username=username)
    return username


def groups_of(target: Target, username: str) -> list[str]:
    found = target.admin.admin_list_groups_for_user(UserPoolId=target.outputs["UserPoolId"], Username=username)
    return [group["GroupName"] for group in found["Groups"]]


def session_of(target: Target, cache: Path, username: str) -> Session:
    from groupgate.cache import SessionCache

    return Session.from_outputs(target.outputs_file, cache=SessionCache(cache), username=username)


def test_1_an_unsigned_call_gets_missing_authentication_token(target: Target) -> None:
    answer = requests.get(target.outputs["ApiUrl"], timeout=10)

    assert answer.status_code == 403
    assert answer.json() == {"message": "Missing Authentication Token"}
    assert answer.headers["x-amzn-ErrorType"].startswith("MissingAuthenticationTokenException")


def test_2_a_confirmed_sign_up_joins_the_group_through_the_trigger(target: Target, cache: Path) -> None:
    alice = signed_up_and_confirmed(target, cache, "alice")

    assert groups_of(target, alice) == [target.outputs["GroupName"]]


def test_3_srp_refuses_a_wrong_password_and_admits_the_right_one(target: Target, cache: Path) -> None:
    alice = target.user("alice")

    wrong, shown = run(target, cache, "login", alice, password="Wrong-password-1")
    right, _ = run(target, cache, "login", alice, password=PASSWORD)

    assert wrong == ExitCode.WRONG_PASSWORD
    assert "Incorrect username or password." in shown
    assert right == 0


def test_4_the_id_token_carries_groups_and_roles(target: Target, cache: Path) -> None:
    claims = session_of(target, cache, target.user("alice")).claims()

    assert claims["cognito:groups"] == [target.outputs["GroupName"]]
    assert claims["cognito:roles"] == [target.outputs["GroupRoleArn"]]
    assert claims["cognito:preferred_role"] == target.outputs["GroupRoleArn"]
    assert (
        claims["iss"] == f"https://cognito-idp.{target.outputs['Region']}.amazonaws.com/{target.outputs['UserPoolId']}"
    )


def test_5_the_credentials_are_the_group_roles(target: Target, cache: Path) -> None:
    code, shown = run(target, cache, "whoami", "--json")

    role = target.outputs["GroupRoleArn"].rsplit("/", 1)[-1]
    assert code == 0
    assert json.loads(shown)["role"].endswith(f":assumed-role/{role}/CognitoIdentityCredentials")


def test_6_a_signed_call_is_answered_hello(target: Target, cache: Path) -> None:
    code, shown = run(target, cache, "call", "GET", "/", "--json")

    assert code == 0
    answer = json.loads(shown)
    assert (answer["status"], answer["body"]) == (200, {"message": "hello!"})
    assert answer["headers"]["Content-Type"] == "application/json"


def test_6b_get_me_says_who_is_calling_from_the_signature_not_from_headers(target: Target, cache: Path) -> None:
    whoami = json.loads(run(target, cache, "whoami", "--json")[1])
    claims = session_of(target, cache, target.user("alice")).claims()

    code, shown = run(target, cache, "call", "GET", "/me", "--json", "--header", "cognito-identity-id: someone-else")

    assert code == 0, shown
    answer = json.loads(shown)
    assert answer["status"] == 200
    assert answer["body"] == {
        "identityId": whoami["identity_id"],
        "identityPoolId": target.outputs["IdentityPoolId"],
        "userPoolId": target.outputs["UserPoolId"],
        "sub": claims["sub"],
        "userArn": whoami["role"],
    }


def test_7_a_user_outside_the_group_gets_no_credentials(target: Target, cache: Path) -> None:
    bob = signed_up_and_confirmed(target, cache, "bob")
    target.admin.admin_remove_user_from_group(
        UserPoolId=target.outputs["UserPoolId"], Username=bob, GroupName=target.outputs["GroupName"]
    )

    code, shown = run(target, cache, "login", bob, password=PASSWORD)

    assert code == ExitCode.NOT_ALLOWED
    assert "The ambiguous role mapping rules for: cognito-idp." in shown
    assert "denied this request." in shown


def test_8_an_admin_created_user_sets_a_new_password_and_gets_in(target: Target, cache: Path) -> None:
    if target.demo_user:  # the template's demo user, whose temporary password was emailed
        username, message = "exuser", target.latest_mail("exuser@example.com")
        assert message is not None
        temporary = message.rsplit(" ", 1)[-1].rstrip(".")
    else:
        username, temporary = target.user("exuser"), "Temporary-Pass-1!"
        target.admin.admin_create_user(
            UserPoolId=target.outputs["UserPoolId"], Username=username, TemporaryPassword=temporary,
            MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": target.email(username)}],
        )  # fmt: skip
        target.admin.admin_add_user_to_group(
            UserPoolId=target.outputs["UserPoolId"], Username=username, GroupName=target.outputs["GroupName"]
        )
        target.created.append(username)

    without, _ = run(target, cache, "login", username, "--password-stdin", stdin=f"{temporary}\n")
    code, shown = run(target, cache, "login", username, "--password-stdin", "--new-password-stdin",
                      stdin=f"{temporary}\nBrand-New-Pass-2!\n")  # fmt: skip
    called, _ = run(target, cache, "call", "GET", "/")

    assert without == ExitCode.NEW_PASSWORD_REQUIRED
    assert code == 0, shown
    assert called == 0


def test_9_a_tampered_signature_is_refused_with_api_gateways_message(target: Target, cache: Path) -> None:
    api = target.outputs["ApiUrl"]
    prepared = requests.Request("GET", api + "?role=reader").prepare()
    session_of(target, cache, target.user("alice")).auth()(prepared)
    prepared.url = api + "?role=admin"

    answer = requests.Session().send(prepared, timeout=10)

    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"].startswith("InvalidSignatureException")
    assert answer.json()["message"].startswith(MISMATCH)


def test_10_a_password_reset_does_not_put_a_removed_user_back(target: Target, cache: Path) -> None:
    if not target.local:
        pytest.skip("the reset code goes to an inbox this test cannot read on a deployed stack")
    bob = target.user("bob")
    idp = target.admin
    client = target.outputs["UserPoolClientId"]
    idp.forgot_password(ClientId=client, Username=bob)
    code = target.latest_mail(target.email(bob))
    assert code is not None
    idp.confirm_forgot_password(
        ClientId=client, Username=bob, ConfirmationCode=code.split()[-1].rstrip("."), Password="Another-Pass-3!"
    )

    assert groups_of(target, bob) == []
    assert run(target, cache, "login", bob, password="Another-Pass-3!")[0] == ExitCode.NOT_ALLOWED


def test_11_logout_revokes_and_the_identity_pool_then_refuses_the_old_token(target: Target, cache: Path) -> None:
    alice = target.user("alice")
    session = session_of(target, cache, alice)
    old_token = session._load().id_token

    code, shown = run(target, cache, "--user", alice, "logout")
    assert code == 0
    assert f"logged out {alice}" in shown
    assert "could not revoke" not in shown

    # ServerSideTokenCheck: the identity pool asks the user pool, which no longer honours the sign-in
    identity = session.identity_pool()
    with pytest.raises(ClientError) as error:
        identity.client.get_id(IdentityPoolId=target.outputs["IdentityPoolId"], Logins={identity.provider: old_token})
    assert error.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert unverified_claims(old_token)["cognito:username"] == alice


def test_12_a_cloud_that_stops_mid_session_gets_a_clear_error_not_a_traceback(
    target: Target, cache: Path, tmp_path: Path
) -> None:
    if not target.local:
        pytest.skip("stopping AWS is not something a test does")
    # the session is cached; then the endpoint and the API both stop answering
    outputs = json.loads(target.outputs_file.read_text())
    dead = {**outputs, "ApiUrl": "http://127.0.0.1:9/stage1/", "Endpoint": "http://127.0.0.1:9"}
    stopped = tmp_path / "outputs.json"
    stopped.write_text(json.dumps(dead))

    code, shown = cli(stopped, cache, "--user", target.user("exuser"), "call", "GET", "/")

    assert code == ExitCode.UNREACHABLE
    assert shown.startswith("groupgate: the API at http://127.0.0.1:9/stage1/ did not answer")
    assert "Traceback" not in shown
