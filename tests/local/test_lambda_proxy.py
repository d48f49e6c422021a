"""The local cloud runs Lambda proxy integrations as API Gateway does: GET /me of the template, behind AWS_IAM,
reached only by a caller whose role may invoke it and only with the function's permission; the event built from
the signature's credentials; path parameters and {proxy+}; a raising handler, a malformed answer and a timeout
answered with API Gateway's status and message."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from requests_aws4auth import AWS4Auth
from support.hostile import Hostile
from support.local_cloud import admin, deployed

from groupgate.local.cloud import LocalCloud

REGION = "us-east-1"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    with deployed(tmp_path_factory.mktemp("proxy")) as (found, outputs):
        yield Hostile(found, outputs, None, admin(outputs), admin(outputs, "cognito-identity"))  # type: ignore[arg-type]


def me_url(cloud: Hostile) -> str:
    return cloud.outputs["ApiUrl"].rstrip("/") + "/me"


def invocations(cloud: Hostile) -> int:
    function = next(f for f in cloud.cloud.lambdas.functions.values() if f.handler.startswith("me."))
    log = cloud.cloud.state_dir / "logs" / f"{function.name}.log"
    return log.read_text().count("START RequestId") if log.exists() else 0


def signed(credentials: dict[str, str]) -> AWS4Auth:
    return AWS4Auth(credentials["AccessKeyId"], credentials["SecretKey"], REGION, "execute-api",
                    session_token=credentials["SessionToken"])  # fmt: skip


def member_credentials(cloud: Hostile, stem: str) -> tuple[dict[str, str], str, dict[str, Any]]:
    name = cloud.member(stem)
    tokens = cloud.tokens(name)
    identity = cloud.identity_id(tokens["IdToken"])
    found = cloud.identity.get_credentials_for_identity(IdentityId=identity, Logins={cloud.provider: tokens["IdToken"]})
    claims = json.loads(_b64(tokens["IdToken"].split(".")[1]))
    return found["Credentials"], identity, claims


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def role_credentials(cloud: LocalCloud, role_arn: str) -> dict[str, str]:
    """Credentials of a role that is not the group's (the identity pool's default authenticated role, say)."""
    issued = cloud.credentials.issue(role_arn, "AROAOTHERROLE")
    return {"AccessKeyId": issued.access_key_id, "SecretKey": issued.secret_access_key,
            "SessionToken": issued.session_token}  # fmt: skip


def test_a_members_get_me_reaches_the_function_with_its_identity(cloud: Hostile) -> None:
    credentials, identity, claims = member_credentials(cloud, "mia")
    before = invocations(cloud)
    answer = requests.get(me_url(cloud), auth=signed(credentials), headers={"cognito-identity-id": "forged"},
                          timeout=30)  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["identityId"] == identity
    assert body["identityPoolId"] == cloud.outputs["IdentityPoolId"]
    assert (body["userPoolId"], body["sub"]) == (cloud.outputs["UserPoolId"], claims["sub"])
    assert body["userArn"].endswith("/CognitoIdentityCredentials")
    assert answer.headers["Access-Control-Allow-Origin"] == cloud.outputs.get("AllowedOrigin", "http://localhost:5173")
    assert invocations(cloud) == before + 1


def test_callers_the_api_refuses_never_reach_the_function(cloud: Hostile) -> None:
    before = invocations(cloud)
    unsigned = requests.get(me_url(cloud), timeout=10)
    assert (unsigned.status_code, unsigned.json()) == (403, {"message": "Missing Authentication Token"})
    iam = admin(cloud.outputs, "iam")
    others = [r["Arn"] for r in iam.list_roles()["Roles"] if "AuthenticatedRole" in r["RoleName"]]
    assert others
    outsider = requests.get(me_url(cloud), auth=signed(role_credentials(cloud.cloud, others[0])), timeout=10)
    assert outsider.status_code == 403
    assert "is not authorized to perform: execute-api:Invoke" in outsider.json()["Message"]
    assert invocations(cloud) == before


def test_without_the_functions_permission_api_gateway_answers_internal_server_error(cloud: Hostile) -> None:
    credentials, _, _ = member_credentials(cloud, "nia")
    saved = list(cloud.cloud.lambdas.permissions)
    cloud.cloud.lambdas.permissions[:] = [p for p in saved if p.principal != "apigateway.amazonaws.com"]
    try:
        answer = requests.get(me_url(cloud), auth=signed(credentials), timeout=30)
    finally:
        cloud.cloud.lambdas.permissions[:] = saved
    assert (answer.status_code, answer.json()) == (500, {"message": "Internal server error"})
    assert answer.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


ROUTES = """\
import json, time


