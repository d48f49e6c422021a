"""Stack updates through boto3, as CloudFormation makes them (shared/AWS-SEMANTICS.md section 8): change sets
that say what changes and whether it is replaced, resources left alone when their resolved properties did
not change, updates in place, replacements with the old resource deleted in the cleanup, custom resources
sent exactly CloudFormation's Update, and failed updates rolled back to what was there. Each test has a
stack of its own: a custom resource backed by a function that logs every request it gets to CloudWatch
Logs, a user pool and a group whose description is the custom resource's answer."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError
from support.cloudformation import Account, refused
from support.local_cloud import admin

ECHO = """
import json, urllib.request


def handler(event, context):
    print(json.dumps({"request": event["RequestType"], "physical": event.get("PhysicalResourceId"),
                      "old": event.get("OldResourceProperties"), "new": event["ResourceProperties"]}))
    new = event["ResourceProperties"]
    deleting = event["RequestType"] == "Delete"
    answer = {
        "Status": "FAILED" if new.get("Fail") == "yes" and not deleting else "SUCCESS",
        "Reason": "asked to fail",
        "PhysicalResourceId": event["PhysicalResourceId"] if deleting else new["Physical"],
        "StackId": event["StackId"], "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"],
        "Data": {"Echo": new["Value"]},
    }
    put = urllib.request.Request(event["ResponseURL"], data=json.dumps(answer).encode(), method="PUT")
    urllib.request.urlopen(put, timeout=10).read()
"""
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Value": {"Type": "String", "Default": "a"},
        "Physical": {"Type": "String", "Default": "echo-1"},
        "Fail": {"Type": "String", "Default": "no"},
    },
    "Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.13",
                "Handler": "echo.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"S3Bucket": "updates-code", "S3Key": "echo.zip"},
            },
        },
        "Echo": {
            "Type": "Custom::Echo",
            "Properties": {
                "ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]},
                "Value": {"Ref": "Value"},
                "Physical": {"Ref": "Physical"},
                "Fail": {"Ref": "Fail"},
            },
        },
        "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": {"Fn::Sub": "${AWS::StackName}"}}},
        "Group": {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {
                "UserPoolId": {"Ref": "Pool"},
                "GroupName": "members",
                "Description": {"Fn::GetAtt": ["Echo", "Echo"]},
            },
        },
    },
    "Outputs": {"Echo": {"Value": {"Fn::GetAtt": ["Echo", "Echo"]}}, "Pool": {"Value": {"Ref": "Pool"}}},
}


class Stack:
    """One stack of the template above, and what its custom resource was sent."""

    def __init__(self, account: Account, name: str) -> None:
        self.account, self.name = account, name
        self.idp = admin(account.outputs, "cognito-idp")
        self.logs = admin(account.outputs, "logs")

    def requests(self, at_least: int = 0) -> list[dict[str, Any]]:
        """What the custom resource was sent, in order, from the function's log group in CloudWatch Logs. An
        invocation's lines arrive as it ends, after its answer (as in CloudWatch, a little later): this waits
        for ``at_least`` of them, for a few seconds."""
        function = self.account.physical_id(self.name, "Function")
        deadline = time.monotonic() + 10
        while True:
            pages = self.logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{function}")
            lines = [e["message"] for page in pages for e in page["events"] if e["message"].startswith('{"request"')]
            if len(lines) >= at_least or time.monotonic() > deadline:
                return [json.loads(line) for line in lines]
            time.sleep(0.1)

    def update(self, *, template: dict[str, Any] | None = None, **values: str) -> None:
        """An update through a change set: new values for ``values``, the previous ones for the rest."""
        parameters = [
            {"ParameterKey": k, "ParameterValue": values[k]}
            if k in values
            else {"ParameterKey": k, "UsePreviousValue": True}
            for k in TEMPLATE["Parameters"]
        ]  # fmt: skip
        body = {"TemplateBody": json.dumps(template)} if template else {"UsePreviousTemplate": True}
        made = self.account.cfn.create_change_set(
            StackName=self.name, ChangeSetName=f"update-{time.monotonic_ns()}", ChangeSetType="UPDATE",
            Parameters=parameters, Capabilities=["CAPABILITY_IAM"], **body,
        )  # fmt: skip
        self.account.wait("change_set_create_complete", ChangeSetName=made["Id"])
        self.account.cfn.execute_change_set(ChangeSetName=made["Id"])

    def wait(self) -> str:
        with contextlib.suppress(WaiterError):  # a failed update: its status says how it ended
            self.account.wait("stack_update_complete", StackName=self.name)
        return str(self.account.stack(self.name)["StackStatus"])

    def since_last_update(self) -> list[tuple[str, str, str]]:
        """(logical id, status, physical id) of the last operation's events, oldest first."""
        events = list(reversed(self.account.events(self.name)))
        start = max(i for i, e in enumerate(events) if e.get("ResourceStatusReason") == "User Initiated")
        return [(e["LogicalResourceId"], e["ResourceStatus"], e["PhysicalResourceId"]) for e in events[start:]]


