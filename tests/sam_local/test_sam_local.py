"""The real ``sam local invoke`` and ``sam local start-lambda`` (``.tools/sam``) on the built template, for arm64,
in the Lambda base image ``make sam-local`` builds: the artifact itself (the handler paths in template.yaml, the
layer's ``python/`` under ``/opt``, imports resolving with only the function, its layer and the runtime's boto3,
the runtime interface client's event and context), where the in-process tests prove only the handlers' logic.

Every event of events/README.md's table gives what the table says: the custom resource answers SUCCESS and
PUTs exactly one body to a listener of the test's own; the trigger returns its event, and for ConfirmSignUp the
user is in the group of a local cloud running on the Docker bridge's address."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from support.events import ROOT, SampleEvent, assert_gives, load_event, table
from support.local_cloud import BUILD_DIR, admin
from support.sam_local import (
    EMULATED_TIMEOUT_SECONDS,
    Listener,
    bridge_address,
    docker_host,
    emulated,
    environment,
    listener,
    result_of,
    sam,
    with_timeout,
)
from support.template import load_template, resources
from support.tools import tool

from groupgate.local.process import Running, start

pytestmark = pytest.mark.judge


@pytest.fixture(scope="module")
def docker() -> str:
    return docker_host()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sam-local")


@pytest.fixture(scope="module")
def env(docker: str, scratch: Path) -> dict[str, str]:
    home = scratch / "home"
    home.mkdir()
    return environment(home, docker)


@pytest.fixture(scope="module")
def built(env: dict[str, str], scratch: Path) -> Path:
    """``sam build`` of the project, as ``make build`` does, into a folder of this module's own."""
    done = sam(env, "build", "--build-dir", str(scratch / "build"))
    assert done.returncode == 0, done.stdout + done.stderr
    return scratch / "build" / "template.yaml"


@pytest.fixture(scope="module")
def invocable(built: Path) -> Path:
    """The built template; under emulation, a copy with every Timeout shorter than EMULATED_TIMEOUT_SECONDS raised
    to it (the trigger's 5 seconds, GET /me's 10, the role mapping's 30: EMULATED_TIMEOUT_SECONDS says why).
    Everything else is the built template as it is."""
    if not emulated():
        return built
    copy = built.parent / "emulated.yaml"
    copy.write_text(built.read_text())
    for name, function in resources(load_template(), "AWS::Serverless::Function"):
        if int(function["Properties"].get("Timeout", 3)) < EMULATED_TIMEOUT_SECONDS:
            with_timeout(copy, name, EMULATED_TIMEOUT_SECONDS, copy)
    return copy


@pytest.fixture(scope="module")
def bridge(docker: str) -> str:
    return bridge_address()


@pytest.fixture(scope="module")
def answers(bridge: str) -> Iterator[Listener]:
    with listener(bridge) as found:
        yield found


@pytest.fixture(scope="module")
def cloud(bridge: str, scratch: Path) -> Iterator[Running]:
    """``groupgate local start --host <bridge>``: the template deployed, reachable from the containers."""
    state = scratch / "cloud"
    state.mkdir()
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    (state / "build").symlink_to(BUILD_DIR)
    running = start(state, cwd=ROOT, host=bridge)
    try:
        yield running
    finally:
        running.stop()