def handler(event, context):
    path = event["path"]
    if path == "/bad":
        return "not a proxy answer"
    if path == "/raise":
        raise RuntimeError("boom")
    if path == "/slow":
        time.sleep(3)
    return {"statusCode": 201, "headers": {"X-Seen": event["resource"]},
            "body": json.dumps({"pathParameters": event["pathParameters"], "query": event["queryStringParameters"],
                                "stage": event["requestContext"]["stage"], "method": event["httpMethod"]})}
"""


def routes_template() -> dict[str, Any]:
    uri = {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Routes.Arn}/invocations"}

    def route(timeout: int | None = None) -> dict[str, Any]:
        integration: dict[str, Any] = {"type": "aws_proxy", "httpMethod": "POST", "uri": uri}
        if timeout:
            integration["timeoutInMillis"] = timeout
        return {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": integration}}

    paths = {"/items/{id}": route(), "/files/{proxy+}": route(), "/bad": route(), "/raise": route(),
             "/slow": route(timeout=1000)}  # fmt: skip
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    role = {"Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [trust]}}}  # fmt: skip
    return {
        "Resources": {
            "Role": role,
            "Routes": {"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": "python3.13", "Handler": "index.handler", "Timeout": 10,
                "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Code": {"ZipFile": ROUTES}}},
            "Permission": {"Type": "AWS::Lambda::Permission", "Properties": {
                "Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": ["Routes", "Arn"]},
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/*/*"}}},
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
                "Name": "routes", "Body": {"swagger": "2.0", "info": {"title": "routes"}, "paths": paths}}},
            "Deployment": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}},
            "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
                "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Deployment"}, "StageName": "v1"}},
        }
    }  # fmt: skip


@pytest.fixture(scope="module")
def routes(cloud: Hostile) -> str:
    cfn = admin(cloud.outputs, "cloudformation")
    cfn.create_stack(StackName="routes", TemplateBody=json.dumps(routes_template()), Capabilities=["CAPABILITY_IAM"])
    for _ in range(300):
        status = cfn.describe_stacks(StackName="routes")["Stacks"][0]["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            break
        time.sleep(0.1)
    assert status == "CREATE_COMPLETE", cfn.describe_stack_events(StackName="routes")["StackEvents"][:4]
    api = cfn.describe_stack_resource(StackName="routes", LogicalResourceId="Api")["StackResourceDetail"]
    return f"{cloud.outputs['Endpoint']}/restapis/{api['PhysicalResourceId']}/v1/_user_request_"


def test_path_parameters_and_proxy_routes_reach_the_function(routes: str) -> None:
    item = requests.post(f"{routes}/items/42?colour=red&colour=blue", timeout=30)
    assert item.status_code == 201, item.text
    assert item.headers["X-Seen"] == "/items/{id}"
    assert item.json() == {"pathParameters": {"id": "42"}, "query": {"colour": "blue"}, "stage": "v1",
                           "method": "POST"}  # fmt: skip
    files = requests.get(f"{routes}/files/a/b/c.txt", timeout=30)
    assert files.json()["pathParameters"] == {"proxy": "a/b/c.txt"}


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/bad", 502, {"message": "Internal server error"}),
        ("/raise", 502, {"message": "Internal server error"}),
        ("/slow", 504, {"message": "Endpoint request timed out"}),
    ],
)
def test_a_function_that_fails_is_answered_as_api_gateway_answers(routes: str, path: str, status: int,
                                                                   body: dict[str, str]) -> None:  # fmt: skip
    answer = requests.get(f"{routes}{path}", timeout=30)
    assert (answer.status_code, answer.json()) == (status, body)


def test_no_path_left_unrouted(routes: str) -> None:
    assert requests.get(f"{routes}/nowhere", timeout=10).json() == {"message": "Missing Authentication Token"}
