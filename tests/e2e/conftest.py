"""The story's targets: the local cloud deployed from the source (always), the local cloud deployed into by the
real SAM CLI (where it can run: python3.13 for ``sam build``), and a deployed stack too (AWS_SAM_STACK_NAME)."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from support.local_cloud import admin, deployed
from support.sam import build, sam_cloud

from groupgate.local.cloud import LocalCloud

TARGETS = ["local", "sam", "deployed"]


@dataclass
class Target:
    """Where the story runs, and the few things that differ between the local cloud and AWS."""

    name: str
    outputs: dict[str, str]
    outputs_file: Path
    admin: Any
    cloud: LocalCloud | None = None  # the local cloud, when it runs in this process
    mail: Path | None = None  # the local cloud's mail folder, when it runs in a process of its own
    cli_environ: dict[str, str] = field(default_factory=dict)  # how the CLI finds the stack, beyond the outputs
    demo_user: bool = False  # the stack was deployed with the template's demo user (DemoUsername=exuser)
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    created: list[str] = field(default_factory=list)

    @property
    def local(self) -> bool:
        return self.name != "deployed"

    def user(self, name: str) -> str:
        """A user name for this run (unique on a real stack, where users outlive the tests)."""
        return name if self.local else f"{name}-{self.suffix}"

    def email(self, username: str) -> str:
        return f"{username}@example.com"

    def latest_mail(self, to: str) -> str | None:
        """The body of the last message the local cloud mailed to ``to``; None on AWS, where it is an inbox."""
        if self.cloud is not None:
            message = self.cloud.mailbox.latest(to)
            return message.body if message else None
        if self.mail is not None:
            for path in sorted(self.mail.glob("*.txt"), reverse=True):
                head, _, body = path.read_text().partition("\n\n")
                if f"To: {to}\n" in head + "\n":
                    return body.strip()
        return None

    def confirm_code(self, username: str) -> str | None:
        """The emailed confirmation code (local mailbox), or None where only an admin can confirm."""
        body = self.latest_mail(self.email(username))
        found = re.search(r"code is (\d{6})", body or "")
        return found.group(1) if found else None


@pytest.fixture(scope="package", params=TARGETS)
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    if request.param == "deployed":
        stack = os.environ.get("AWS_SAM_STACK_NAME")
        if not stack:
            pytest.skip("AWS_SAM_STACK_NAME is not set: the story runs against the local cloud only")
        described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        path = tmp_path_factory.mktemp("deployed") / "outputs.json"
        path.write_text(json.dumps(outputs))
        found = Target("deployed", outputs, path, boto3.client("cognito-idp", region_name=outputs["Region"]))
        yield found
        for username in found.created:
            found.admin.admin_delete_user(UserPoolId=outputs["UserPoolId"], Username=username)
        return
    if request.param == "sam":
        yield from _sam_target(tmp_path_factory.mktemp("sam"))
        return
    state = tmp_path_factory.mktemp("cloud")
    with deployed(state, parameters={"DemoUsername": "exuser", "DemoUserEmail": "exuser@example.com"}) as (
        cloud,
        outputs,
    ):
        yield Target("local", outputs, state / "outputs.json", admin(outputs), cloud, demo_user=True)


def _sam_target(state: Path) -> Iterator[Target]:
    """``sam build && sam deploy`` (samconfig.toml as shipped) into an empty local cloud; the CLI finds the
    stack by its name (``--stack-name`` through GROUPGATE_STACK_NAME), as against an account."""
    with sam_cloud(state) as cloud, pytest.MonkeyPatch.context() as patched:
        build(cloud)
        done = cloud.sam("deploy", "--no-confirm-changeset")  # the built template, samconfig.toml beside it
        assert done.returncode == 0, done.stdout + done.stderr
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # any credentials: the local control plane
            if not os.environ.get(name):
                patched.setenv(name, "local")
        outputs = cloud.outputs("groupgate")
        path = state / "stack-outputs.json"  # for the library's Session.from_outputs; the CLI reads the stack
        path.write_text(json.dumps(outputs))
        environ = {"GROUPGATE_STACK_NAME": "groupgate", "GROUPGATE_ENDPOINT": cloud.endpoint,
                   "GROUPGATE_REGION": cloud.region}  # fmt: skip
        yield Target("sam", outputs, path, cloud.client("cognito-idp"), mail=state / "mail", cli_environ=environ)
