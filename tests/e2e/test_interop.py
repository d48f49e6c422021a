"""`make local` as a person runs it, and the field's own clients against it: the AWS CLI and awscurl.

The local cloud runs as a real process (`groupgate local start`); the article's own path is played
with the AWS CLI (admin-initiate-auth, get-id, get-credentials-for-identity, sts get-caller-identity)
and the signed call made with awscurl, each from the venv the project makes for it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from support.events import ROOT
from support.local_cloud import BUILD_DIR
from support.tools import tool

from groupgate.local.process import Running, start

PASSWORD = "Correct-Horse-9-battery"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    state = tmp_path_factory.mktemp("make-local")
    (state / "build").symlink_to(BUILD_DIR)  # reuse the built layer and runtime
    running = start(state, cwd=ROOT, ready_within=120)
    yield running
    running.stop()


def _environment(local: Running, credentials: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(local.state),
        "AWS_DEFAULT_REGION": local.outputs["Region"],
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_ENDPOINT_URL": local.outputs["Endpoint"],
        **(credentials or {}),
    }


def aws(local: Running, *argv: str, credentials: dict[str, str] | None = None) -> Any:
    done = subprocess.run(
        [str(tool("awscli", "aws")), *argv, "--output", "json"], env=_environment(local, credentials),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def aws_refused(local: Running, *argv: str) -> str:
    """What the AWS CLI printed when the call was refused, as it should be."""
    done = subprocess.run(
        [str(tool("awscli", "aws")), *argv], env=_environment(local), capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode != 0, done.stdout
    return done.stderr


def test_outputs_name_one_endpoint_and_the_local_api(local: Running) -> None:
    outputs = local.outputs

    assert {"Endpoint", "Region", "AccountId", "ApiUrl", "UserPoolId", "UserPoolClientId", "IdentityPoolId"} <= set(
        outputs
    )
    assert outputs["Region"] == "us-east-1"
    assert urlsplit(outputs["ApiUrl"]).path == f"/{outputs['StageName']}/"
    assert urlsplit(outputs["Endpoint"]).hostname == urlsplit(outputs["ApiUrl"]).hostname == "127.0.0.1"


def test_the_articles_path_with_the_aws_cli_and_awscurl(local: Running) -> None:
    o = local.outputs
    pool, client = o["UserPoolId"], o["UserPoolClientId"]
    # the article: an admin-made user, its temporary password answered with a new one, put in the group
    aws(local, "cognito-idp", "admin-create-user", "--user-pool-id", pool, "--username", "exuser",
        "--temporary-password", "Temporary-Pass-1!", "--message-action", "SUPPRESS",
        "--user-attributes", "Name=email,Value=exuser@example.com")  # fmt: skip
    aws(local, "cognito-idp", "admin-add-user-to-group", "--user-pool-id", pool, "--username", "exuser",
        "--group-name", o["GroupName"])  # fmt: skip
    challenge = aws(local, "cognito-idp", "admin-initiate-auth", "--user-pool-id", pool, "--client-id", client,
                    "--auth-flow", "ADMIN_USER_PASSWORD_AUTH",
                    "--auth-parameters", "USERNAME=exuser,PASSWORD=Temporary-Pass-1!")  # fmt: skip
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    tokens = aws(local, "cognito-idp", "admin-respond-to-auth-challenge", "--user-pool-id", pool, "--client-id", client,
                 "--challenge-name", "NEW_PASSWORD_REQUIRED", "--session", challenge["Session"],
                 "--challenge-responses", f"USERNAME=exuser,NEW_PASSWORD={PASSWORD}")  # fmt: skip
    logins = json.dumps({f"cognito-idp.{o['Region']}.amazonaws.com/{pool}": tokens["AuthenticationResult"]["IdToken"]})
    identity = aws(local, "cognito-identity", "get-id", "--identity-pool-id", o["IdentityPoolId"], "--logins", logins)
    issued = aws(local, "cognito-identity", "get-credentials-for-identity", "--identity-id", identity["IdentityId"],
                 "--logins", logins)["Credentials"]  # fmt: skip
    keys = {
        "AWS_ACCESS_KEY_ID": issued["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": issued["SecretKey"],
        "AWS_SESSION_TOKEN": issued["SessionToken"],
    }

    caller = aws(local, "sts", "get-caller-identity", credentials=keys)
    called = subprocess.run(
        [str(tool("awscurl", "awscurl")), "--service", "execute-api", "--region", o["Region"], o["ApiUrl"]],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(local.state), **keys},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    role = o["GroupRoleArn"].rsplit("/", 1)[-1]
    assert caller["Arn"] == f"arn:aws:sts::{o['AccountId']}:assumed-role/{role}/CognitoIdentityCredentials"
    assert called.returncode == 0, called.stderr
    assert json.loads(called.stdout) == {"message": "hello!"}


def test_awscurl_with_another_secret_gets_the_signature_mismatch(local: Running) -> None:
    called = subprocess.run(
        [str(tool("awscurl", "awscurl")), "--service", "execute-api", "--region", local.outputs["Region"],
         "--access_key", "ASIAEXAMPLE", "--secret_key", "x", "--session_token", "y", local.outputs["ApiUrl"]],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(local.state)},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert json.loads(called.stdout) == {"message": "The security token included in the request is invalid."}


def test_the_aws_cli_sees_every_resource_through_its_own_service(local: Running) -> None:
    o = local.outputs
    functions = aws(local, "lambda", "list-functions")["Functions"]
    apis = aws(local, "apigateway", "get-rest-apis")["items"]
    stages = aws(local, "apigateway", "get-stages", "--rest-api-id", o["ApiId"])["item"]
    groups = [g["logGroupName"] for g in aws(local, "logs", "describe-log-groups")["logGroups"]]
    role_mapping = next(f for f in functions if "RoleMappingFunction" in f["FunctionName"])
    streams = aws(local, "logs", "describe-log-streams", "--log-group-name", role_mapping["LoggingConfig"]["LogGroup"])

    assert {f["FunctionName"].split("-")[1] for f in functions} == {
        "CloudWatchRoleFunction", "MeFunction", "PostConfirmationFunction", "RoleMappingFunction",
    }  # fmt: skip
    assert {f["Runtime"] for f in functions} == {"python3.13"}
    assert [(a["id"], a["name"]) for a in apis] == [(o["ApiId"], f"{o['StackName']}-api")]
    assert [s["stageName"] for s in stages] == [o["StageName"]]
    access_log = stages[0]["accessLogSettings"]["destinationArn"].split(":log-group:")[1]
    assert {access_log, role_mapping["LoggingConfig"]["LogGroup"]} <= set(groups)
    assert streams["logStreams"]  # its invocation by the deploy (the custom resource's Create) wrote a stream
    # the stack gave the new account API Gateway's CloudWatch Logs role, as `aws apigateway get-account` shows
    assert ":role/groupgate-ApiGatewayCloudWatchRole-" in aws(local, "apigateway", "get-account")["cloudwatchRoleArn"]


def test_an_operation_nobody_serves_gets_the_services_unknown_operation_answer(local: Running) -> None:
    refused = [
        aws_refused(local, "lambda", "create-alias", "--function-name", "f", "--name", "a", "--function-version", "1"),
        aws_refused(
            local,
            "logs",
            "get-log-anomaly-detector",
            "--anomaly-detector-arn",
            f"arn:aws:logs:us-east-1:{local.outputs['AccountId']}:anomaly-detector:x",
        ),
        aws_refused(
            local,
            "iam",
            "generate-service-last-accessed-details",
            "--arn",
            f"arn:aws:iam::{local.outputs['AccountId']}:role/x",
        ),
    ]

    assert [r.split("(", 1)[1].split(")", 1)[0] for r in refused] == [
        "UnknownOperationException", "UnknownOperationException", "InvalidAction",
    ]  # fmt: skip
    assert all("500" not in r and "InternalFailure" not in r for r in refused)


def test_the_endpoint_answers_the_front_ends_cors_preflight_and_no_other_pages(local: Running) -> None:
    answer = requests.options(
        local.outputs["Endpoint"],
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent"},
        timeout=10,
    )  # fmt: skip

    elsewhere = requests.options(
        local.outputs["Endpoint"],
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )

    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"  # the template's AllowedOrigin
    allowed = set(answer.headers["Access-Control-Allow-Headers"].split(","))
    assert {"content-type", "x-amz-target", "x-amz-user-agent"} <= allowed
    # any credentials work on the local control plane, so no other page may call it from a browser
    assert "Access-Control-Allow-Origin" not in elsewhere.headers


def test_ctrl_c_stops_it_and_leaves_nothing_listening(local: Running) -> None:
    endpoint = urlsplit(local.outputs["Endpoint"])
    api = urlsplit(local.outputs["ApiUrl"])

    local.process.send_signal(signal.SIGINT)
    code = local.process.wait(timeout=30)

    assert code == 0
    assert not (local.state / "outputs.json").exists()  # it named ports nothing listens on any more
    for url in (endpoint, api):
        with socket.socket() as probe:
            assert probe.connect_ex((str(url.hostname), int(url.port or 0))) != 0
