"""The real SAM CLI against an empty local cloud, as a person runs it against a new account: ``sam build``, ``sam
deploy`` (samconfig.toml as shipped: resolve_s3, capabilities, parameter overrides) and ``sam delete``. The
story itself against the SAM-deployed stack is test_story.py's ``sam`` target; here: what the first deploy does
to the account's API Gateway settings, what delete leaves, and what a failed deploy leaves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from support.events import ROOT
from support.sam import SamCloud, build, copy_project, sam_cloud


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamCloud]:
    with sam_cloud(tmp_path_factory.mktemp("sam-cli") / "state") as found:
        yield found


def events(cloud: SamCloud, stack_id: str) -> list[dict[str, str]]:
    pages = cloud.client("cloudformation").get_paginator("describe_stack_events").paginate(StackName=stack_id)
    return [event for page in pages for event in page["StackEvents"]]


def api_gateway_settings(cloud: SamCloud) -> dict[str, Any]:
    """The account's API Gateway settings, as ``aws apigateway get-account`` shows them."""
    found: dict[str, Any] = cloud.client("apigateway").get_account()
    found.pop("ResponseMetadata")
    return found


def retained_role(cloud: SamCloud, stack: str) -> list[str]:
    """The role the stack made for API Gateway's logs, which it keeps (DeletionPolicy Retain)."""
    roles = cloud.client("iam").list_roles()["Roles"]
    return [r["RoleName"] for r in roles if r["RoleName"].startswith(f"{stack}-ApiGatewayCloudWatchRole-")]


def leftovers(cloud: SamCloud, stack: str) -> dict[str, list[str]]:
    """What of the stack's making is still in the account (its physical names start with the stack's name), but
    for the role it retains on purpose."""
    roles = [r for r in cloud.client("iam").list_roles()["Roles"] if r["RoleName"] not in retained_role(cloud, stack)]
    pools = cloud.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    identity = cloud.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]
    return {
        "roles": [r["RoleName"] for r in roles if r["RoleName"].startswith(f"{stack}-")],
        "user pools": [p["Name"] for p in pools if p["Name"].startswith(f"{stack}-")],
        "identity pools": [p["IdentityPoolName"] for p in identity if p["IdentityPoolName"].startswith(stack)],
    }


def test_sam_delete_deletes_the_stack_its_custom_resource_and_its_artifacts(cloud: SamCloud) -> None:
    """The first deploy into a fresh account, with samconfig.toml's defaults: it sets API Gateway's CloudWatch
    Logs role (the account had none), and only that; deleting the stack leaves the setting and its role."""
    fresh = api_gateway_settings(cloud)
    assert "cloudwatchRoleArn" not in fresh  # the module's first deploy, into a new account
    build(cloud)
    deployed = cloud.sam("deploy", "--no-confirm-changeset")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    role = cloud.client("iam").get_role(RoleName=retained_role(cloud, "groupgate")[0])["Role"]["Arn"]
    assert api_gateway_settings(cloud) == {**fresh, "cloudwatchRoleArn": role}
    outputs = cloud.outputs("groupgate")
    stack_id = cloud.client("cloudformation").describe_stacks(StackName="groupgate")["Stacks"][0]["StackId"]
    bucket = cloud.outputs("aws-sam-cli-managed-default")["SourceBucket"]
    uploaded = cloud.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0)
    by_id = f"{cloud.endpoint}/restapis/{outputs['ApiId']}/{outputs['StageName']}/_user_request_/"
    before = requests.get(outputs["ApiUrl"], timeout=10)

    deleted = cloud.sam("delete", "--no-prompts")

    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert "Deleted successfully" in deleted.stdout
    with pytest.raises(ClientError, match="Stack with id groupgate does not exist"):
        cloud.client("cloudformation").describe_stacks(StackName="groupgate")
    statuses = {(e["LogicalResourceId"], e["ResourceStatus"]) for e in events(cloud, stack_id)}
    assert ("RoleMappings", "DELETE_COMPLETE") in statuses
    assert ("groupgate", "DELETE_COMPLETE") in statuses
    function_log = next((cloud.running.state / "logs").glob("groupgate-RoleMappingFunction-*.log")).read_text()
    assert '"request_type":"Delete"' in function_log  # the custom resource got its Delete
    assert before.status_code == 403  # an unsigned call, while the API was there
    with pytest.raises(requests.ConnectionError):
        requests.get(outputs["ApiUrl"], timeout=10)
    assert requests.get(by_id, timeout=10).json() == {"message": "Forbidden"}
    assert uploaded > 0
    assert cloud.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    assert leftovers(cloud, "groupgate") == {"roles": [], "user pools": [], "identity pools": []}
    assert api_gateway_settings(cloud) == {**fresh, "cloudwatchRoleArn": role}  # as other APIs may rely on it
    assert cloud.client("iam").get_role(RoleName=role.rsplit("/", 1)[1])["Role"]["Arn"] == role


def test_a_custom_resource_answering_failed_fails_sam_deploy_and_the_stack_rolls_back(
    cloud: SamCloud, tmp_path: Path
) -> None:
    text = (ROOT / "template.yaml").read_text().replace("            Type: Token\n", "            Type: token\n", 1)
    project = copy_project(tmp_path, text)
    build(cloud, project)

    deployed = cloud.sam("deploy", "--no-confirm-changeset", "--stack-name", "failing", cwd=project)

    shown = deployed.stdout + deployed.stderr
    assert deployed.returncode != 0, shown
    stack = cloud.client("cloudformation").describe_stacks(StackName="failing")["Stacks"][0]
    failed = next(e for e in events(cloud, stack["StackId"]) if e["ResourceStatus"] == "CREATE_FAILED")
    reason = failed["ResourceStatusReason"]
    assert failed["LogicalResourceId"] == "RoleMappings"
    assert reason.startswith("Received response status [FAILED] from custom resource. Message returned: ")
    assert "must be one of Token, Rules; got 'token'" in reason
    # the SAM CLI's table wraps the reason across its lines: without the whitespace, it is all there
    assert "".join(reason.split()) in "".join(shown.split())
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"

    def having(status: str) -> set[str]:
        return {e["LogicalResourceId"] for e in events(cloud, stack["StackId"]) if e["ResourceStatus"] == status}

    # Everything made is taken away again but the role API Gateway's settings may name (Retain, as on delete).
    assert having("DELETE_SKIPPED") == {"ApiGatewayCloudWatchRole"} & having("CREATE_COMPLETE")
    assert having("CREATE_COMPLETE") - {"failing"} <= having("DELETE_COMPLETE") | having("DELETE_SKIPPED")
    assert leftovers(cloud, "failing") == {"roles": [], "user pools": [], "identity pools": []}
