"""The SAM CLI's ``sam deploy``, a second ``sam deploy`` that changes one parameter (an update), and ``sam
delete`` of template.yaml, timed, into ``groupgate local start --empty`` and into ministack (PyPI
``ministack[full]``, ``AUTH=true``, on 127.0.0.1: the free emulator that runs this path today), in the same run
and interleaved; with groupgate local start's own deploy of the same template as the baseline; and the same
checks of the IAM flow on each deployed stack, and of what the update kept and changed.

Each run starts each emulator afresh, so every first ``sam deploy`` is a first one: the SAM CLI also makes its
managed stack (``aws-sam-cli-managed-default``). ``sam build`` runs once, before.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from requests_aws4auth import AWS4Auth

from groupgate.local.cloud import LocalCloud
from groupgate.local.process import start

ROOT = Path(__file__).resolve().parents[1]
SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
MINISTACK = ROOT / ".tools" / "ministack" / "bin" / "ministack"
PASSWORD = "Correct-Horse-9-battery"  # noqa: S105 - a benchmark user's password
REGION = "us-east-1"


def say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def python313() -> str:
    finder = [str(ROOT / "scripts" / "find-python313")]
    return subprocess.run(finder, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603 - ours


def sam_environment(endpoint: str, home: Path, poll: str | None = None) -> dict[str, str]:
    environment = {
        **os.environ, "PATH": f"{python313()}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
        "SAM_CLI_TELEMETRY": "0", "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
    }  # fmt: skip
    if poll is not None:
        environment["SAM_CLI_POLL_DELAY"] = poll
    return environment


def sam(environment: dict[str, str], *argv: str) -> float:
    """Run one SAM CLI command; its seconds (it must succeed)."""
    started = time.perf_counter()
    done = subprocess.run([str(SAM), *argv], cwd=ROOT, env=environment, capture_output=True, text=True,  # noqa: S603
                          timeout=900, check=False)  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"sam {' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def ours(scratch: Path) -> Iterator[str]:
    state = scratch / f"ours-{uuid.uuid4().hex[:6]}"
    state.mkdir()
    (state / "build").symlink_to(ROOT / ".local" / "build")
    running = start(state, cwd=ROOT, empty=True)
    try:
        yield running.outputs["Endpoint"]
    finally:
        running.stop()


@contextmanager
def ministack(scratch: Path) -> Iterator[str]:
    port = free_port()
    environment = {**os.environ, "AUTH": "true", "GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1",
                   "MINISTACK_HOST": "127.0.0.1", "IOT_MTLS_ENABLED": "0", "MINISTACK_REGION": REGION}  # fmt: skip
    with (scratch / f"ministack-{port}.log").open("wb") as log:
        process = subprocess.Popen([str(MINISTACK)], env=environment, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                   start_new_session=True)  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{endpoint}/_ministack/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=30)


# ---------------------------------------------------------------- the checks
def client(service: str, endpoint: str, **credentials: str) -> Any:
    keys = credentials or {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,  # type: ignore[call-overload]
                        config=Config(retries={"max_attempts": 1}), **keys)  # fmt: skip


def stack_outputs(endpoint: str) -> dict[str, str]:
    stack = client("cloudformation", endpoint).describe_stacks(StackName="groupgate")["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def checks(endpoint: str) -> dict[str, str]:
    """The story's steps, each answered yes or no (and why) on the stack the SAM CLI deployed."""
    outputs = stack_outputs(endpoint)
    api = outputs["ApiUrl"]
    if ".amazonaws.com" in api:  # an emulator that serves the API on its endpoint only
        api = f"{endpoint}/restapis/{outputs['ApiId']}/{outputs['StageName']}/_user_request_/"
    idp, identity = client("cognito-idp", endpoint), client("cognito-identity", endpoint)
    pool, app, group = outputs["UserPoolId"], outputs["UserPoolClientId"], outputs["GroupName"]
    provider = f"cognito-idp.{REGION}.amazonaws.com/{pool}"
    results: dict[str, str] = {}

    def check(name: str, step: Callable[[], bool]) -> None:
        try:
            results[name] = "yes" if step() else "no"
        except Exception as error:  # noqa: BLE001 - a check that cannot run is a "no", with the reason
            results[name] = f"no ({type(error).__name__}: {str(error)[:80]})"

    def member(name: str) -> str:
        user = f"{name}-{secrets.token_hex(3)}"
        idp.sign_up(ClientId=app, Username=user, Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": f"{user}@example.com"}])  # fmt: skip
        idp.admin_confirm_sign_up(UserPoolId=pool, Username=user)
        return user

    def tokens(user: str, password: str = PASSWORD) -> dict[str, str]:
        found: dict[str, str] = idp.admin_initiate_auth(
            UserPoolId=pool, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": password},
        )["AuthenticationResult"]  # fmt: skip
        return found

    def credentials(id_token: str) -> dict[str, str]:
        identity_id = identity.get_id(IdentityPoolId=outputs["IdentityPoolId"], Logins={provider: id_token})
        found: dict[str, str] = identity.get_credentials_for_identity(
            IdentityId=identity_id["IdentityId"], Logins={provider: id_token}
        )["Credentials"]
        return found

    def signed(creds: dict[str, str]) -> AWS4Auth:
        return AWS4Auth(creds["AccessKeyId"], creds["SecretKey"], REGION, "execute-api",
                        session_token=creds["SessionToken"])  # fmt: skip

    alice = member("alice")
    check("an unsigned call: 403 Missing Authentication Token",
          lambda: requests.get(api, timeout=10).json() == {"message": "Missing Authentication Token"})  # fmt: skip
    check("the trigger puts a confirmed sign-up in the group",
          lambda: [g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool, Username=alice)["Groups"]]
          == [group])  # fmt: skip
    check("a wrong password is refused", lambda: _refused(lambda: tokens(alice, "Wrong-Password-0!")))
    role = outputs["GroupRoleArn"]

    def role_claims() -> bool:
        found = claims(tokens(alice)["IdToken"])
        return found.get("cognito:roles") == [role] and found.get("cognito:preferred_role") == role

    check("the ID token carries cognito:roles and cognito:preferred_role", role_claims)
    check("a member gets the group role's credentials", lambda: bool(credentials(tokens(alice)["IdToken"])))
    check("a member's signed call: 200 hello",
          lambda: requests.get(api, auth=signed(credentials(tokens(alice)["IdToken"])), timeout=10).json()
          == {"message": "hello!"})  # fmt: skip
    check("a key never issued is refused", lambda: requests.get(
        api, auth=AWS4Auth("ASIANEVERISSUED00000", "x" * 40, REGION, "execute-api", session_token="x"),  # noqa: S106
        timeout=10,
    ).status_code == 403)  # fmt: skip

    def tampered() -> bool:
        prepared = requests.Request("GET", api + "?a=1").prepare()
        signed(credentials(tokens(alice)["IdToken"]))(prepared)
        prepared.url = api + "?a=2"
        return requests.Session().send(prepared, timeout=10).status_code == 403

    check("a call changed after signing is refused", tampered)

    def outsider() -> bool:
        bob = member("bob")
        idp.admin_remove_user_from_group(UserPoolId=pool, Username=bob, GroupName=group)
        return _refused(lambda: credentials(tokens(bob)["IdToken"]))

    check("a user outside the group gets no credentials", outsider)
    return results


