"""A stack's life after its first ``sam deploy``, with the real SAM CLI against an empty local cloud: redeploys
that update it (a parameter, a custom resource's properties, a replaced user pool, an update that fails and
rolls back), and the commands that talk to what runs (``sam remote invoke`` with each sample event, ``sam
logs``, ``sam list``, ``sam sync``). Each redeploy is checked by what a user sees: the API's answers, who
may call it, what the custom resource was sent (its own log, in CloudWatch Logs)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from support.events import ROOT, assert_gives, table
from support.sam import SamCloud, build, copy_project, sam_cloud
from support.tools import tool

from groupgate.cache import SessionCache
from groupgate.errors import GroupgateError
from groupgate.session import Session

PASSWORD = "Correct-Horse-9-battery"
STACK = "groupgate"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamCloud]:
    with sam_cloud(tmp_path_factory.mktemp("sam-lifecycle") / "state") as found:
        build(found)
        deployed = found.sam("deploy", "--no-confirm-changeset")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        yield found


def deploy(cloud: SamCloud, *argv: str, project: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return cloud.sam("deploy", "--no-confirm-changeset", "--stack-name", STACK, *argv, cwd=project)


def variant(cloud: SamCloud, tmp: Path, old: str, new: str) -> Path:
    """A built copy of the project whose template has ``new`` where it had ``old``."""
    text = (ROOT / "template.yaml").read_text()
    assert old in text
    project = copy_project(tmp, text.replace(old, new, 1))
    build(cloud, project)
    return project


def session(cloud: SamCloud, tmp: Path, stack: str = STACK) -> Session:
    outputs = tmp / f"outputs-{time.monotonic_ns()}.json"
    outputs.write_text(json.dumps(cloud.outputs(stack)))
    return Session.from_outputs(outputs, cache=SessionCache(tmp / "cache"))


def new_user(cloud: SamCloud, stack: str, name: str, *, member: bool) -> None:
    """A user with a permanent password, in the group or not."""
    outputs = cloud.outputs(stack)
    idp = cloud.client("cognito-idp")
    idp.admin_create_user(UserPoolId=outputs["UserPoolId"], Username=name, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])  # fmt: skip
    idp.admin_set_user_password(UserPoolId=outputs["UserPoolId"], Username=name, Password=PASSWORD, Permanent=True)
    if member:
        idp.admin_add_user_to_group(UserPoolId=outputs["UserPoolId"], Username=name, GroupName=outputs["GroupName"])


def role_mapping_requests(cloud: SamCloud, stack: str = STACK) -> list[dict[str, Any]]:
    """What the stack's custom resource was sent, from its function's log group (its "received" lines)."""
    function = cloud.client("cloudformation").describe_stack_resource(
        StackName=stack, LogicalResourceId="RoleMappingFunction"
    )["StackResourceDetail"]["PhysicalResourceId"]
    group = cloud.client("lambda").get_function_configuration(FunctionName=function)["LoggingConfig"]["LogGroup"]
    pages = (
        cloud.client("logs")
        .get_paginator("filter_log_events")
        .paginate(logGroupName=group, filterPattern='"received the request"')
    )
    return [json.loads(e["message"]) for page in pages for e in page["events"]]


def status(cloud: SamCloud, stack: str = STACK) -> str:
    return str(cloud.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"])


# ---------------------------------------------------------------- redeploys
def test_a_redeploy_with_another_origin_updates_the_api_and_keeps_the_users(cloud: SamCloud, tmp_path: Path) -> None:
    new_user(cloud, STACK, "before", member=True)
    sent_before = len(role_mapping_requests(cloud))
    url = cloud.outputs(STACK)["ApiUrl"]

    done = deploy(cloud, "--parameter-overrides", "AllowedOrigin=https://app.example.com")

    assert done.returncode == 0, done.stdout + done.stderr
    assert status(cloud) == "UPDATE_COMPLETE"
    preflight = requests.options(url, headers={"Origin": "https://app.example.com"}, timeout=10)
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    member = session(cloud, tmp_path)
    member.login("before", PASSWORD)
    called = requests.get(member.api_url, auth=member.auth(), timeout=10)
    assert (called.status_code, called.json()) == (200, {"message": "hello!"})
    assert called.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert len(role_mapping_requests(cloud)) == sent_before  # nothing it reads changed: no request


def test_changed_role_mappings_send_one_update_and_reach_the_identity_pool(cloud: SamCloud, tmp_path: Path) -> None:
    project = variant(cloud, tmp_path, "AmbiguousRoleResolution: Deny", "AmbiguousRoleResolution: AuthenticatedRole")
    physical = cloud.client("cloudformation").describe_stack_resource(
        StackName=STACK, LogicalResourceId="RoleMappings"
    )["StackResourceDetail"]["PhysicalResourceId"]
    sent_before = len(role_mapping_requests(cloud))
    new_user(cloud, STACK, "outsider", member=False)

    done = deploy(cloud, project=project)

    assert done.returncode == 0, done.stdout + done.stderr
    sent = role_mapping_requests(cloud)[sent_before:]
    assert [r["request_type"] for r in sent] == ["Update"]
    assert sent[0]["physical_resource_id"] == physical
    old, new = sent[0]["old_resource_properties"], sent[0]["resource_properties"]
    assert old["Entries"][0]["Value"]["AmbiguousRoleResolution"] == "Deny"
    assert new["Entries"][0]["Value"]["AmbiguousRoleResolution"] == "AuthenticatedRole"
    outsider = session(cloud, tmp_path)
    outsider.login("outsider", PASSWORD)  # before the update: no credentials at all
    assert outsider.caller_arn().split("/")[-2].startswith(f"{STACK}-AuthenticatedRole-")
    refused = requests.get(outsider.api_url, auth=outsider.auth(), timeout=10)
    assert refused.status_code == 403
    deploy(cloud)  # back to the template as shipped, for the tests after this one


def test_an_update_that_fails_rolls_back_to_what_was_there(cloud: SamCloud, tmp_path: Path) -> None:
    project = variant(cloud, tmp_path, "Type: Token\n", "Type: token\n")  # the custom resource answers FAILED
    outputs_before = cloud.outputs(STACK)
    sent_before = len(role_mapping_requests(cloud))

    done = deploy(cloud, project=project)

    assert done.returncode != 0
    assert status(cloud) == "UPDATE_ROLLBACK_COMPLETE"
    assert "UPDATE_ROLLBACK_COMPLETE" in done.stdout + done.stderr
    sent = role_mapping_requests(cloud)[sent_before:]
    assert [r["resource_properties"]["Entries"][0]["Value"]["Type"] for r in sent] == ["token", "Token"]
    assert cloud.outputs(STACK) == outputs_before
    new_user(cloud, STACK, "afterwards", member=True)
    member = session(cloud, tmp_path)
    member.login("afterwards", PASSWORD)
    assert requests.get(member.api_url, auth=member.auth(), timeout=10).status_code == 200


def test_a_change_that_replaces_the_user_pool_replaces_it_and_deletes_the_old_one(
    cloud: SamCloud, tmp_path: Path
) -> None:
    stack = "replaced"
    first = deploy(cloud, "--stack-name", stack)
    assert first.returncode == 0, first.stdout + first.stderr
    old_pool = cloud.outputs(stack)["UserPoolId"]
    project = variant(cloud, tmp_path, "CaseSensitive: false", "CaseSensitive: true")

    done = deploy(cloud, "--stack-name", stack, project=project)

    assert done.returncode == 0, done.stdout + done.stderr
    planned = [line.split() for line in done.stdout.splitlines() if line.startswith("* Modify")]
    assert ["*", "Modify", "UserPool", "AWS::Cognito::UserPool", "True"] in planned
    new_pool = cloud.outputs(stack)["UserPoolId"]
    assert new_pool != old_pool
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        cloud.client("cognito-idp").describe_user_pool(UserPoolId=old_pool)
    new_user(cloud, stack, "Mixed", member=True)
    member = session(cloud, tmp_path, stack)
    with pytest.raises(GroupgateError):
        member.login("mixed", PASSWORD)  # user names are case sensitive now
    member.login("Mixed", PASSWORD)
    assert requests.get(member.api_url, auth=member.auth(), timeout=10).status_code == 200


# ---------------------------------------------------------------- what runs
@pytest.mark.parametrize("sample", table(), ids=lambda e: e.name)
def test_sam_remote_invoke_gives_what_each_sample_event_must(cloud: SamCloud, tmp_path: Path, sample: Any) -> None:
    event = sample.load()
    if sample.function == "PostConfirmationFunction":  # a user of this stack, as the events' README says
        name = f"invoked-{tmp_path.name[-6:]}".lower()
        new_user(cloud, STACK, name, member=False)
        event.update(userPoolId=cloud.outputs(STACK)["UserPoolId"], userName=name)
    path = tmp_path / sample.path.name
    path.write_text(json.dumps(event))

    done = cloud.sam("remote", "invoke", sample.function, "--stack-name", STACK, "--event-file", str(path))

    assert done.returncode == 0, done.stderr
    assert_gives(sample, event, json.loads(done.stdout))
    assert "REPORT RequestId:" in done.stderr  # the log's tail, as Lambda's LogType Tail returns it


def test_sam_logs_shows_the_triggers_line_for_a_user_who_just_confirmed(cloud: SamCloud, tmp_path: Path) -> None:
    outputs = cloud.outputs(STACK)
    idp = cloud.client("cognito-idp")
    idp.sign_up(ClientId=outputs["UserPoolClientId"], Username="confirmed", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "confirmed@example.com"}])  # fmt: skip
    idp.admin_confirm_sign_up(UserPoolId=outputs["UserPoolId"], Username="confirmed")

    done = cloud.sam("logs", "-n", "PostConfirmationFunction", "--stack-name", STACK, "--output", "json")

    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    logged = [json.loads(e["message"]) for e in events if e["message"].startswith('{"level"')]
    added = [entry for entry in logged if entry["message"] == "added the confirmed user to the group"]
    assert "confirmed" in [entry["user_name"] for entry in added]
    assert added[0]["group_name"] == outputs["GroupName"]


def test_sam_list_shows_the_stacks_resources_outputs_and_endpoints(cloud: SamCloud) -> None:
    outputs = cloud.outputs(STACK)

    resources = cloud.sam("list", "resources", "--stack-name", STACK, "--output", "json")
    shown = cloud.sam("list", "stack-outputs", "--stack-name", STACK, "--output", "json")
    endpoints = cloud.sam("list", "endpoints", "--stack-name", STACK, "--output", "json")

    for done in (resources, shown, endpoints):
        assert done.returncode == 0, done.stderr
    listed = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in json.loads(resources.stdout)}
    assert listed["UserPool"] == outputs["UserPoolId"]
    assert {o["OutputKey"]: o["OutputValue"] for o in json.loads(shown.stdout)}["ApiId"] == outputs["ApiId"]
    api = next(e for e in json.loads(endpoints.stdout) if e["LogicalResourceId"] == "Api")
    assert api["PhysicalResourceId"] == outputs["ApiId"]
    assert api["CloudEndpoint"] == [f"https://{outputs['ApiId']}.execute-api.us-east-1.amazonaws.com/stage1"]


def test_sam_sync_of_a_code_change_updates_the_running_function(cloud: SamCloud, tmp_path: Path) -> None:
    project = copy_project(tmp_path, (ROOT / "template.yaml").read_text())
    app = project / "functions" / "post_confirmation" / "post_confirmation" / "app.py"
    said = "password reset confirmed; group membership left as it is"
    app.write_text(app.read_text().replace(said, "password reset confirmed (synced)"))
    function = cloud.client("cloudformation").describe_stack_resource(
        StackName=STACK, LogicalResourceId="PostConfirmationFunction"
    )["StackResourceDetail"]["PhysicalResourceId"]
    before = cloud.client("lambda").get_function(FunctionName=function)

    synced = subprocess.run(
        [str(tool("sam", "sam")), "sync", "--stack-name", STACK, "--no-watch", "--no-dependency-layer"],
        cwd=project, env=cloud.environment(), input="y\n", capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    invoked = cloud.sam("remote", "invoke", "PostConfirmationFunction", "--stack-name", STACK, "--event-file",
                        str(ROOT / "events" / "post_confirmation_confirm_forgot_password.json"))  # fmt: skip

    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "Finished syncing Lambda Function PostConfirmationFunction" in synced.stdout + synced.stderr
    name = before["Configuration"]["FunctionName"]
    after = cloud.client("lambda").get_function_configuration(FunctionName=name)
    assert after["CodeSha256"] != before["Configuration"]["CodeSha256"]
    assert "password reset confirmed (synced)" in invoked.stderr
    deploy(cloud)  # the stack as the project ships it again