def invoke(
    env: dict[str, str], template: Path, event: SampleEvent, body: dict[str, Any], *, scratch: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    event_file = scratch / f"{event.name}.json"
    event_file.write_text(json.dumps(body))
    env_vars = json.loads((ROOT / "events" / "env.json").read_text())
    env_vars[event.function].update(variables)
    env_file = scratch / f"{event.name}.env.json"
    env_file.write_text(json.dumps(env_vars))
    return sam(env, "local", "invoke", event.function, "-t", str(template), "-e", str(event_file),
               "--env-vars", str(env_file))  # fmt: skip


@pytest.mark.parametrize("event", table(), ids=lambda event: event.name)
def test_every_sample_event_gives_what_the_table_says(  # noqa: PLR0917 - pytest passes fixtures by position
    event: SampleEvent, env: dict[str, str], invocable: Path, answers: Listener, scratch: Path,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    body = event.load()
    if event.gives == "SUCCESS" and event.function == "CloudWatchRoleFunction":
        check_cloudwatch_role(event, body, env, invocable, answers=answers, scratch=scratch,
                              cloud=request.getfixturevalue("cloud"))  # fmt: skip
    elif event.gives == "SUCCESS":
        check_custom_resource(event, body, env, invocable, answers=answers, scratch=scratch)
    elif event.gives == "the caller":
        done = invoke(env, invocable, event, body, scratch=scratch)
        assert_gives(event, body, result_of(done))
    elif body["triggerSource"] == "PostConfirmation_ConfirmSignUp":
        check_confirmed_user_joins_the_group(
            event, body, env, invocable, cloud=request.getfixturevalue("cloud"), scratch=scratch
        )
    else:
        done = invoke(env, invocable, event, body, scratch=scratch)
        assert result_of(done) == body, done.stderr


def check_custom_resource(
    event: SampleEvent, body: dict[str, Any], env: dict[str, str], template: Path, *, answers: Listener,
    scratch: Path, **variables: str,
) -> dict[str, Any]:  # fmt: skip
    """The function answers SUCCESS, PUT once to its ResponseURL; returns the answer PUT there."""
    path = f"/{event.name}/pre-signed-S3-url-for-response"
    body["ResponseURL"] = answers.url(path)
    done = invoke(env, template, event, body, scratch=scratch, **variables)
    result = result_of(done)
    assert result["Status"] == "SUCCESS", done.stdout + done.stderr
    assert result["Delivered"] is True, done.stdout + done.stderr
    sent = [json.loads(answer) for where, answer in answers.bodies if where == path]
    assert len(sent) == 1, f"the function PUT {len(sent)} bodies to its ResponseURL"
    answer = sent[0]
    assert answer["Status"] == "SUCCESS"
    for key in ("StackId", "RequestId", "LogicalResourceId"):
        assert answer[key] == body[key]
    assert answer["PhysicalResourceId"] == result["PhysicalResourceId"]
    if body["RequestType"] in ("Update", "Delete"):
        assert answer["PhysicalResourceId"] == body["PhysicalResourceId"]
    if body["RequestType"] != "Delete" and event.function == "RoleMappingFunction":
        wanted = sorted(entry["Key"] for entry in body["ResourceProperties"]["Entries"])
        assert sorted(answer["Data"]["RoleMappings"]) == wanted
    return dict(answer)


def check_cloudwatch_role(
    event: SampleEvent, body: dict[str, Any], env: dict[str, str], template: Path, *, answers: Listener,
    scratch: Path, cloud: Running,
) -> None:  # fmt: skip
    """Against the local cloud on the bridge, whose deployed stack set the account's role: the function reads
    it, leaves it as it is (it is not the event's), and says so."""
    settings = {k: v for k, v in admin(cloud.outputs, "apigateway").get_account().items() if k != "ResponseMetadata"}
    answer = check_custom_resource(event, body, env, template, answers=answers, scratch=scratch,
                                   AWS_ENDPOINT_URL_API_GATEWAY=cloud.outputs["Endpoint"])  # fmt: skip
    if body["RequestType"] != "Delete":
        assert answer["Data"] == {"CloudWatchRoleArn": settings["cloudwatchRoleArn"], "Changed": "false"}
    assert {k: v for k, v in admin(cloud.outputs, "apigateway").get_account().items() if k != "ResponseMetadata"} == (
        settings
    )


def check_confirmed_user_joins_the_group(
    event: SampleEvent, body: dict[str, Any], env: dict[str, str], template: Path, *, cloud: Running, scratch: Path
) -> None:
    outputs = cloud.outputs
    idp = admin(outputs, "cognito-idp")
    username = f"sam-local-{time.time_ns()}"
    idp.admin_create_user(
        UserPoolId=outputs["UserPoolId"], Username=username, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )  # fmt: skip
    body["userPoolId"], body["userName"] = outputs["UserPoolId"], username
    done = invoke(
        env, template, event, body, scratch=scratch,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=outputs["Endpoint"], GROUP_NAME=outputs["GroupName"],
    )  # fmt: skip
    assert result_of(done) == body, done.stdout + done.stderr
    groups = idp.admin_list_groups_for_user(UserPoolId=outputs["UserPoolId"], Username=username)["Groups"]
    assert [group["GroupName"] for group in groups] == [outputs["GroupName"]]


def test_the_template_timeout_is_the_containers(env: dict[str, str], built: Path, scratch: Path) -> None:
    """The template's 5-second Timeout holds in the container: under emulation the trigger's cold start is
    longer than that, and SAM CLI stops it as Lambda would (on arm64 hardware it finishes well inside it)."""
    if not emulated():
        pytest.skip("on an arm64 machine the trigger's cold start ends well inside its timeout")
    event = next(e for e in table() if e.name == "post_confirmation_confirm_forgot_password")
    done = invoke(env, built, event, event.load(), scratch=scratch)
    assert "Function 'PostConfirmationFunction' timed out after 5 seconds" in done.stdout + done.stderr


def test_start_lambda_answers_boto3(env: dict[str, str], built: Path, answers: Listener, scratch: Path) -> None:
    port = free_port()
    command = [str(tool("sam", "sam")), "local", "start-lambda", "-t", str(built), "--host", "127.0.0.1",
               "--port", str(port), "--config-file", str(ROOT / "samconfig.toml")]  # fmt: skip
    log = (scratch / "start-lambda.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        client = boto3.client(
            "lambda", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
            aws_access_key_id="local", aws_secret_access_key="local",
            config=Config(read_timeout=120, retries={"max_attempts": 0}),
        )  # fmt: skip
        wait_for(port, server, scratch / "start-lambda.log")
        event = load_event("role_mapping_create")
        event["ResponseURL"] = answers.url("/start-lambda/response")
        done = client.invoke(FunctionName="RoleMappingFunction", Payload=json.dumps(event).encode())
        assert json.loads(done["Payload"].read())["Status"] == "SUCCESS"
        assert [where for where, _ in answers.bodies].count("/start-lambda/response") == 1

        del event["ResponseURL"]
        failed = client.invoke(FunctionName="RoleMappingFunction", Payload=json.dumps(event).encode())
        error = json.loads(failed["Payload"].read())
        # SAM CLI does not always set FunctionError (awslambdaric adds requestId to the error): read the payload.
        assert error["errorType"] == "InvalidInput"
        assert "has no ResponseURL" in error["errorMessage"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    import socket

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"sam local start-lambda did not listen within 120 s:\n{log.read_text()}")


PROBE_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  ProbeLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
      CompatibleRuntimes: [python3.13]
  ProbeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: probe.handler
      Runtime: python3.13
      Architectures: [arm64]
      MemorySize: 384
      Timeout: 40
      Layers: [!Ref ProbeLayer]
      Environment:
        Variables:
          PROBE_SETTING: from-the-template
"""

PROBE = """\
import os, platform, sys

import boto3
import probe_layer


def handler(event, context):
    try:
        open("/var/task/written", "w").close()
        task_writable = True
    except OSError:
        task_writable = False
    open("/tmp/written", "w").close()
    return {
        "version": list(sys.version_info[:2]), "machine": platform.machine(), "path": sys.path,
        "boto3": boto3.__file__, "layer": probe_layer.__file__, "cwd": os.getcwd(), "task_writable": task_writable,
        "environment": dict(os.environ), "event": event,
        "context": {
            "function_name": context.function_name, "memory_limit_in_mb": str(context.memory_limit_in_mb),
            "remaining_ms": context.get_remaining_time_in_millis(), "aws_request_id": context.aws_request_id,
            "invoked_function_arn": context.invoked_function_arn, "log_group_name": context.log_group_name,
            "function_version": context.function_version,
        },
    }
"""


def test_the_image_is_lambdas_where_a_function_can_tell(env: dict[str, str], scratch: Path) -> None:
    project = scratch / "probe"
    (project / "code").mkdir(parents=True)
    (project / "layer" / "python").mkdir(parents=True)
    (project / "template.yaml").write_text(PROBE_TEMPLATE)
    (project / "code" / "probe.py").write_text(PROBE)
    (project / "layer" / "python" / "probe_layer.py").write_text("")
    (scratch / "probe-event.json").write_text(json.dumps({"probe": 1}))
    done = sam(env, "local", "invoke", "ProbeFunction", "-t", str(project / "template.yaml"),
               "-e", str(scratch / "probe-event.json"))  # fmt: skip
    seen = result_of(done)
    assert seen["event"] == {"probe": 1}
    assert seen["version"] == [3, 13]
    assert seen["machine"] == "aarch64"
    # Lambda's python3.13 import path: the code, the layers' two folders, then the runtime's libraries.
    assert seen["path"][:3] == ["/var/task", "/opt/python/lib/python3.13/site-packages", "/opt/python"]
    assert seen["boto3"] == "/var/lang/lib/python3.13/site-packages/boto3/__init__.py"
    assert seen["layer"] == "/opt/python/probe_layer.py"
    assert seen["cwd"] == "/var/task"
    assert seen["task_writable"] is False  # the code is read-only; /tmp is not
    environ = seen["environment"]
    assert environ["PROBE_SETTING"] == "from-the-template"
    assert environ["_HANDLER"] == "probe.handler"
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "384"
    assert environ["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert environ["LAMBDA_TASK_ROOT"] == "/var/task"
    assert environ["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
    assert environ["LANG"] == "en_US.UTF-8"
    assert environ["AWS_REGION"] == "us-east-1"
    context = seen["context"]
    assert context["function_name"] == "ProbeFunction"
    assert context["memory_limit_in_mb"] == "384"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(":function:ProbeFunction")
    # The runtime reads the log group from the environment, which SAM CLI sets (as "aws/lambda/<name>", without
    # Lambda's leading slash, or the template's LoggingConfig.LogGroup).
    assert context["log_group_name"] == environ["AWS_LAMBDA_LOG_GROUP_NAME"] == "aws/lambda/ProbeFunction"
    assert len(context["aws_request_id"]) == 36
    assert 0 < context["remaining_ms"] <= 40_000  # the template's Timeout, counting down
