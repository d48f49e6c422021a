"""The seed article's story, played against the local cloud with the real groupgate client.

Each step prints what a person would type and what came back, and says whether it behaved as AWS
would. The demo exits 0 when every step did, 1 otherwise, and leaves nothing running.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests

from groupgate.cli import main as groupgate
from groupgate.local.awslambda.functions import find_python
from groupgate.local.cloud import LocalCloud
from groupgate.session import Session

PASSWORD = "Correct-Horse-9-battery"
NEW_PASSWORD = "Brand-New-Pass-2!"
MISMATCH = "The request signature we calculated does not match the signature you provided."


@dataclass
class Step:
    title: str
    ok: bool
    detail: str


class Demo:
    def __init__(self, cloud: LocalCloud, outputs: dict[str, str], say: Callable[[str], None]) -> None:
        self.cloud, self.outputs, self.say = cloud, outputs, say
        self.state = cloud.state_dir
        self.environ = {
            "GROUPGATE_OUTPUTS": str(self.state / "outputs.json"),
            "GROUPGATE_CACHE_DIR": str(self.state / "cache"),
        }
        self.steps: list[Step] = []

    def run(self, *argv: str, stdin: str = "", password: str | None = None, note: str = "") -> tuple[int, str]:
        """One groupgate command, shown as typed, with what it printed."""
        out, err = io.StringIO(), io.StringIO()
        environ = {**self.environ, **({"GROUPGATE_PASSWORD": password} if password else {})}
        code = groupgate(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err, environ=environ)
        self.say(f"     $ groupgate {' '.join(argv)}" + (f"      # {note}" if note else ""))
        for line in (out.getvalue() + err.getvalue()).splitlines():
            self.say(f"       {line}")
        return code, out.getvalue() + err.getvalue()

    def check(self, title: str, ok: bool, detail: str) -> None:
        self.steps.append(Step(title, ok, detail))
        self.say(f"   {'ok ' if ok else 'BAD'} {detail}")

    def mail(self, to: str, pattern: str) -> str:
        message = self.cloud.mailbox.latest(to)
        found = re.search(pattern, message.body) if message else None
        if message is None or found is None:
            raise AssertionError(f"no mail for {to} in {self.state / 'mail'}")
        where = message.path.relative_to(Path.cwd()) if message.path.is_relative_to(Path.cwd()) else message.path
        self.say(f"     (the email, in {where}: {message.body.strip()})")
        return found.group(1)

    # ------------------------------------------------------------ the story
    def story(self) -> bool:
        api = self.outputs["ApiUrl"]
        self.say(f"\n1. An unsigned call: curl {api}")
        answer = requests.get(api, timeout=10)
        self.say(f"     HTTP {answer.status_code} {answer.text}")
        self.check(
            "unsigned",
            answer.status_code == 403 and answer.json() == {"message": "Missing Authentication Token"},
            "403 Missing Authentication Token, as API Gateway answers an unsigned call",
        )

        self.say("\n2. alice signs up and confirms with the emailed code")
        self.run("signup", "alice", "--email", "alice@example.com", password=PASSWORD)
        code = self.mail("alice@example.com", r"code is (\d{6})")
        self.run("confirm", "alice", code)
        groups = self._groups("alice")
        self.check(
            "trigger",
            groups == [self.outputs["GroupName"]],
            f"the post-confirmation function (functions/post_confirmation) put alice in {groups}",
        )

        self.say("\n3. alice signs in with SRP (a wrong password first)")
        wrong, _ = self.run("login", "alice", password="Wrong-password-1", note="a wrong password")
        status, _ = self.run("login", "alice", password=PASSWORD, note="the right one")
        claims = self._session("alice").claims()
        self.say(
            "     ID token: "
            + json.dumps({k: claims.get(k) for k in ("cognito:groups", "cognito:roles", "cognito:preferred_role")})
        )
        self.check(
            "srp",
            wrong == 4 and status == 0 and claims.get("cognito:preferred_role") == self.outputs["GroupRoleArn"],
            "the wrong password refused, the right one answered with cognito:groups, cognito:roles and "
            "cognito:preferred_role",
        )

        self.say("\n4. GetId and GetCredentialsForIdentity: whose credentials?")
        _, shown = self.run("whoami")
        role = self.outputs["GroupRoleArn"].rsplit("/", 1)[-1]
        self.check(
            "credentials",
            f"assumed-role/{role}/CognitoIdentityCredentials" in shown,
            f"credentials of {role}, chosen by the role mapping Custom::RoleMappings computed at deploy",
        )

        self.say("\n5. A signed call")
        status, shown = self.run("call", "GET", "/")
        self.check("signed", status == 0 and '"message": "hello!"' in shown, '200 {"message": "hello!"}')

        self.say("\n6. bob signs up too, and an admin takes him out of the group")
        self.run("signup", "bob", "--email", "bob@example.com", password=PASSWORD)
        self.run("confirm", "bob", self.mail("bob@example.com", r"code is (\d{6})"))
        self._admin().admin_remove_user_from_group(
            UserPoolId=self.outputs["UserPoolId"], Username="bob", GroupName=self.outputs["GroupName"]
        )
        group = self.outputs["GroupName"]
        self.say(f"     $ aws cognito-idp admin-remove-user-from-group --username bob --group-name {group} ...")
        status, shown = self.run("login", "bob", password=PASSWORD)
        self.check(
            "outside",
            status == 8 and "The ambiguous role mapping rules for:" in shown and "denied this request" in shown,
            "refused by the identity pool, with AWS's message (AmbiguousRoleResolution: Deny)",
        )

        self.say("\n7. The article's admin-created user: a temporary password by email, a new one at first sign-in")
        temporary = self.mail("exuser@example.com", r"temporary password is (\S+)\.")
        status, _ = self.run(
            "login", "exuser", "--password-stdin", "--new-password-stdin", stdin=f"{temporary}\n{NEW_PASSWORD}\n"
        )
        called, shown = self.run("call", "GET", "/")
        self.check(
            "exuser",
            status == 0 and called == 0,
            "NEW_PASSWORD_REQUIRED answered; the stack's admin call put exuser in the group: 200",
        )

        self.say("\n8. A signed call whose query is changed after signing")
        prepared = requests.Request("GET", api + "?role=reader").prepare()
        self._session("exuser").auth()(prepared)
        prepared.url = api + "?role=admin"
        answer = requests.Session().send(prepared, timeout=10)
        message = answer.json().get("message", "")
        self.say(f"     HTTP {answer.status_code} {message.splitlines()[0] if message else answer.text}")
        self.check(
            "tampered",
            answer.status_code == 403 and message.startswith(MISMATCH),
            "403 with API Gateway's signature-mismatch message",
        )
        return all(step.ok for step in self.steps)

    def _admin(self) -> Any:
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.outputs["Endpoint"],
            region_name=self.outputs["Region"],
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def _groups(self, username: str) -> list[str]:
        found = self._admin().admin_list_groups_for_user(UserPoolId=self.outputs["UserPoolId"], Username=username)
        return [group["GroupName"] for group in found["Groups"]]

    def _session(self, username: str) -> Session:
        from groupgate.cache import SessionCache  # noqa: PLC0415

        return Session.from_outputs(
            self.environ["GROUPGATE_OUTPUTS"],
            cache=SessionCache(Path(self.environ["GROUPGATE_CACHE_DIR"])),
            username=username,
        )


def play(template: Path, state_dir: Path, parameters: dict[str, str], say: Callable[[str], None]) -> bool:
    """Start, deploy, play the story, stop. True when every step behaved as AWS would."""
    shutil.rmtree(state_dir / "mail", ignore_errors=True)
    shutil.rmtree(state_dir / "cache", ignore_errors=True)
    python = find_python("3.13")
    say("groupgate local demo: the seed article's story, offline, with AWS's own answers")
    say(f"  functions run with {python or 'this Python (no python3.13 here)'}; state in {state_dir}")
    settings = {"DemoUsername": "exuser", "DemoUserEmail": "exuser@example.com", **parameters}
    started = time.monotonic()
    with LocalCloud(
        template, state_dir=state_dir, parameters=settings, build_dir=state_dir.parent / "build", out=lambda line: None
    ) as cloud:
        outputs = cloud.deploy()
        say(
            f"  deployed {template.name} ({len(cloud.apis.apis)} API, "
            f"{len(cloud.lambdas.functions)} functions) in {time.monotonic() - started:.1f} s"
        )
        say(f"  endpoint {outputs['Endpoint']}   API {outputs['ApiUrl']}")
        demo = Demo(cloud, outputs, say)
        passed = demo.story()
    failed = [step.title for step in demo.steps if not step.ok]
    say(
        f"\n{len(demo.steps) - len(failed)} of {len(demo.steps)} steps behaved as AWS would"
        + (f"; not: {', '.join(failed)}" if failed else "")
    )
    return passed
