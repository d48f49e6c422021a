"""Rule, tried with arbitrary requests: whatever is sent to an operation the local cloud answers itself (every
user pool and identity pool operation of its own, and some that moto answers behind the same door), the
answer is never a 5xx and never a hang, and a request the front door refuses (SerializationException, a
validation error, UnknownOperationException) changes nothing at all.

Requests are generated from each operation's input shape in botocore's model (support.shape_strategies) and
sent in-process to the endpoint's WSGI application, exactly as its listener hands them on.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.hostile import PASSWORD, Hostile
from support.shape_strategies import request_for
from werkzeug.test import Client

from groupgate.local import shapes

USER_POOLS = [
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "AdminConfirmSignUp",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "AdminCreateUser",
    "AdminUpdateUserAttributes",
    "UpdateUserAttributes",
    "InitiateAuth",
    "AdminInitiateAuth",
    "RespondToAuthChallenge",
    "AdminRespondToAuthChallenge",
    "RevokeToken",
    "GlobalSignOut",
    "AdminUserGlobalSignOut",
    "AdminResetUserPassword",
    "AdminDisableUser",
    # answered by moto, behind the same door
    "AdminGetUser",
    "AdminAddUserToGroup",
    "AdminDeleteUser",
    "ChangePassword",
    "GetUser",
    "ListUsers",
]
IDENTITY_POOLS = [
    "CreateIdentityPool",
    "DescribeIdentityPool",
    "UpdateIdentityPool",
    "DeleteIdentityPool",
    "ListIdentityPools",
    "SetIdentityPoolRoles",
    "GetIdentityPoolRoles",
    "GetId",
    "GetCredentialsForIdentity",
    "GetOpenIdToken",
]
OPERATIONS = [
    *(f"AWSCognitoIdentityProviderService.{name}" for name in USER_POOLS),
    *(f"AWSCognitoIdentityService.{name}" for name in IDENTITY_POOLS),
]  # fmt: skip
REFUSED_AT_THE_DOOR = ("SerializationException", "UnknownOperationException")
HANG_SECONDS = 20.0


def test_the_suite_covers_every_operation_the_local_cloud_answers_itself(hostile: Hostile) -> None:
    covered = {target.rpartition(".")[2] for target in OPERATIONS}

    assert set(hostile.cloud.user_pools.operations) <= covered
    assert set(hostile.cloud.identity_pools.operations) <= covered


def state(hostile: Hostile) -> str:
    """A digest of everything a request could change: moto's user pools and the local cloud's own stores."""
    pools = hostile.cloud.user_pools
    summary = []
    for pool in pools.backend.user_pools.values():
        users = sorted(
            (u.username, u.id, str(u.status), u.enabled, u.password, sorted(u.attribute_lookup.items()),
             sorted(g.group_name for g in u.groups))
            for u in pool.users.values()
        )  # fmt: skip
        tokens = (len(pool.refresh_tokens), len(pool.access_tokens), len(pool.id_tokens))
        summary.append((pool.id, sorted(pool.clients), sorted(pool.groups), users, tokens))
    ours = (
        sorted(pools.sessions._open), sorted(pools.tokens._sign_ins.items()), sorted(pools.codes._codes.items()),
        sorted(pools.lockout._failures.items()), sorted(pools.codes.attempts._failures.items()),
    )  # fmt: skip
    identity = hostile.cloud.identity_pools
    pooled = sorted((p.id, p.describe(), p.roles, p.role_mappings) for p in identity._pools.values())
    everything = (summary, ours, pooled, sorted(identity._identities.items()))
    return hashlib.sha256(repr(everything).encode()).hexdigest()


@pytest.fixture(scope="module")
def known(hostile: Hostile) -> dict[str, list[str]]:
    """Real values for the members that name things, so requests reach the handlers."""
    member, pending = hostile.member("fuzzed"), hostile.admin_created("fuzzed-new")
    tokens = hostile.tokens(member)
    return {
        "ClientId": [hostile.client],
        "UserPoolId": [hostile.pool],
        "Username": [member, pending, "nobody", f"{member}@example.com"],
        "Password": [PASSWORD, "Temporary-Pass-1!"],
        "ProposedPassword": [PASSWORD],
        "PreviousPassword": [PASSWORD],
        "AccessToken": [tokens["AccessToken"]],
        "Token": [tokens["RefreshToken"]],
        "IdentityPoolId": [hostile.outputs["IdentityPoolId"]],
        "GroupName": [hostile.outputs["GroupName"]],
        "ChallengeName": ["NEW_PASSWORD_REQUIRED", "PASSWORD_VERIFIER"],
        "AuthFlow": ["ADMIN_USER_PASSWORD_AUTH", "USER_SRP_AUTH", "REFRESH_TOKEN_AUTH"],
    }


def send(hostile: Hostile, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
    app = hostile.cloud.endpoint.server.app
    answered: dict[str, Any] = {}

    def run() -> None:
        response = Client(app).post(
            "/", data=body, headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
        )
        answered["status"], answered["body"] = response.status_code, response.get_data()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG_SECONDS)
    assert not worker.is_alive(), f"{target} did not answer within {HANG_SECONDS} s: {body!r}"
    return answered["status"], json.loads(answered["body"] or b"{}")


@pytest.mark.parametrize("target", OPERATIONS)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_any_request_gets_an_answer_below_500_and_a_refused_one_changes_nothing(
    hostile: Hostile, known: dict[str, list[str]], target: str, data: st.DataObject
) -> None:
    found = shapes.operation(target)
    body = data.draw(request_for(found.model.input_shape, known))
    before = state(hostile)

    status, answer = send(hostile, target, json.dumps(body).encode())

    assert status < 500, (body, answer)
    kind, message = str(answer.get("__type", "")), str(answer.get("message", ""))
    if kind in REFUSED_AT_THE_DOOR or " validation error" in message:
        assert state(hostile) == before, (body, answer)