@pytest.fixture
def stack(account: Account, request: pytest.FixtureRequest) -> Iterator[Stack]:
    account.upload("updates-code", "echo.zip", {"echo.py": ECHO})
    name = request.node.name.removeprefix("test_")[:40].replace("_", "-")
    account.create(name, TEMPLATE)
    account.wait("stack_create_complete", StackName=name)
    yield Stack(account, name)
    account.cfn.delete_stack(StackName=name)


def test_a_parameter_change_is_planned_and_updates_only_what_it_reaches(stack: Stack) -> None:
    account = stack.account
    pool = account.physical_id(stack.name, "Pool")
    stack.idp.admin_create_user(UserPoolId=pool, Username="alice")
    stack.idp.admin_add_user_to_group(UserPoolId=pool, Username="alice", GroupName="members")
    made = account.cfn.create_change_set(
        StackName=stack.name, ChangeSetName="value-b", UsePreviousTemplate=True, Capabilities=["CAPABILITY_IAM"],
        Parameters=[
            {"ParameterKey": "Value", "ParameterValue": "b"},
            {"ParameterKey": "Physical", "UsePreviousValue": True},
        ],
    )  # fmt: skip
    account.wait("change_set_create_complete", ChangeSetName=made["Id"])
    planned = {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in
               account.cfn.describe_change_set(ChangeSetName=made["Id"])["Changes"]}  # fmt: skip

    account.cfn.execute_change_set(ChangeSetName=made["Id"])

    assert stack.wait() == "UPDATE_COMPLETE"
    assert set(planned) == {"Echo", "Group"}
    assert (planned["Echo"]["Action"], planned["Echo"]["Replacement"]) == ("Modify", "False")
    assert planned["Echo"]["Details"] == [{
        "Target": {"Attribute": "Properties", "Name": "Value", "RequiresRecreation": "Never"},
        "Evaluation": "Static", "ChangeSource": "ParameterReference", "CausingEntity": "Value",
    }]  # fmt: skip
    assert planned["Group"]["Details"][0]["Evaluation"] == "Dynamic"
    assert planned["Group"]["Details"][0]["CausingEntity"] == "Echo.Echo"
    sent = stack.requests(at_least=2)
    assert [(r["request"], r["physical"]) for r in sent] == [("Create", None), ("Update", "echo-1")]
    assert (sent[1]["old"]["Value"], sent[1]["new"]["Value"]) == ("a", "b")
    touched = {logical for logical, _, _ in stack.since_last_update()}
    assert touched == {stack.name, "Echo", "Group"}  # the role, the function and the pool were left alone
    assert account.physical_id(stack.name, "Pool") == pool
    assert stack.idp.get_group(UserPoolId=pool, GroupName="members")["Group"]["Description"] == "b"
    members = stack.idp.list_users_in_group(UserPoolId=pool, GroupName="members")["Users"]
    assert [u["Username"] for u in members] == ["alice"]  # the pool's users and memberships survive
    described = account.stack(stack.name)
    assert {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}["Echo"] == "b"
    assert "LastUpdatedTime" in described
    assert {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}["Value"] == "b"


