"""The local cloud's CloudFormation API through boto3, as any client calls it, with small templates; each
answer is CloudFormation's (shared/AWS-SEMANTICS.md section 8: statuses, events newest first, the messages
clients match). The full template, through the real SAM CLI, is tests/e2e/test_sam_cli.py's."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
import requests
from botocore.exceptions import WaiterError
from support.cloudformation import Account, refused

ROLE: dict[str, Any] = {
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
            },
        },
        "Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
    },
    "Parameters": {"Colour": {"Type": "String", "Default": "blue", "AllowedValues": ["blue", "green"]}},
    "Outputs": {
        "RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}, "Description": "the role"},
        "Colour": {"Value": {"Ref": "Colour"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-colour"}}},
    },
}
FAILING = {
    "Resources": {
        "Role": ROLE["Resources"]["Role"],
        "Group": {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {"UserPoolId": "us-east-1_doesnotexist", "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}},
        },
    }
}
MOCK_API = """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: mock
      Body:
        openapi: "3.0.1"
        info: {title: mock, version: "1"}
        paths:
          /:
            get:
              responses: {"200": {description: ok}}
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses:
                  default:
                    statusCode: "200"
                    responseParameters: {method.response.header.Access-Control-Allow-Origin: "'http://example.test'"}
                    responseTemplates: {application/json: '{"message": "mocked"}'}
  Deployment: {Type: AWS::ApiGateway::Deployment, Properties: {RestApiId: !Ref Api}}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: v1}
