"""Plain CloudFormation, as the article writes it: an API built from AWS::ApiGateway::Resource and Method resources
(answering exactly as the same API built from an OpenAPI body), exports and Fn::ImportValue between stacks with
CloudFormation's refusals, and Lambda's runtimes (a retired one refused with Lambda's message, one AWS runs but
the local cloud does not refused as the local cloud's limit)."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from support.cloudformation import Account, refused
from support.events import ROOT
from support.local_cloud import admin

CLASSIC = (ROOT / "examples" / "article" / "SandboxApiGateway.yaml").read_text()
MOCK = {
    "type": "mock",
    "httpMethod": "GET",
    "passthroughBehavior": "when_no_match",
    "requestTemplates": {"application/json": '{\n  "statusCode": 200\n}\n'},
    "responses": {
        "default": {
            "statusCode": "200",
            "responseParameters": {"method.response.header.Content-Type": "'application/json'"},
            "responseTemplates": {"application/json": '{\n  "message": "hello!"\n}\n'},
        }
    },
}
BODY = {
    "Resources": {
        "RestAPI": {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {
                "Name": "body-built",
                "Body": {
                    "swagger": "2.0",
                    "info": {"title": "body-built"},
                    "paths": {
                        "/": {
                            "get": {
                                "x-amazon-apigateway-auth": {"type": "aws_iam"},
                                "responses": {"200": {"description": "200", "headers": {"Content-Type": {}}}},
                                "x-amazon-apigateway-integration": MOCK,
                            }
                        }
                    },
                },
            },
        },
        "ApiDeployment": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "RestAPI"}}},
        "ApiStage01": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": "RestAPI"},
                "DeploymentId": {"Ref": "ApiDeployment"},
                "StageName": "stage1",
            },
        },
    }
}


def answers(account: Account, api_id: str) -> list[tuple[int, str, str | None]]:
    base = f"{account.outputs['Endpoint']}/restapis/{api_id}/stage1/_user_request_"
    # Signed now, with a key the cloud never issued: refused for the key, whenever it is sent (a fixed old date
    # would be refused for the date, in a message that names the second it was checked).
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    scope = f"Credential=AKIANEVERISSUED0000/{stamp[:8]}/us-east-1/execute-api/aws4_request, SignedHeaders=host"
    forged = {"Authorization": f"AWS4-HMAC-SHA256 {scope}, Signature={'0' * 64}", "X-Amz-Date": stamp}
    found = []
    for method, path, headers in (("GET", "/", {}), ("GET", "/nowhere", {}), ("POST", "/", {}), ("GET", "/", forged)):
        answer = requests.request(method, base + path, headers=headers, timeout=10)
        found.append((answer.status_code, answer.text, answer.headers.get("Content-Type")))
    return found


def test_an_api_built_from_methods_answers_as_the_same_api_built_from_a_body(account: Account) -> None:
    account.create("classic-api", CLASSIC)
    account.create("body-api", BODY)
    account.wait("stack_create_complete", StackName="classic-api")
    account.wait("stack_create_complete", StackName="body-api")
    classic, body = account.physical_id("classic-api", "RestAPI"), account.physical_id("body-api", "RestAPI")
    assert answers(account, classic) == answers(account, body)
    seen = answers(account, classic)
    assert seen[0][:2] == (403, '{"message":"Missing Authentication Token"}')
    assert seen[3][0] == 403
    assert "security token included in the request is invalid" in seen[3][1]
    apigateway = admin(account.outputs, "apigateway")
    resources = apigateway.get_resources(restApiId=classic)["items"]
    assert [(r["path"], sorted(r.get("resourceMethods", {}))) for r in resources] == [("/", ["GET"])]


def test_a_resource_under_the_root_serves_its_path(account: Account) -> None:
    template: dict[str, Any] = copy.deepcopy(BODY)
    del template["Resources"]["RestAPI"]["Properties"]["Body"]
    template["Resources"]["Hello"] = {
        "Type": "AWS::ApiGateway::Resource",
        "Properties": {
            "RestApiId": {"Ref": "RestAPI"},
            "ParentId": {"Fn::GetAtt": ["RestAPI", "RootResourceId"]},
            "PathPart": "hello",
        },
    }
    template["Resources"]["HelloGet"] = {
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "RestApiId": {"Ref": "RestAPI"}, "ResourceId": {"Ref": "Hello"}, "HttpMethod": "GET",
            "AuthorizationType": "NONE",
            "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                            "IntegrationResponses": [{"StatusCode": 200,
                                                      "ResponseTemplates": {"application/json": '{"at": "hello"}'}}]},
            "MethodResponses": [{"StatusCode": 200}],
        },
    }  # fmt: skip
    template["Resources"]["ApiDeployment"]["DependsOn"] = ["HelloGet"]
    account.create("resource-api", template)
    account.wait("stack_create_complete", StackName="resource-api")
    api_id = account.physical_id("resource-api", "RestAPI")
    base = f"{account.outputs['Endpoint']}/restapis/{api_id}/stage1/_user_request_"
    assert requests.get(f"{base}/hello", timeout=10).json() == {"at": "hello"}
    assert requests.get(f"{base}/", timeout=10).json() == {"message": "Missing Authentication Token"}


def exporter(value: Any) -> dict[str, Any]:
    return {
        "Resources": {"Group": {"Type": "AWS::Logs::LogGroup"}},
        "Outputs": {"Shared": {"Value": value, "Export": {"Name": "shared-group"}}},
    }


IMPORTER = {
    "Resources": {
        "Copy": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": {"Fn::Join": ["-", [{"Fn::ImportValue": "shared-group"}, "copy"]]}},
        }
    }
}


def reasons(account: Account, stack: str) -> list[str]:
    return [str(event.get("ResourceStatusReason", "")) for event in account.events(stack)]


def test_exports_are_the_accounts_and_refused_as_cloudformation_refuses_them(account: Account) -> None:
    # Importing a name nobody exports fails the stack.
    account.create("importer-early", IMPORTER)
    assert account.settle("importer-early") == "ROLLBACK_COMPLETE"
    assert any("No export named shared-group found." in reason for reason in reasons(account, "importer-early"))

    exporting = account.create("exporter", exporter({"Ref": "Group"}))
    account.wait("stack_create_complete", StackName="exporter")
    group = account.physical_id("exporter", "Group")
    assert [e for e in account.cfn.list_exports()["Exports"] if e["Name"] == "shared-group"] == [
        {"ExportingStackId": exporting, "Name": "shared-group", "Value": group}
    ]
    assert refused(account.cfn.list_imports, ExportName="shared-group") == (
        "ValidationError", "Export 'shared-group' is not imported by any stack."
    )  # fmt: skip

    # The same name from another stack: refused, and that stack rolls back.
    account.create("exporter-twice", exporter("another value"))
    assert account.settle("exporter-twice") == "ROLLBACK_COMPLETE"
    assert any(
        "Export with name shared-group is already exported by stack exporter" in reason
        for reason in reasons(account, "exporter-twice")
    )

    account.create("importer", IMPORTER)
    account.wait("stack_create_complete", StackName="importer")
    assert account.physical_id("importer", "Copy") == f"{group}-copy"
    assert account.cfn.list_imports(ExportName="shared-group")["Imports"] == ["importer"]

    # An export in use can neither change nor go.
    account.cfn.update_stack(StackName="exporter", TemplateBody=_json(exporter({"Fn::Sub": "${Group}-v2"})))
    account.settle("exporter")
    assert account.stack("exporter")["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert any(
        "Export shared-group cannot be updated as it is in use by importer" in reason
        for reason in reasons(account, "exporter")
    )
    account.cfn.delete_stack(StackName="exporter")
    account.settle("exporter")
    assert account.stack("exporter")["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert reasons(account, "exporter")[0] == (
        "Delete canceled. Cannot delete export shared-group as it is in use by importer."
    )

    # Once nothing imports it, the exporting stack deletes, and the name is free.
    account.cfn.delete_stack(StackName="importer")
    account.wait("stack_delete_complete", StackName="importer")
    account.cfn.delete_stack(StackName="exporter")
    account.wait("stack_delete_complete", StackName=exporting)
    assert [e for e in account.cfn.list_exports()["Exports"] if e["Name"] == "shared-group"] == []


def _json(template: dict[str, Any]) -> str:
    return json.dumps(template)


def function(runtime: str) -> dict[str, Any]:
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
    }  # fmt: skip
    return {
        "Resources": {
            "Role": role,
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": runtime,
                    "Handler": "index.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"ZipFile": "def handler(event, context):\n    return event\n"},
                },
            },
        }
    }


@pytest.mark.parametrize(
    ("runtime", "said"),
    [
        ("nodejs6.10", "The runtime parameter of nodejs6.10 is no longer supported for creating or updating AWS "
                       "Lambda functions. We recommend you use the new runtime (nodejs22.x) while creating or "
                       "updating functions."),
        ("python2.7", "The runtime parameter of python2.7 is no longer supported"),
        ("nodejs22.x", "runtime nodejs22.x: the local cloud runs Python runtimes only (AWS Lambda runs nodejs22.x)"),
    ],
)  # fmt: skip
def test_runtimes_lambda_or_the_local_cloud_cannot_run_fail_the_stack(
    account: Account, runtime: str, said: str
) -> None:
    name = f"runtime-{runtime.replace('.', '-')}"
    account.create(name, function(runtime))
    assert account.settle(name) == "ROLLBACK_COMPLETE"
    assert any(said in reason for reason in reasons(account, name)), reasons(account, name)


def test_an_inline_python_function_is_index_py_and_runs(account: Account) -> None:
    account.create("inline", function("python3.13"))
    account.wait("stack_create_complete", StackName="inline")
    lambdas = admin(account.outputs, "lambda")
    name = account.physical_id("inline", "Function")
    assert lambdas.invoke(FunctionName=name, Payload=b'{"said": "hi"}')["Payload"].read() == b'{"said": "hi"}'
    with pytest.raises(ClientError) as raised:
        lambdas.update_function_configuration(FunctionName=name, Runtime="nodejs6.10")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "The runtime parameter of nodejs6.10 is no longer supported" in raised.value.response["Error"]["Message"]
