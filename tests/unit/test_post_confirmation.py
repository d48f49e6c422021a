"""The post-confirmation trigger against a real moto Cognito server on 127.0.0.1."""

from __future__ import annotations

import copy
import importlib
import io
import json
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError
from support.aws_server import ScriptedAws
from support.cognito import ENDPOINT_VARIABLE, Pool
from support.events import load_event
from support.lambda_context import lambda_context
from support.listener import SilentServer
from support.subprocess_invoke import invoke_in_subprocess

from groupgate_common.validation import InvalidInput
from post_confirmation import groups

HANDLER = "post_confirmation.app.lambda_handler"
SETTINGS = {"GROUP_NAME": "exgroup", "POWERTOOLS_METRICS_NAMESPACE": "groupgate"}


@pytest.fixture
def trigger(cognito_endpoint: str) -> ModuleType:
    """The handler module, imported once the moto endpoint is set (its client is made at import)."""
    return importlib.import_module("post_confirmation.app")


@pytest.fixture
def logs(trigger: ModuleType) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = trigger.logger.registered_handler
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def metrics_emitted(stdout: str) -> dict[str, float]:
    """The metric values of the embedded-metric-format lines Powertools printed."""
    values: dict[str, float] = {}
    for line in stdout.splitlines():
        if '"_aws"' in line:
            blob = json.loads(line)
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                assert directive["Namespace"] == "groupgate"
                for metric in directive["Metrics"]:
                    value = blob[metric["Name"]]
                    values[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return values


def signup_event(pool: Pool, username: str) -> dict[str, Any]:
    event = load_event("post_confirmation_confirm_signup")
    event["userPoolId"] = pool.pool_id
    event["userName"] = username
    return event


def test_a_confirmed_sign_up_puts_the_user_in_the_group(
    trigger: ModuleType, pool: Pool, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a user who has just confirmed their sign-up, in no group yet
    pool.add_confirmed_user("exuser")
    event = signup_event(pool, "exuser")
    original = copy.deepcopy(event)

    # WHEN Cognito calls the trigger
    returned = trigger.lambda_handler(event, lambda_context(5))

    # THEN the user is in the group, and the event comes back unchanged, as Cognito requires
    assert pool.groups_of("exuser") == ["exgroup"]
    assert returned == original
    assert metrics_emitted(capsys.readouterr().out) == {"UserAddedToGroup": 1.0}


def test_a_repeated_confirmation_is_harmless(trigger: ModuleType, pool: Pool) -> None:
    # Cognito retries a trigger that timed out, so the same event may arrive twice.
    pool.add_confirmed_user("exuser")
    event = signup_event(pool, "exuser")

    trigger.lambda_handler(copy.deepcopy(event), lambda_context(5))
    trigger.lambda_handler(copy.deepcopy(event), lambda_context(5))

    assert pool.members() == ["exuser"]


def test_a_password_reset_does_not_put_a_removed_user_back(trigger: ModuleType, pool: Pool) -> None:
    # GIVEN a user an admin took out of the group
    pool.add_confirmed_user("exuser")
    event = load_event("post_confirmation_confirm_forgot_password")
    event["userPoolId"] = pool.pool_id
    original = copy.deepcopy(event)

    # WHEN they confirm a forgotten password
    returned = trigger.lambda_handler(event, lambda_context(5))

    # THEN they stay outside the group, and the event comes back unchanged
    assert pool.groups_of("exuser") == []
    assert returned == original


def test_an_unknown_user_is_logged_with_their_name_counted_and_raised(
    trigger: ModuleType, pool: Pool, logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    event = signup_event(pool, "nobody")

    with pytest.raises(ClientError) as raised:
        trigger.lambda_handler(event, lambda_context(5))

    assert raised.value.response["Error"]["Code"] == "UserNotFoundException"
    [failure] = [r for r in records(logs) if r["level"] == "ERROR"]
    assert failure["message"] == "could not add the confirmed user to the group"
    assert failure["user_name"] == "nobody"
    assert failure["group_name"] == "exgroup"
    assert "UserNotFoundException" in failure["exception"]
    assert metrics_emitted(capsys.readouterr().out) == {"UserNotAddedToGroup": 1.0}


def test_an_unknown_pool_is_logged_and_raised(trigger: ModuleType, pool: Pool, logs: io.StringIO) -> None:
    event = signup_event(pool, "exuser")
    event["userPoolId"] = "us-east-1_NoSuchPool"

    with pytest.raises(ClientError) as raised:
        trigger.lambda_handler(event, lambda_context(5))

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert [r["user_pool_id"] for r in records(logs) if r["level"] == "ERROR"] == ["us-east-1_NoSuchPool"]


def test_an_event_from_another_trigger_is_refused_clearly(trigger: ModuleType, pool: Pool) -> None:
    event = signup_event(pool, "exuser")
    event["triggerSource"] = "PreSignUp_SignUp"

    with pytest.raises(InvalidInput, match="'PreSignUp_SignUp' is not a post-confirmation trigger"):
        trigger.lambda_handler(event, lambda_context(5))


@pytest.mark.parametrize(
    ("field", "message"),
    [("userName", "event.userName is missing"), ("userPoolId", "event.userPoolId is missing")],
)
def test_an_event_missing_a_field_names_it(trigger: ModuleType, pool: Pool, field: str, message: str) -> None:
    event = signup_event(pool, "exuser")
    del event[field]

    with pytest.raises(InvalidInput, match=message):
        trigger.lambda_handler(event, lambda_context(5))


def test_the_client_budget_fits_cognitos_five_seconds(trigger: ModuleType) -> None:
    # The client the handler really uses carries the budget's numbers.
    config = trigger.cognito.meta.config
    assert (config.connect_timeout, config.read_timeout) == (
        groups.CONNECT_TIMEOUT_SECONDS,
        groups.READ_TIMEOUT_SECONDS,
    )
    assert config.retries == {"mode": "standard", "total_max_attempts": groups.MAX_ATTEMPTS}
    assert groups.WORST_CASE_SECONDS < groups.COGNITO_TRIGGER_TIMEOUT_SECONDS


def test_a_stalled_cognito_fails_the_trigger_before_cognito_gives_up() -> None:
    # GIVEN a Cognito endpoint that accepts connections and never answers
    with SilentServer() as stalled:
        event = load_event("post_confirmation_confirm_signup")
        started = time.monotonic()
        # WHEN the trigger runs in a fresh process (cold start included)
        invocation = invoke_in_subprocess(
            HANDLER, "post_confirmation", event, {**SETTINGS, ENDPOINT_VARIABLE: stalled.url}, timeout=5
        )
        elapsed = time.monotonic() - started

    # THEN it gave up within Cognito's 5 seconds, after the configured attempts, and said so
    assert invocation.outcome["errorType"] == "ReadTimeoutError"
    assert elapsed < groups.COGNITO_TRIGGER_TIMEOUT_SECONDS
    assert stalled.connections == groups.MAX_ATTEMPTS
    [failure] = [r for r in invocation.log_records() if r.get("level") == "ERROR"]
    assert failure["user_name"] == "exuser"
    assert metrics_emitted(invocation.stdout) == {"UserNotAddedToGroup": 1.0}


def test_a_missing_group_name_fails_the_cold_start_with_its_name() -> None:
    invocation = invoke_in_subprocess(
        HANDLER,
        "post_confirmation",
        load_event("post_confirmation_confirm_signup"),
        {"POWERTOOLS_METRICS_NAMESPACE": "groupgate"},
    )

    assert invocation.outcome["errorType"] == "MissingSetting"
    assert invocation.outcome["errorMessage"].startswith("GROUP_NAME is not set")


def test_a_throttled_cognito_fails_the_trigger_within_the_budget_and_says_so() -> None:
    # GIVEN Cognito answering every AdminAddUserToGroup with TooManyRequestsException
    throttled = {"__type": "TooManyRequestsException", "message": "Too many requests"}
    with ScriptedAws({"AdminAddUserToGroup": (400, throttled)}) as cognito:
        started = time.monotonic()
        # WHEN the trigger runs in a fresh process
        invocation = invoke_in_subprocess(
            HANDLER, "post_confirmation", load_event("post_confirmation_confirm_signup"),
            {**SETTINGS, ENDPOINT_VARIABLE: cognito.url}, timeout=5,
        )  # fmt: skip
        elapsed = time.monotonic() - started

    # THEN botocore retried once (the configured attempts), then the failure was logged, counted and raised
    assert invocation.outcome["errorType"] == "TooManyRequestsException"  # botocore's modelled ClientError
    assert cognito.calls == ["AdminAddUserToGroup"] * groups.MAX_ATTEMPTS
    assert elapsed < groups.COGNITO_TRIGGER_TIMEOUT_SECONDS
    [failure] = [r for r in invocation.log_records() if r.get("level") == "ERROR"]
    assert failure["user_name"] == "exuser"
    assert metrics_emitted(invocation.stdout) == {"UserNotAddedToGroup": 1.0}
