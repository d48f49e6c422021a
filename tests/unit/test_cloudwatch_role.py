"""Custom::ApiGatewayCloudWatchRole against API Gateway's own request shapes (botocore's Stubber on a real
client): what it sends is all it may send. IAM cannot limit ``apigateway:PATCH /account`` to one field, so
these tests are the limit: one GetAccount, and at most one kind of UpdateAccount, replacing
``/cloudwatchRoleArn`` with the stack's role, only where the account has none; retried while IAM propagates
the new role, never past the deadline; and a Delete that calls nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import Stubber
from support.events import load_event
from support.lambda_context import lambda_context
from support.listener import ResponseListener

from cloudwatch_role import app
from cloudwatch_role.account import ensure_role

ROLE = "arn:aws:iam::123456789012:role/groupgate-ApiGatewayCloudWatchRole-AbCdEf123456"
OTHER = "arn:aws:iam::123456789012:role/set-by-someone-else"
PATCH = {"patchOperations": [{"op": "replace", "path": "/cloudwatchRoleArn", "value": ROLE}]}
FRESH = {"throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0}, "features": ["UsagePlans"],
         "apiKeyVersion": "4"}  # fmt: skip
PROPAGATING = (
    "The role ARN does not have required permissions configured. Please grant trust permission for API Gateway "
    "and add the required role policy."
)


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("apigateway", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()  # every call a test expected was made


def refuse(stubber: Stubber, code: str, message: str, status: int = 400) -> None:
    stubber.add_client_error("update_account", code, message, status, expected_params=PATCH)


class Clock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now, self.pauses = 0.0, list[float]()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def test_an_account_without_a_role_gets_the_stacks_and_only_that_field_changes(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_response("get_account", FRESH, {})
    stubber.add_response("update_account", {**FRESH, "cloudwatchRoleArn": ROLE}, PATCH)

    setting = ensure_role(client, ROLE, deadline=60)

    assert (setting.role_arn, setting.changed, setting.attempts) == (ROLE, True, 1)


def test_an_account_with_a_role_keeps_it_and_nothing_is_patched(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_response("get_account", {**FRESH, "cloudwatchRoleArn": OTHER}, {})

    setting = ensure_role(client, ROLE, deadline=60)  # an UpdateAccount would fail the Stubber

    assert (setting.role_arn, setting.changed) == (OTHER, False)


def test_the_role_is_retried_while_iam_propagates_it_reading_the_account_each_time(stubbed: Any) -> None:
    client, stubber = stubbed
    for _ in range(3):
        stubber.add_response("get_account", FRESH, {})
        refuse(stubber, "BadRequestException", PROPAGATING)
    stubber.add_response("get_account", FRESH, {})
    stubber.add_response("update_account", {**FRESH, "cloudwatchRoleArn": ROLE}, PATCH)
    clock = Clock()

    setting = ensure_role(client, ROLE, deadline=60, clock=clock, sleep=clock.sleep)

    assert (setting.changed, setting.attempts) == (True, 4)
    assert clock.pauses == [1.0, 2.0, 4.0]


def test_the_older_wording_of_the_refusal_is_retried_too(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_response("get_account", FRESH, {})
    refuse(stubber, "BadRequestException", "The role ARN does not have required permissions set to API Gateway")
    stubber.add_response("get_account", FRESH, {})
    stubber.add_response("update_account", {**FRESH, "cloudwatchRoleArn": ROLE}, PATCH)
    clock = Clock()

    assert ensure_role(client, ROLE, deadline=60, clock=clock, sleep=clock.sleep).changed


def test_a_role_another_stack_set_while_this_one_waited_is_left_as_it_is(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_response("get_account", FRESH, {})
    refuse(stubber, "BadRequestException", PROPAGATING)
    stubber.add_response("get_account", {**FRESH, "cloudwatchRoleArn": OTHER}, {})
    clock = Clock()

    setting = ensure_role(client, ROLE, deadline=60, clock=clock, sleep=clock.sleep)

    assert (setting.role_arn, setting.changed) == (OTHER, False)


def test_retries_stop_at_the_deadline_with_api_gateways_refusal(stubbed: Any) -> None:
    client, stubber = stubbed
    clock = Clock()
    for _ in range(5):  # 1 + 2 + 4 + 8 seconds fit in 20; the next 8 would not
        stubber.add_response("get_account", FRESH, {})
        refuse(stubber, "BadRequestException", PROPAGATING)

    with pytest.raises(ClientError, match="does not have required permissions configured"):
        ensure_role(client, ROLE, deadline=20, clock=clock, sleep=clock.sleep)
    assert clock.pauses == [1.0, 2.0, 4.0, 8.0]
    assert clock.now <= 20


def test_any_other_refusal_fails_at_once(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_response("get_account", FRESH, {})
    refuse(stubber, "AccessDeniedException", f"User: x is not authorized to perform: iam:PassRole on resource: {ROLE}",
           403)  # fmt: skip
    clock = Clock()

    with pytest.raises(ClientError, match="iam:PassRole"):
        ensure_role(client, ROLE, deadline=60, clock=clock, sleep=clock.sleep)
    assert clock.pauses == []


# ---------------------------------------------------------------- the handler: what CloudFormation is answered
def decide(event: dict[str, Any], client: Any, *, within: float = 60) -> Any:
    return app.decide(event, deadline=time.monotonic() + within, log_stream="stream", client=client)


def test_create_answers_success_with_the_accounts_role_and_whether_it_changed(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_response("get_account", FRESH, {})
    stubber.add_response("update_account", {**FRESH, "cloudwatchRoleArn": ROLE}, PATCH)
    event = load_event("cloudwatch_role_create")

    outcome = decide(event, client)

    assert outcome.status == "SUCCESS"
    assert outcome.data == {"CloudWatchRoleArn": ROLE, "Changed": "true"}
    assert outcome.physical_resource_id.startswith("ApiGatewayCloudWatchRoleSetting-")


def test_a_refusal_fails_the_resource_with_api_gateways_words(stubbed: Any) -> None:
    client, stubber = stubbed
    stubber.add_response("get_account", FRESH, {})
    refuse(stubber, "BadRequestException", PROPAGATING)

    outcome = decide(load_event("cloudwatch_role_create"), client, within=0)

    assert outcome.status == "FAILED"
    assert outcome.reason == f"API Gateway refused UpdateAccount: BadRequestException: {PROPAGATING}"


def test_delete_calls_nothing_and_keeps_its_physical_id(stubbed: Any) -> None:
    client, _ = stubbed  # a call would fail the Stubber: it expects none
    event = load_event("cloudwatch_role_delete")

    outcome = decide(event, client)

    assert (outcome.status, outcome.physical_resource_id) == ("SUCCESS", event["PhysicalResourceId"])


@pytest.mark.parametrize(
    ("role", "reason"),
    [
        (None, "ResourceProperties.RoleArn is missing"),
        (7, "ResourceProperties.RoleArn must be a string, got a number"),
        ("arn:aws:iam::123456789012:user/alice", "ResourceProperties.RoleArn must be an IAM role ARN"),
    ],
)
def test_a_role_arn_that_is_not_one_fails_before_any_call(stubbed: Any, role: Any, reason: str) -> None:
    client, _ = stubbed
    event = load_event("cloudwatch_role_create")
    if role is None:
        del event["ResourceProperties"]["RoleArn"]
    else:
        event["ResourceProperties"]["RoleArn"] = role

    outcome = decide(event, client)

    assert outcome.status == "FAILED"
    assert outcome.reason.startswith(reason)


def test_a_fault_still_answers_failed_and_names_the_log_stream() -> None:
    class Unreachable:
        def get_account(self) -> dict[str, Any]:
            raise EndpointConnectionError(endpoint_url="https://apigateway.us-east-1.amazonaws.com/account")

    outcome = decide(load_event("cloudwatch_role_create"), Unreachable())

    assert outcome.status == "FAILED"
    assert outcome.reason == "internal error (EndpointConnectionError); see CloudWatch log stream stream"


def test_the_handler_puts_one_answer_to_the_response_url(stubbed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client, stubber = stubbed
    stubber.add_response("get_account", {**FRESH, "cloudwatchRoleArn": OTHER}, {})
    monkeypatch.setattr(app, "apigateway", lambda: client)
    event = load_event("cloudwatch_role_create")

    with ResponseListener() as listener:
        event["ResponseURL"] = listener.url
        returned = app.lambda_handler(event, lambda_context(30))

    assert returned["Status"] == "SUCCESS"
    assert returned["Delivered"] is True
    assert [r.method for r in listener.received] == ["PUT"]
