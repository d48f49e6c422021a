"""The article replayed by its own commands: its three CloudFormation templates (examples/article/, verbatim) and
its AWS CLI steps, `--profile sandbox` included, against `make local EMPTY=1` in the article's region, then its
api_request.py (changed only where it must be).

The story, as the article tells it: validate-template and create-stack of the API; an unsigned call answers
Missing Authentication Token; the mapping template's nodejs6.10 function is refused with Lambda's message and the
stack rolls back (then deleted, so the name can be used again); the same template with the function ported to
python3.13 exports TransformLambda; the Cognito template imports it; the article's steps for exuser (the
temporary password from the local mailbox) get tokens; api_request.py prints 200 and the MOCK's JSON. Then what
CloudFormation refuses (deleting an export in use) and what deleting all three leaves."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from requests_aws4auth import AWS4Auth
from support.events import ROOT
from support.local_cloud import BUILD_DIR
from support.tools import tool

from groupgate.local.process import Running, start

pytestmark = pytest.mark.judge

ARTICLE = ROOT / "examples" / "article"
REGION = "ap-northeast-1"
PASSWORD = "Passw0rd!"  # the article's


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """`make local EMPTY=1 REGION=ap-northeast-1`, and a `sandbox` profile whose endpoint_url is it."""
    state = tmp_path_factory.mktemp("article")
    (state / "build").symlink_to(BUILD_DIR)
    running = start(state, cwd=ROOT, empty=True, region=REGION, ready_within=120)
    (state / ".aws").mkdir()
    (state / ".aws" / "config").write_text(
        f"[profile sandbox]\nregion = {REGION}\nendpoint_url = {running.outputs['Endpoint']}\noutput = json\n"
    )
    (state / ".aws" / "credentials").write_text("[sandbox]\naws_access_key_id = local\naws_secret_access_key = local\n")
    yield running
    running.stop()


def environment(local: Running) -> dict[str, str]:
    """Only the profile says where AWS is: no AWS_* variable of the machine's reaches the commands."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    return {**kept, "HOME": str(local.state)}