def update_checks(endpoint: str, before: dict[str, str], origin: str) -> dict[str, str]:
    """What an update of AllowedOrigin must keep and change, each answered yes or no."""
    after = stack_outputs(endpoint)
    api = after["ApiUrl"]
    if ".amazonaws.com" in api:
        api = f"{endpoint}/restapis/{after['ApiId']}/{after['StageName']}/_user_request_/"
    results: dict[str, str] = {}
    status = client("cloudformation", endpoint).describe_stacks(StackName="groupgate")["Stacks"][0]["StackStatus"]
    results["the stack is UPDATE_COMPLETE"] = "yes" if status == "UPDATE_COMPLETE" else f"no ({status})"
    for key in ("ApiId", "UserPoolId", "IdentityPoolId"):
        results[f"{key} kept"] = "yes" if after[key] == before[key] else f"no ({before[key]} -> {after[key]})"
    try:
        shown = requests.options(api, headers={"Origin": origin}, timeout=10).headers.get("Access-Control-Allow-Origin")
    except requests.RequestException as error:
        shown = f"{type(error).__name__}"
    results["the new origin reaches the API's CORS answer"] = "yes" if shown == origin else f"no ({shown})"
    return results


def _refused(action: Callable[[], Any]) -> bool:
    try:
        action()
    except ClientError:
        return True
    return False


# ---------------------------------------------------------------- the figures
def figures(runs: int) -> tuple[dict[str, list[float]], dict[str, dict[str, str]]]:
    """Seconds per measure (interleaved runs), and each emulator's checks (from its first run)."""
    say(f"sam deploy: sam build, then {runs} interleaved runs into each emulator")
    with tempfile.TemporaryDirectory(prefix="groupgate-sam-bench-") as folder:
        scratch = Path(folder)
        sam(sam_environment("http://127.0.0.1:9", scratch), "build")
        times: dict[str, list[float]] = {}
        results: dict[str, dict[str, str]] = {}
        for run in range(runs):
            times.setdefault("own", []).append(_own_deploy(scratch))
            for name, emulator, poll in (("ours", ours, None), ("ours-fast-poll", ours, "0.5"),
                                         ("ministack", ministack, None)):  # fmt: skip
                with emulator(scratch) as endpoint:
                    home = scratch / f"home-{name}-{run}"
                    home.mkdir()
                    environment = sam_environment(endpoint, home, poll)
                    times.setdefault(f"{name} deploy", []).append(sam(environment, "deploy", "--no-confirm-changeset"))
                    if run == 0 and poll is None:
                        results[name] = checks(endpoint)
                    before = stack_outputs(endpoint)
                    origin = f"https://app{run}.example.com"
                    times.setdefault(f"{name} update", []).append(
                        sam(environment, "deploy", "--no-confirm-changeset", "--parameter-overrides",
                            f"AllowedOrigin={origin}")
                    )  # fmt: skip
                    if run == 0 and poll is None:
                        results[f"{name} update"] = update_checks(endpoint, before, origin)
                    times.setdefault(f"{name} delete", []).append(sam(environment, "delete", "--no-prompts"))
    return times, results


def _own_deploy(scratch: Path) -> float:
    """groupgate local start's own deploy of template.yaml, from its source folders, into a cloud that is up."""
    state = scratch / f"own-{uuid.uuid4().hex[:6]}"
    with LocalCloud(ROOT / "template.yaml", state_dir=state, build_dir=ROOT / ".local" / "build",
                    out=lambda _: None) as cloud:  # fmt: skip
        started = time.perf_counter()
        cloud.deploy()
        return time.perf_counter() - started


def main() -> int:
    times, results = figures(int(os.environ.get("SAM_BENCH_RUNS", "3")))
    for name, values in times.items():
        print(f"{name:<24} {statistics.median(values):6.2f} s  ({min(values):.2f}-{max(values):.2f})")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