Outputs:
  Url: {Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/v1/"}
  ApiId: {Value: !Ref Api}
"""
SAM_FUNCTION = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "Function": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Runtime": "python3.13", "Handler": "app.handler", "CodeUri": "s3://code/app.zip"},
        }
    },
}


# ---------------------------------------------------------------- create, describe, delete
def test_a_created_stack_is_described_as_cloudformation_describes_it(account: Account) -> None:
    stack_id = account.create("roles", ROLE, Parameters=[{"ParameterKey": "Colour", "ParameterValue": "green"}],
                              Tags=[{"Key": "team", "Value": "gate"}])  # fmt: skip
    account.wait("stack_create_complete", StackName="roles")

    stack = account.stack("roles")
    outputs = {o["OutputKey"]: o for o in stack["Outputs"]}
    role = account.iam.get_role(RoleName=account.cfn.describe_stack_resource(
        StackName="roles", LogicalResourceId="Role")["StackResourceDetail"]["PhysicalResourceId"])["Role"]  # fmt: skip

    assert (stack["StackId"], stack["StackStatus"]) == (stack_id, "CREATE_COMPLETE")
    assert stack_id.startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/roles/")
    assert stack["Parameters"] == [{"ParameterKey": "Colour", "ParameterValue": "green"}]
    assert stack["Tags"] == [{"Key": "team", "Value": "gate"}]
    assert stack["Capabilities"] == ["CAPABILITY_IAM"]
    assert outputs["RoleArn"]["OutputValue"] == role["Arn"]
    assert outputs["Colour"] == {"OutputKey": "Colour", "OutputValue": "green", "ExportName": "roles-colour"}
    assert role["RoleName"].startswith("roles-Role-")


def test_events_are_listed_newest_first_one_per_state_change(account: Account) -> None:
    events = account.events("roles")

    root = [e for e in events if e["ResourceType"] == "AWS::CloudFormation::Stack"]
    role = [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == "Role"]
    times = [e["Timestamp"] for e in events]
    assert [(e["ResourceStatus"], e.get("ResourceStatusReason")) for e in root] == [
        ("CREATE_COMPLETE", None), ("CREATE_IN_PROGRESS", "User Initiated"),
    ]  # fmt: skip
    assert root[0]["PhysicalResourceId"] == root[0]["StackId"]
    assert root[0]["LogicalResourceId"] == "roles"
    assert role == ["CREATE_COMPLETE", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"]
    assert times == sorted(times, reverse=True)
    assert len(set(times)) == len(times)


def test_the_stacks_resources_are_listed(account: Account) -> None:
    summaries = account.cfn.list_stack_resources(StackName="roles")["StackResourceSummaries"]
    described = account.cfn.describe_stack_resources(StackName="roles")["StackResources"]

    assert {(s["LogicalResourceId"], s["ResourceType"], s["ResourceStatus"]) for s in summaries} == {
        ("Role", "AWS::IAM::Role", "CREATE_COMPLETE"), ("Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE"),
    }  # fmt: skip
    assert {d["PhysicalResourceId"] for d in described} == {s["PhysicalResourceId"] for s in summaries}


def test_a_deleted_stack_is_gone_by_name_and_found_by_id_and_retain_keeps_its_resource(account: Account) -> None:
    stack_id = account.create("doomed", ROLE)
    account.wait("stack_create_complete", StackName="doomed")
    bucket = account.cfn.describe_stack_resource(StackName="doomed", LogicalResourceId="Bucket")
    bucket_name = bucket["StackResourceDetail"]["PhysicalResourceId"]

    account.cfn.delete_stack(StackName="doomed")
    account.wait("stack_delete_complete", StackName=stack_id)

    assert refused(account.cfn.describe_stacks, StackName="doomed") == (
        "ValidationError", "Stack with id doomed does not exist",
    )  # fmt: skip
    assert account.stack(stack_id)["StackStatus"] == "DELETE_COMPLETE"
    statuses = {(e["LogicalResourceId"], e["ResourceStatus"]) for e in account.events(stack_id)}
    assert {("Role", "DELETE_COMPLETE"), ("Bucket", "DELETE_SKIPPED"), ("doomed", "DELETE_COMPLETE")} <= statuses
    assert account.s3.head_bucket(Bucket=bucket_name)  # DeletionPolicy: Retain
    listed = account.cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert stack_id in {s["StackId"] for s in listed}
    account.cfn.delete_stack(StackName="doomed")  # a stack that does not exist: nothing to do, and no error


# ---------------------------------------------------------------- refusals
def test_a_template_with_iam_resources_needs_the_capability(account: Account) -> None:
    named = json.loads(json.dumps(ROLE))
    named["Resources"]["Role"]["Properties"]["RoleName"] = "fixed-name"

    plain = refused(account.cfn.create_stack, StackName="nocap", TemplateBody=json.dumps(ROLE))
    with_name = refused(account.cfn.create_stack, StackName="nocap", TemplateBody=json.dumps(named),
                        Capabilities=["CAPABILITY_IAM"])  # fmt: skip

    assert plain == ("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]")
    assert with_name == ("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_NAMED_IAM]")
    assert refused(account.cfn.describe_stacks, StackName="nocap")[0] == "ValidationError"


def test_a_stack_name_in_use_is_refused(account: Account) -> None:
    again = refused(account.cfn.create_stack, StackName="roles", TemplateBody=json.dumps(ROLE),
                    Capabilities=["CAPABILITY_IAM"])  # fmt: skip

    assert again == ("AlreadyExistsException", "Stack [roles] already exists")


def test_a_bad_parameter_or_template_is_refused_before_anything_is_created(account: Account) -> None:
    bad_value = refused(account.cfn.create_stack, StackName="bad", TemplateBody=json.dumps(ROLE),
                        Parameters=[{"ParameterKey": "Colour", "ParameterValue": "red"}],
                        Capabilities=["CAPABILITY_IAM"])  # fmt: skip
    no_resources = refused(account.cfn.validate_template, TemplateBody='{"Outputs": {}}')
    unknown_type = refused(account.cfn.create_stack, StackName="bad",
                           TemplateBody='{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')  # fmt: skip

    assert bad_value == ("ValidationError", "Parameter 'Colour' must be one of AllowedValues")
    assert no_resources == ("ValidationError", "Template format error: At least one Resources member must be defined.")
    assert unknown_type[0] == "ValidationError"
    assert "cannot create AWS::SQS::Queue" in unknown_type[1]


# ---------------------------------------------------------------- failure and rollback
def test_a_failed_create_rolls_back_and_leaves_nothing(account: Account) -> None:
    stack_id = account.create("broken", FAILING)
    with pytest.raises(WaiterError):
        account.wait("stack_create_complete", StackName="broken")

    stack = account.stack("broken")
    events = account.events("broken")
    failed = next(e for e in events if e["ResourceStatus"] == "CREATE_FAILED")
    rollback = next(e for e in events if e["ResourceStatus"] == "ROLLBACK_IN_PROGRESS")
    role = next(e for e in events if e["LogicalResourceId"] == "Role" and e["ResourceStatus"] == "CREATE_COMPLETE")

    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert failed["LogicalResourceId"] == "Group"
    assert "ResourceNotFoundException" in failed["ResourceStatusReason"]
    assert rollback["ResourceStatusReason"] == (
        "The following resource(s) failed to create: [Group]. Rollback requested by user."
    )
    assert refused(account.iam.get_role, RoleName=role["PhysicalResourceId"])[0] == "NoSuchEntity"
    assert refused(account.cfn.create_change_set, StackName="broken", ChangeSetName="again",
                   TemplateBody=json.dumps(ROLE), ChangeSetType="UPDATE") == (
        "ValidationError", f"Stack:{stack_id} is in ROLLBACK_COMPLETE state and can not be updated.",
    )  # fmt: skip
    account.cfn.delete_stack(StackName="broken")
    account.wait("stack_delete_complete", StackName=stack_id)


def test_disabled_rollback_keeps_what_was_created(account: Account) -> None:
    account.create("kept", FAILING, DisableRollback=True)
    with pytest.raises(WaiterError):
        account.wait("stack_create_complete", StackName="kept")

    stack = account.stack("kept")
    role = account.cfn.describe_stack_resource(StackName="kept", LogicalResourceId="Role")["StackResourceDetail"]

    assert stack["StackStatus"] == "CREATE_FAILED"
    assert account.iam.get_role(RoleName=role["PhysicalResourceId"])["Role"]
    account.cfn.delete_stack(StackName="kept")
    account.wait("stack_delete_complete", StackName=stack["StackId"])
    assert refused(account.iam.get_role, RoleName=role["PhysicalResourceId"])[0] == "NoSuchEntity"


# ---------------------------------------------------------------- change sets and templates
def test_a_change_set_creates_a_stack_in_review_then_executes(account: Account) -> None:
    created = account.cfn.create_change_set(StackName="reviewed", ChangeSetName="first", ChangeSetType="CREATE",
                                            TemplateBody=json.dumps(ROLE), Capabilities=["CAPABILITY_IAM"])  # fmt: skip
    account.wait("change_set_create_complete", StackName="reviewed", ChangeSetName="first")
    described = account.cfn.describe_change_set(StackName="reviewed", ChangeSetName="first")
    review = account.stack("reviewed")["StackStatus"]
    listed = account.cfn.list_change_sets(StackName="reviewed")["Summaries"]

    account.cfn.execute_change_set(StackName="reviewed", ChangeSetName=created["Id"])
    account.wait("stack_create_complete", StackName="reviewed")

    changes = {(c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"]) for c in described["Changes"]}
    assert (described["Status"], described["ExecutionStatus"]) == ("CREATE_COMPLETE", "AVAILABLE")
    assert changes == {("Add", "Role"), ("Add", "Bucket")}
    assert review == "REVIEW_IN_PROGRESS"
    assert [s["ChangeSetName"] for s in listed] == ["first"]
    assert account.stack("reviewed")["ChangeSetId"] == created["Id"]
    again = refused(account.cfn.execute_change_set, StackName="reviewed", ChangeSetName="first")
    assert again[0] == "InvalidChangeSetStatusException"
    assert "EXECUTE_COMPLETE" in again[1]


def test_the_sam_transform_is_expanded_by_cloudformation_and_both_templates_are_kept(account: Account) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("app.py", "def handler(event, context):\n    return event\n")
    account.s3.create_bucket(Bucket="code")
    account.s3.put_object(Bucket="code", Key="app.zip", Body=archive.getvalue())
    body = json.dumps(SAM_FUNCTION)

    needs_expand = refused(
        account.cfn.create_stack, StackName="sam", TemplateBody=body, Capabilities=["CAPABILITY_IAM"]
    )
    account.cfn.create_change_set(StackName="sam", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body,
                                  Capabilities=["CAPABILITY_IAM"])  # fmt: skip
    account.cfn.execute_change_set(StackName="sam", ChangeSetName="c")
    account.wait("stack_create_complete", StackName="sam")
    original = account.cfn.get_template(StackName="sam")["TemplateBody"]
    processed = account.cfn.get_template(StackName="sam", TemplateStage="Processed")["TemplateBody"]

    assert needs_expand == ("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_AUTO_EXPAND]")
    assert original == SAM_FUNCTION
    assert processed["Resources"]["Function"]["Type"] == "AWS::Lambda::Function"
    assert processed["Resources"]["FunctionRole"]["Type"] == "AWS::IAM::Role"


def test_a_template_url_is_read_from_the_local_s3(account: Account) -> None:
    account.s3.create_bucket(Bucket="templates")
    account.s3.put_object(Bucket="templates", Key="roles.json", Body=json.dumps(ROLE).encode())
    url = f"{account.outputs['Endpoint']}/templates/roles.json"  # path style, as the SAM CLI makes it

    account.cfn.create_stack(StackName="fromurl", TemplateURL=url, Capabilities=["CAPABILITY_IAM"])
    account.wait("stack_create_complete", StackName="fromurl")

    assert account.cfn.get_template(StackName="fromurl")["TemplateBody"] == ROLE


def test_validate_template_and_the_summary_describe_the_parameters(account: Account) -> None:
    validated = account.cfn.validate_template(TemplateBody=json.dumps(ROLE))
    summary = account.cfn.get_template_summary(StackName="roles")

    assert validated["Parameters"] == [{"ParameterKey": "Colour", "DefaultValue": "blue", "NoEcho": False}]
    assert validated["Capabilities"] == ["CAPABILITY_IAM"]
    assert summary["ResourceTypes"] == ["AWS::IAM::Role", "AWS::S3::Bucket"]
    assert summary["Parameters"][0]["ParameterConstraints"] == {"AllowedValues": ["blue", "green"]}


def test_stacks_live_side_by_side(account: Account) -> None:
    account.create("twin-a", ROLE)
    account.create("twin-b", ROLE)
    account.wait("stack_create_complete", StackName="twin-a")
    account.wait("stack_create_complete", StackName="twin-b")

    names = {s["StackName"] for s in account.cfn.describe_stacks()["Stacks"]}
    roles = {account.cfn.describe_stack_resource(StackName=n, LogicalResourceId="Role")["StackResourceDetail"][
        "PhysicalResourceId"] for n in ("twin-a", "twin-b")}  # fmt: skip

    assert {"twin-a", "twin-b"} <= names
    assert len(roles) == 2


# ---------------------------------------------------------------- an API's URLs
def test_an_api_answers_at_its_own_url_and_by_its_id_on_the_endpoint_until_deleted(account: Account) -> None:
    origin = {"Origin": "http://example.test", "Access-Control-Request-Method": "POST"}
    before = requests.options(account.outputs["Endpoint"], headers=origin, timeout=10)
    stack_id = account.create("mock", MOCK_API)
    account.wait("stack_create_complete", StackName="mock")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in account.stack("mock")["Outputs"]}
    by_id = f"{account.outputs['Endpoint']}/restapis/{outputs['ApiId']}/v1/_user_request_/"

    direct = requests.get(outputs["Url"], timeout=10)
    through_endpoint = requests.get(by_id, timeout=10)
    preflight = requests.options(account.outputs["Endpoint"], headers=origin, timeout=10)
    account.cfn.delete_stack(StackName="mock")
    account.wait("stack_delete_complete", StackName=stack_id)

    assert outputs["Url"].startswith("http://127.0.0.1:")
    assert outputs["Url"].endswith("/v1/")
    assert direct.json() == through_endpoint.json() == {"message": "mocked"}
    assert "Access-Control-Allow-Origin" not in before.headers
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://example.test"
    with pytest.raises(requests.ConnectionError):
        requests.get(outputs["Url"], timeout=10)
    gone = requests.get(by_id, timeout=10)
    assert (gone.status_code, gone.json()) == (403, {"message": "Forbidden"})