def aws(local: Running, *argv: str) -> Any:
    done = subprocess.run(
        [str(tool("awscli", "aws")), *argv, "--profile", "sandbox"], cwd=ARTICLE, env=environment(local),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def template(name: str) -> str:
    return f"file://{ARTICLE / name}"


def settled(local: Running, stack: str) -> dict[str, Any]:
    """The stack once no operation runs on it (DescribeStacks through the profile, as the console shows it)."""
    deadline = time.monotonic() + 120
    while True:
        found: dict[str, Any] = aws(local, "cloudformation", "describe-stacks", "--stack-name", stack)["Stacks"][0]
        if not found["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def reasons(local: Running, stack: str) -> list[str]:
    events = aws(local, "cloudformation", "describe-stack-events", "--stack-name", stack)["StackEvents"]
    return [str(event.get("ResourceStatusReason", "")) for event in events]


def physical(local: Running, stack: str, logical: str) -> str:
    found = aws(local, "cloudformation", "describe-stack-resource", "--stack-name", stack,
                "--logical-resource-id", logical)  # fmt: skip
    return str(found["StackResourceDetail"]["PhysicalResourceId"])


def deleted(local: Running, stack: str) -> None:
    stack_id = settled(local, stack)["StackId"]
    aws(local, "cloudformation", "delete-stack", "--stack-name", stack)
    assert settled(local, stack_id)["StackStatus"] == "DELETE_COMPLETE"


def test_the_article_runs_as_written(local: Running) -> None:
    # 1. The API: validate-template, create-stack, and the unsigned curl.
    validated = aws(local, "cloudformation", "validate-template", "--template-body", template("SandboxApiGateway.yaml"))
    assert validated["Description"] == "API Gateway Sandbox"
    assert validated["Parameters"] == []
    aws(local, "cloudformation", "create-stack", "--stack-name", "SandboxApi",
        "--template-body", template("SandboxApiGateway.yaml"))  # fmt: skip
    assert settled(local, "SandboxApi")["StackStatus"] == "CREATE_COMPLETE"
    api_id = physical(local, "SandboxApi", "RestAPI")
    api_url = f"{local.outputs['Endpoint']}/restapis/{api_id}/stage1/_user_request_"
    unsigned = requests.get(f"{api_url}/", timeout=10)
    assert (unsigned.status_code, unsigned.json()) == (403, {"message": "Missing Authentication Token"})

    # 2.1 The mapping function as the article wrote it: nodejs6.10, which Lambda no longer takes.
    aws(local, "cloudformation", "create-stack", "--stack-name", "SandboxCognitoMap",
        "--template-body", template("SandboxCognitoMapping.yaml"), "--capabilities", "CAPABILITY_IAM")  # fmt: skip
    assert settled(local, "SandboxCognitoMap")["StackStatus"] == "ROLLBACK_COMPLETE"
    assert any(
        "The runtime parameter of nodejs6.10 is no longer supported for creating or updating AWS Lambda functions."
        in reason
        for reason in reasons(local, "SandboxCognitoMap")
    )
    deleted(local, "SandboxCognitoMap")  # a rolled-back stack can only be deleted; then the name is free
    ported = template("SandboxCognitoMapping.python.yaml")
    aws(local, "cloudformation", "create-stack", "--stack-name", "SandboxCognitoMap", "--template-body", ported,
        "--capabilities", "CAPABILITY_IAM")  # fmt: skip
    mapping = settled(local, "SandboxCognitoMap")
    assert mapping["StackStatus"] == "CREATE_COMPLETE"
    exports = aws(local, "cloudformation", "list-exports")["Exports"]
    assert [(e["Name"], e["ExportingStackId"]) for e in exports] == [("TransformLambda", mapping["StackId"])]

    # 2.2 The pools, the roles, the group and exuser; the role mappings from the imported function.
    aws(local, "cloudformation", "create-stack", "--stack-name", "SandboxCognito",
        "--template-body", template("SandboxCognito.yaml"), "--capabilities", "CAPABILITY_IAM")  # fmt: skip
    assert settled(local, "SandboxCognito")["StackStatus"] == "CREATE_COMPLETE", reasons(local, "SandboxCognito")
    imports = aws(local, "cloudformation", "list-imports", "--export-name", "TransformLambda")["Imports"]
    assert imports == ["SandboxCognito"]
    uid, cid = physical(local, "SandboxCognito", "UserPool"), physical(local, "SandboxCognito", "UserPoolClient")

    # 2.3 The temporary password, mailed anew (RESEND), then the new password.
    resent = aws(local, "cognito-idp", "admin-create-user", "--user-pool-id", uid, "--username", "exuser",
                 "--message-action", "RESEND")  # fmt: skip
    assert resent["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    temporary = temporary_password(local.state / "mail", "loco-shiroma@example.com")
    # The article's shorthand (USERNAME=exuser,PASSWORD=...) breaks on a password with a bracket or a comma,
    # which Cognito's temporary passwords may have; the AWS CLI's JSON form takes any password.
    parameters = json.dumps({"USERNAME": "exuser", "PASSWORD": temporary})
    challenged = aws(local, "cognito-idp", "admin-initiate-auth", "--user-pool-id", uid, "--client-id", cid,
                     "--auth-flow", "ADMIN_NO_SRP_AUTH", "--auth-parameters", parameters)  # fmt: skip
    assert challenged["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answered = aws(local, "cognito-idp", "admin-respond-to-auth-challenge", "--user-pool-id", uid,
                   "--client-id", cid, "--challenge-name", "NEW_PASSWORD_REQUIRED", "--challenge-responses",
                   f"NEW_PASSWORD={PASSWORD},USERNAME=exuser", "--session", challenged["Session"])  # fmt: skip
    assert {"IdToken", "AccessToken", "RefreshToken"} <= set(answered["AuthenticationResult"])

    # 3. api_request.py: SRP, the identity pool's credentials for the group's role, the signed GET.
    ran = subprocess.run(
        [sys.executable, str(ARTICLE / "api_request.py")], cwd=ARTICLE, capture_output=True, text=True, timeout=120,
        env={**environment(local), "AWS_PROFILE": "sandbox", "API_ENDPOINT": api_url}, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0] == "GET / 200"
    assert json.loads("\n".join(lines[2:])) == {"message": "hello!"}

    # The article's identity pool lets guests in (AllowUnauthenticatedIdentities: true), with its guest role,
    # whose policy denies execute-api:Invoke: a guest gets credentials, and the API refuses them.
    guest, role = guest_credentials(local, physical(local, "SandboxCognito", "IdentityPool"))
    assert role == physical(local, "SandboxCognito", "UnauthenticatedRole")
    keys = AWS4Auth(
        guest["AccessKeyId"], guest["SecretKey"], REGION, "execute-api", session_token=guest["SessionToken"]
    )
    signed = requests.get(f"{api_url}/", auth=keys, timeout=10)
    assert signed.status_code == 403
    assert "explicit deny" in signed.json()["Message"]

    # An export in use cannot go: the call succeeds, the stack keeps its status, its events say why.
    aws(local, "cloudformation", "delete-stack", "--stack-name", "SandboxCognitoMap")
    assert settled(local, "SandboxCognitoMap")["StackStatus"] == "CREATE_COMPLETE"
    assert "Delete canceled. Cannot delete export TransformLambda as it is in use by SandboxCognito." in reasons(
        local, "SandboxCognitoMap"
    )

    # Deleting all three leaves what AWS leaves too: the functions' own log groups.
    for stack in ("SandboxCognito", "SandboxCognitoMap", "SandboxApi"):
        deleted(local, stack)
    assert aws(local, "lambda", "list-functions")["Functions"] == []
    assert aws(local, "apigateway", "get-rest-apis")["items"] == []
    assert aws(local, "cognito-idp", "list-user-pools", "--max-results", "10")["UserPools"] == []
    assert aws(local, "cognito-identity", "list-identity-pools", "--max-results", "10")["IdentityPools"] == []
    assert [
        r["RoleName"] for r in aws(local, "iam", "list-roles")["Roles"] if r["RoleName"].startswith("Sandbox")
    ] == []
    groups = [g["logGroupName"] for g in aws(local, "logs", "describe-log-groups")["logGroups"]]
    assert all(name.startswith("/aws/lambda/SandboxCognitoMap-") for name in groups), groups
    assert aws(local, "cloudformation", "list-exports")["Exports"] == []


def guest_credentials(local: Running, identity_pool: str) -> tuple[dict[str, str], str]:
    """A guest's credentials, as an app gets them (GetId without logins, then GetCredentialsForIdentity), and the
    name of the role they are for, as STS says it."""
    identity = aws(local, "cognito-identity", "get-id", "--identity-pool-id", identity_pool)["IdentityId"]
    found = aws(local, "cognito-identity", "get-credentials-for-identity", "--identity-id", identity)
    credentials: dict[str, str] = found["Credentials"]
    sts = boto3.client(
        "sts", endpoint_url=local.outputs["Endpoint"], region_name=REGION, aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretKey"], aws_session_token=credentials["SessionToken"],
    )  # fmt: skip
    arn = str(sts.get_caller_identity()["Arn"])  # arn:aws:sts::<account>:assumed-role/<role>/<session>
    return credentials, arn.split("/")[1]


def temporary_password(mail: Path, to: str) -> str:
    """The temporary password in the newest message the local cloud mailed to ``to``."""
    for path in sorted(mail.glob("*.txt"), reverse=True):
        head, _, body = path.read_text().partition("\n\n")
        found = re.search(r"temporary password is (\S+)\.$", body.strip())
        if f"To: {to}" in head and found:
            return found.group(1)
    raise AssertionError(f"no temporary password was mailed to {to} in {mail}")
