"""GET /me's handler against its event and the edge cases: who is calling comes from the request context API
Gateway fills from the signature's credentials, never from what the caller sends."""

from __future__ import annotations

import copy
import importlib
import io
import json
from types import ModuleType
from typing import Any

import pytest
from support.events import load_event
from support.lambda_context import lambda_context

from me.identity import caller


@pytest.fixture
def me(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "me")
    monkeypatch.setenv("ALLOWED_ORIGIN", "http://localhost:5173")
    import me.app

    return importlib.reload(me.app)


def answer(me: ModuleType, event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    returned = me.lambda_handler(event, lambda_context(10))
    headers = {**(returned.get("headers") or {})}
    headers.update({k: v[-1] for k, v in (returned.get("multiValueHeaders") or {}).items()})
    return returned["statusCode"], json.loads(returned["body"]), headers


def test_a_members_call_answers_its_identity_and_the_tokens_sub(me: ModuleType) -> None:
    status, body, headers = answer(me, load_event("me_get"))
    assert status == 200
    assert body == {
        "identityId": "us-east-1:9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff",
        "identityPoolId": "us-east-1:0a1b2c3d-1111-2222-3333-444455556666",
        "userPoolId": "us-east-1_EXAMPLE1",
        "sub": "5f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
        "userArn": "arn:aws:sts::123456789012:assumed-role/groupgate-GroupRole-AbCdEf123456/CognitoIdentityCredentials",
    }
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert headers["Content-Type"] == "application/json"


def test_what_a_caller_sends_changes_nothing(me: ModuleType) -> None:
    event = load_event("me_get")
    honest = answer(me, copy.deepcopy(event))[1]
    forged = {"cognito-identity-id": "us-east-1:someone-else", "x-amzn-cognito-sub": "someone-else"}
    event["headers"].update(forged)
    event["multiValueHeaders"].update({k: [v] for k, v in forged.items()})
    event["body"] = json.dumps({"identityId": "us-east-1:someone-else"})
    assert answer(me, event)[1] == honest


def test_credentials_that_are_not_an_identity_pools_give_their_arn_and_nulls() -> None:
    identity = {"userArn": "arn:aws:iam::123456789012:user/alice", "caller": "AIDAEXAMPLE", "accessKey": "AKIAEXAMPLE"}
    assert caller(identity) == {
        "identityId": None, "identityPoolId": None, "userPoolId": None, "sub": None,
        "userArn": "arn:aws:iam::123456789012:user/alice",
    }  # fmt: skip


def test_a_guest_has_an_identity_but_no_user_pool_or_sub() -> None:
    identity = {"cognitoIdentityId": "us-east-1:guest", "cognitoIdentityPoolId": "us-east-1:pool",
                "cognitoAuthenticationType": "unauthenticated", "cognitoAuthenticationProvider": None}  # fmt: skip
    assert caller(identity)["identityId"] == "us-east-1:guest"
    assert (caller(identity)["userPoolId"], caller(identity)["sub"]) == (None, None)


@pytest.mark.parametrize(
    "provider",
    ["graph.facebook.com", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X", "CognitoSignIn:abc", "", 42, None],
)
def test_an_odd_provider_gives_no_user_pool_or_sub(provider: object) -> None:
    found = caller({"cognitoIdentityId": "us-east-1:x", "cognitoAuthenticationProvider": provider})
    assert (found["userPoolId"], found["sub"]) == (None, None)


def test_no_identity_at_all_gives_nulls(me: ModuleType) -> None:
    event = load_event("me_get")
    del event["requestContext"]["identity"]
    assert answer(me, event)[1] == dict.fromkeys(("identityId", "identityPoolId", "userPoolId", "sub", "userArn"))


def test_the_log_names_the_identity_never_a_key(me: ModuleType) -> None:
    stream = io.StringIO()
    handler = me.logger.registered_handler
    previous = handler.setStream(stream)
    try:
        answer(me, load_event("me_get"))
    finally:
        handler.setStream(previous)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    told = next(line for line in lines if line["message"] == "told the caller who it is")
    assert told["identity_id"] == "us-east-1:9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff"
    assert "ASIAEXAMPLEKEY1234567" not in stream.getvalue()