def test_a_custom_resource_answering_a_new_id_is_replaced_and_the_old_id_deleted_in_the_cleanup(stack: Stack) -> None:
    stack.update(Physical="echo-2")

    assert stack.wait() == "UPDATE_COMPLETE"
    sent = stack.requests(at_least=3)
    assert [(r["request"], r["physical"]) for r in sent] == [
        ("Create", None),
        ("Update", "echo-1"),
        ("Delete", "echo-1"),
    ]
    events = [(logical, status, physical) for logical, status, physical in stack.since_last_update()
              if logical in ("Echo", stack.name)]  # fmt: skip
    cleanup = events.index(
        (stack.name, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", stack.account.stack(stack.name)["StackId"])
    )
    assert ("Echo", "UPDATE_COMPLETE", "echo-2") in events[:cleanup]
    assert events[cleanup + 1 :][:2] == [
        ("Echo", "DELETE_IN_PROGRESS", "echo-1"),
        ("Echo", "DELETE_COMPLETE", "echo-1"),
    ]
    assert stack.account.physical_id(stack.name, "Echo") == "echo-2"


def test_a_property_that_cannot_change_in_place_replaces_the_resource_and_what_must_follow_it(stack: Stack) -> None:
    account = stack.account
    old_pool = account.physical_id(stack.name, "Pool")
    template = json.loads(json.dumps(TEMPLATE))
    template["Resources"]["Pool"]["Properties"]["UsernameConfiguration"] = {"CaseSensitive": False}
    made = account.cfn.create_change_set(
        StackName=stack.name, ChangeSetName="case", TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"]
    )
    account.wait("change_set_create_complete", ChangeSetName=made["Id"])
    planned = {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in
               account.cfn.describe_change_set(ChangeSetName=made["Id"])["Changes"]}  # fmt: skip

    account.cfn.execute_change_set(ChangeSetName=made["Id"])

    assert stack.wait() == "UPDATE_COMPLETE"
    assert planned["Pool"]["Replacement"] == "True"
    assert planned["Pool"]["Details"][0]["Target"] == {
        "Attribute": "Properties", "Name": "UsernameConfiguration", "RequiresRecreation": "Always",
    }  # fmt: skip
    assert planned["Group"]["Replacement"] == "Conditional"  # its UserPoolId will be the new pool's
    new_pool = account.physical_id(stack.name, "Pool")
    assert new_pool != old_pool
    assert stack.idp.get_group(UserPoolId=new_pool, GroupName="members")["Group"]["Description"] == "a"
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        stack.idp.describe_user_pool(UserPoolId=old_pool)  # deleted in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS
    assert "Echo" not in {logical for logical, _, _ in stack.since_last_update()}  # nothing it reads changed
    assert [r["request"] for r in stack.requests()] == ["Create"]


def test_an_update_with_nothing_to_change_is_refused_as_cloudformation_refuses_it(stack: Stack) -> None:
    account = stack.account
    made = account.cfn.create_change_set(
        StackName=stack.name, ChangeSetName="same", UsePreviousTemplate=True, Capabilities=["CAPABILITY_IAM"]
    )
    with pytest.raises(WaiterError):
        account.wait("change_set_create_complete", ChangeSetName=made["Id"])
    described = account.cfn.describe_change_set(ChangeSetName=made["Id"])

    assert (described["Status"], described["ExecutionStatus"]) == ("FAILED", "UNAVAILABLE")
    assert described["StatusReason"] == (
        "The submitted information didn't contain changes. Submit different information to create a change set."
    )
    assert refused(account.cfn.execute_change_set, ChangeSetName=made["Id"])[0] == "InvalidChangeSetStatusException"
    unchanged = {"StackName": stack.name, "UsePreviousTemplate": True, "Capabilities": ["CAPABILITY_IAM"]}
    assert refused(account.cfn.update_stack, **unchanged) == ("ValidationError", "No updates are to be performed.")
    assert account.stack(stack.name)["StackStatus"] == "CREATE_COMPLETE"


def test_a_failed_update_rolls_back_to_what_was_there(stack: Stack) -> None:
    account = stack.account
    template = json.loads(json.dumps(TEMPLATE))
    template["Resources"]["Extra"] = {
        "Type": "AWS::Cognito::UserPoolGroup", "Properties": {"UserPoolId": {"Ref": "Pool"}, "GroupName": "extra"},
    }  # fmt: skip
    before = account.stack(stack.name)["Outputs"]
    pool = account.physical_id(stack.name, "Pool")

    stack.update(template=template, Value="c", Fail="yes")

    assert stack.wait() == "UPDATE_ROLLBACK_COMPLETE"
    described = account.stack(stack.name)
    assert described["Outputs"] == before
    assert {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}["Value"] == "a"
    sent = stack.requests(at_least=3)
    assert [(r["request"], r["physical"]) for r in sent] == [
        ("Create", None),
        ("Update", "echo-1"),
        ("Update", "echo-1"),
    ]
    assert (sent[2]["new"]["Value"], sent[2]["old"]["Value"]) == ("a", "c")  # back to the old properties
    statuses = [(logical, status) for logical, status, _ in stack.since_last_update()]
    reason = next(e["ResourceStatusReason"] for e in account.events(stack.name)
                  if e["ResourceStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS")  # fmt: skip
    assert reason == "The following resource(s) failed to update: [Echo]. "
    assert ("Echo", "UPDATE_FAILED") in statuses
    assert statuses.index((stack.name, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")) < statuses.index(
        ("Extra", "DELETE_COMPLETE")
    )
    assert [g["GroupName"] for g in stack.idp.list_groups(UserPoolId=pool)["Groups"]] == ["members"]
    resources = account.cfn.describe_stack_resources(StackName=stack.name)["StackResources"]
    assert {r["LogicalResourceId"] for r in resources} == {"Role", "Function", "Echo", "Pool", "Group"}


def test_an_update_without_rollback_stops_failed_and_can_be_updated_again(stack: Stack) -> None:
    account = stack.account
    account.cfn.update_stack(
        StackName=stack.name, UsePreviousTemplate=True, Capabilities=["CAPABILITY_IAM"], DisableRollback=True,
        Parameters=[{"ParameterKey": "Fail", "ParameterValue": "yes"}],
    )  # fmt: skip
    assert stack.wait() == "UPDATE_FAILED"

    account.cfn.update_stack(StackName=stack.name, UsePreviousTemplate=True, Capabilities=["CAPABILITY_IAM"],
                             Parameters=[{"ParameterKey": "Value", "ParameterValue": "d"}])  # fmt: skip

    assert stack.wait() == "UPDATE_COMPLETE"
    assert {o["OutputKey"]: o["OutputValue"] for o in account.stack(stack.name)["Outputs"]}["Echo"] == "d"


def test_updates_cloudformation_cannot_make_are_refused_before_anything_changes(stack: Stack) -> None:
    account = stack.account
    retyped = json.loads(json.dumps(TEMPLATE))
    retyped["Resources"]["Group"] = {"Type": "AWS::S3::Bucket"}

    body = json.dumps(retyped)
    assert refused(
        account.cfn.update_stack, StackName=stack.name, TemplateBody=body, Capabilities=["CAPABILITY_IAM"]
    ) == ("ValidationError", "Update of resource type is not permitted. The new template modifies resource type of "
                             "the following resources: [Group]")  # fmt: skip
    assert refused(
        account.cfn.update_stack, StackName=stack.name, UsePreviousTemplate=True, Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": "Colour", "UsePreviousValue": True}],
    ) == ("ValidationError", "Invalid input for parameter key Colour. Cannot specify usePreviousValue as true for "
                             "non-existing parameter")  # fmt: skip
    assert refused(account.cfn.update_stack, StackName="nowhere", UsePreviousTemplate=True) == (
        "ValidationError", "Stack with id nowhere does not exist",
    )  # fmt: skip
    assert account.stack(stack.name)["StackStatus"] == "CREATE_COMPLETE"
