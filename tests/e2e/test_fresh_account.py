"""API Gateway's CloudWatch Logs role, with the real SAM CLI: in a fresh account (the local cloud as it starts)
a stage with an access log is refused with API Gateway's message and its stack rolls back, which is why the
template sets the role where none is (test_sam_cli.py deploys it there); in an account that already has a role
(``groupgate local start --cloudwatch-role``) the template deploys and leaves that role as it is, and so does
``sam delete``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cloudformation import ACCESS_LOG, stage_template
from support.sam import SamCloud, build, sam_cloud

from groupgate.local.apigateway.account import ROLE_NEEDED
from groupgate.local.cloud import CLOUDWATCH_ROLE


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamCloud]:
    with sam_cloud(tmp_path_factory.mktemp("fresh-account") / "state") as found:
        yield found


@pytest.fixture(scope="module")
def seasoned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamCloud]:
    with sam_cloud(tmp_path_factory.mktemp("seasoned-account") / "state", cloudwatch_role=True) as found:
        yield found


def settings(cloud: SamCloud) -> dict[str, Any]:
    found: dict[str, Any] = cloud.client("apigateway").get_account()
    found.pop("ResponseMetadata")
    return found


def test_an_access_logged_stage_fails_in_a_fresh_account_and_rolls_back(fresh: SamCloud, tmp_path: Path) -> None:
    before = settings(fresh)
    assert "cloudwatchRoleArn" not in before
    (tmp_path / "template.yaml").write_text(json.dumps(stage_template(**ACCESS_LOG)))  # JSON is YAML too

    done = fresh.sam("deploy", "--stack-name", "logged", "--no-confirm-changeset", cwd=tmp_path)

    shown = done.stdout + done.stderr
    assert done.returncode != 0, shown
    stack = fresh.client("cloudformation").describe_stacks(StackName="logged")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    pages = fresh.client("cloudformation").get_paginator("describe_stack_events").paginate(StackName="logged")
    failed = [e for page in pages for e in page["StackEvents"] if e["ResourceStatus"] == "CREATE_FAILED"]
    assert [e["LogicalResourceId"] for e in failed] == ["Stage"]
    reason = failed[0]["ResourceStatusReason"]
    assert reason.startswith(f'Resource handler returned message: "{ROLE_NEEDED} (Service: ApiGateway, Status Code')
    assert ROLE_NEEDED.replace(" ", "") in "".join(shown.split())  # the SAM CLI's table wraps it across lines
    assert settings(fresh) == before


def test_an_account_that_has_a_role_keeps_it_through_deploy_and_delete(seasoned: SamCloud) -> None:
    before = settings(seasoned)
    assert str(before["cloudwatchRoleArn"]).endswith(f":role/{CLOUDWATCH_ROLE}")
    build(seasoned)

    deployed = seasoned.sam("deploy", "--no-confirm-changeset")

    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert settings(seasoned) == before
    setting = seasoned.client("cloudformation").describe_stack_resource(
        StackName="groupgate", LogicalResourceId="ApiGatewayCloudWatchRoleSetting"
    )["StackResourceDetail"]
    assert setting["ResourceStatus"] == "CREATE_COMPLETE"

    deleted = seasoned.sam("delete", "--no-prompts")

    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert settings(seasoned) == before
