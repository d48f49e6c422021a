"""Signed calls from the library: ``requests`` + ``session.auth()`` against a SigV4-checking listener."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from support.api_server import SigV4Api
from support.aws_server import CountingMotoServer
from support.events import ROOT

from client.conftest import PASSWORD, Stack
from groupgate.errors import Unreachable
from groupgate.session import Session


def signed_in(session: Session, stack: Stack) -> Session:
    stack.confirmed_user("alice")
    session.login("alice", PASSWORD)
    return session


def test_a_signed_get_is_answered(session: Session, stack: Stack, api: SigV4Api) -> None:
    signed_in(session, stack)

    answer = requests.get(session.api_url, auth=session.auth(), timeout=10)

    assert (answer.status_code, answer.json()) == (200, {"message": "hello!"})
    sent = api.seen[-1].headers
    assert sent["x-amz-security-token"] == "ABC12345"  # temporary credentials carry their token
    assert sent["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=TESTACCESSKEY12345/")
    assert "/us-east-1/execute-api/aws4_request" in sent["Authorization"]


def test_an_unsigned_get_gets_missing_authentication_token(session: Session, stack: Stack) -> None:
    answer = requests.get(stack.outputs["ApiUrl"], timeout=10)

    assert answer.status_code == 403
    assert answer.json() == {"message": "Missing Authentication Token"}


def test_the_listener_refuses_a_signature_made_with_another_secret(session: Session, stack: Stack) -> None:
    signed_in(session, stack)
    with SigV4Api(secret_key="not-the-secret") as strict:
        answer = requests.get(strict.url, auth=session.auth(), timeout=10)

    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert answer.json()["message"].startswith("The request signature we calculated does not match")


def test_the_listener_refuses_a_call_without_the_session_token(session: Session, stack: Stack, api: SigV4Api) -> None:
    signed_in(session, stack)
    prepared = requests.Request("GET", session.api_url).prepare()
    session.auth()(prepared)
    del prepared.headers["x-amz-security-token"]

    answer = requests.Session().send(prepared, timeout=10)

    assert answer.status_code == 403
    assert answer.json() == {"message": "The security token included in the request is invalid."}


def test_a_signed_body_is_checked_too(session: Session, stack: Stack, api: SigV4Api) -> None:
    signed_in(session, stack)
    prepared = requests.Request(
        "POST", session.api_url + "echo", data=b'{"a": 1}', headers={"Content-Type": "application/json"}
    ).prepare()
    session.auth()(prepared)
    prepared.body = b'{"a": 2}'  # changed after signing

    answer = requests.Session().send(prepared, timeout=10)

    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_the_seed_script_redone_on_the_library_gets_hello(stack: Stack, cache_dir: Path) -> None:
    stack.confirmed_user("exuser")
    script = ROOT / "examples" / "api_request.py"

    completed = subprocess.run(
        [sys.executable, str(script), "exuser"],
        env={**os.environ, "GROUPGATE_OUTPUTS": str(stack.outputs_file), "GROUPGATE_PASSWORD": PASSWORD,
             "GROUPGATE_CACHE_DIR": str(cache_dir)},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == "GET / 200"
    assert json.loads("\n".join(lines[2:])) == {"message": "hello!"}


def test_a_long_lived_auth_renews_the_credentials_before_they_expire(
    session: Session, stack: Stack, aws: CountingMotoServer
) -> None:
    # GIVEN an auth made at sign-in
    signed_in(session, stack)
    auth = session.auth()
    aws.reset_calls()

    # WHEN 46 minutes later (inside the 15-minute renewal margin of 1-hour credentials) it signs a call
    later = time.time() + 46 * 60
    session.clock = lambda: later
    answer = requests.get(session.api_url, auth=auth, timeout=10)

    # THEN it asked the identity pool for new credentials first, and the call went through
    assert aws.calls == ["GetCredentialsForIdentity"]
    assert answer.status_code == 200


def test_a_failed_renewal_signs_with_the_current_credentials_until_the_last_ten_minutes(
    session: Session, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As botocore's RefreshableCredentials: inside the 15-minute margin a renewal is tried, and while more than 10
    minutes are left a failed one leaves the current credentials in use; after that it is the caller's error."""
    signed_in(session, stack)
    auth = session.auth()
    expires = session.credentials().expires_at

    def unreachable(state: Any) -> None:
        raise Unreachable("the identity pool did not answer")

    monkeypatch.setattr(session, "_renew_credentials", unreachable)
    session.clock = lambda: expires - 12 * 60
    assert requests.get(session.api_url, auth=auth, timeout=10).status_code == 200

    session.clock = lambda: expires - 9 * 60
    with pytest.raises(Unreachable, match="the identity pool did not answer"):
        requests.get(session.api_url, auth=auth, timeout=10)
