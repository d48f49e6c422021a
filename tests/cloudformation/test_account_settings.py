"""The local cloud is a fresh account: API Gateway's account settings have no CloudWatch Logs role, so a stage
that would log is refused with API Gateway's message (and its stack rolls back) until ``UpdateAccount`` or an
``AWS::ApiGateway::Account`` sets a role API Gateway may assume; metrics and throttling need none."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.cloudformation import (
    ACCESS_LOG,
    DATA_TRACE,
    EXECUTION_LOG,
    METRICS_ONLY,
    Account,
    refused,
    stage_template,
)
from support.local_cloud import admin

from groupgate.local.apigateway.account import NOT_TRUSTED, ROLE_NEEDED

TRUSTED_BY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
              "Principal": {"Service": "apigateway.amazonaws.com"}}]}  # fmt: skip
HANDLED = 'Resource handler returned message: "{} (Service: ApiGateway, Status Code: 400, Request ID: '


@pytest.fixture(autouse=True)
def no_role(account: Account) -> None:
    """Each test starts from a fresh account's settings (the module shares one cloud)."""
    account.cloud.apis.account.set_role(None)


def apigateway(account: Account) -> Any:
    return admin(account.outputs, "apigateway")


def role(account: Account, name: str, trust: dict[str, Any] = TRUSTED_BY) -> str:
    arn: str = account.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return arn


def failure(account: Account, stack: str) -> tuple[str, str]:
    failed = next(e for e in account.events(stack) if e["ResourceStatus"] == "CREATE_FAILED")
    return failed["LogicalResourceId"], failed["ResourceStatusReason"]


def test_a_fresh_account_has_no_cloudwatch_role(account: Account) -> None:
    assert apigateway(account).get_account() | {"ResponseMetadata": None} == {
        "throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0}, "features": ["UsagePlans"],
        "apiKeyVersion": "4", "ResponseMetadata": None,
    }  # fmt: skip


@pytest.mark.parametrize(("name", "settings"), [("access", ACCESS_LOG), ("execution", EXECUTION_LOG),
                                                ("trace", DATA_TRACE)])  # fmt: skip
def test_a_stage_that_logs_fails_its_stack_until_the_account_has_a_role(
    account: Account, name: str, settings: dict[str, Any]
) -> None:
    account.create(f"logs-{name}", stage_template(**settings))
    assert account.settle(f"logs-{name}") == "ROLLBACK_COMPLETE"

    where, reason = failure(account, f"logs-{name}")
    assert where == "Stage"
    assert reason.startswith(HANDLED.format(ROLE_NEEDED))
    assert reason.endswith(", HandlerErrorCode: InvalidRequest)")

    apigateway(account).update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role(account, f"logs-{name}")}]
    )
    account.create(f"logs-{name}-again", stage_template(**settings))
    account.wait("stack_create_complete", StackName=f"logs-{name}-again")


def test_metrics_and_throttling_need_no_role(account: Account) -> None:
    account.create("metrics-only", stage_template(**METRICS_ONLY))
    account.wait("stack_create_complete", StackName="metrics-only")


@pytest.mark.parametrize(
    ("trust", "arn"),
    [
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
                ],
            },
            None,
        ),
        (None, "arn:aws:iam::123456789012:role/no-such-role"),
        (None, "not-an-arn"),
    ],
    ids=["trusts-another-service", "no-such-role", "not-an-arn"],
)
def test_update_account_refuses_a_role_api_gateway_may_not_assume(
    account: Account, trust: dict[str, Any] | None, arn: str | None
) -> None:
    value = arn or role(account, "trusts-lambda", trust or TRUSTED_BY)
    client = apigateway(account)

    found = refused(client.update_account, patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn",
                                                              "value": value}])  # fmt: skip

    assert found == ("BadRequestException", NOT_TRUSTED)
    assert "cloudwatchRoleArn" not in client.get_account()


def test_update_account_changes_the_role_and_nothing_else(account: Account) -> None:
    client = apigateway(account)
    before = client.get_account()
    arn = role(account, "the-logs-role")

    changed = client.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])
    other = refused(client.update_account, patchOperations=[{"op": "replace", "path": "/throttleSettings/burstLimit",
                                                             "value": "1"}])  # fmt: skip

    assert changed["cloudwatchRoleArn"] == arn
    assert {k: v for k, v in client.get_account().items() if k != "ResponseMetadata"} == {
        **{k: v for k, v in before.items() if k != "ResponseMetadata"}, "cloudwatchRoleArn": arn,
    }  # fmt: skip
    assert other[0] == "BadRequestException"
    assert "/throttleSettings/burstLimit" in other[1]


def test_the_account_resource_sets_a_trusted_role_and_its_deletion_leaves_it(account: Account) -> None:
    arn = role(account, "set-by-a-stack")
    template = {"Resources": {"Settings": {"Type": "AWS::ApiGateway::Account",
                                           "Properties": {"CloudWatchRoleArn": arn}}}}  # fmt: skip
    account.create("account-settings", template)
    account.wait("stack_create_complete", StackName="account-settings")
    assert apigateway(account).get_account()["cloudwatchRoleArn"] == arn

    account.cfn.delete_stack(StackName="account-settings")
    account.wait("stack_delete_complete", StackName="account-settings")

    assert apigateway(account).get_account()["cloudwatchRoleArn"] == arn


def test_the_account_resource_fails_with_api_gateways_words_for_an_untrusted_role(account: Account) -> None:
    template = {"Resources": {"Settings": {"Type": "AWS::ApiGateway::Account", "Properties": {
        "CloudWatchRoleArn": "arn:aws:iam::123456789012:role/never-made"}}}}  # fmt: skip
    account.create("untrusted-settings", template)
    assert account.settle("untrusted-settings") == "ROLLBACK_COMPLETE"

    where, reason = failure(account, "untrusted-settings")

    assert where == "Settings"
    assert reason.startswith(HANDLED.format(NOT_TRUSTED))
    assert "cloudwatchRoleArn" not in apigateway(account).get_account()
