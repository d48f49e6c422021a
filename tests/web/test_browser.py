"""The web page in a real headless Chromium against the local cloud: what a person sees, and CORS as a
browser enforces it.

Debian's chromium is driven by playwright-core (``web/tests/drive.mjs``); the page is the built
``web/dist``, served on 127.0.0.1 with the cloud's outputs as its ``outputs.json``, as ``make web`` serves
it. One port gives two origins: ``http://localhost:PORT`` (the template's AllowedOrigin) and
``http://127.0.0.1:PORT`` (not allowed by the API; the local Cognito endpoint answers both, as Cognito
answers any origin). The screenshot of the signed-in page is written to ``.local/artifacts/``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.events import ROOT
from support.local_cloud import BUILD_DIR, admin, code_from_mail
from support.tools import unavailable

from groupgate.local.cloud import LocalCloud
from groupgate.local.server import Listener
from groupgate.local.users import add_user
from groupgate.local.web import page_app

WEB = ROOT / "web"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / ".local" / "artifacts"
PASSWORD = "Correct-Horse-9-battery"


@dataclass
class Site:
    allowed: str  # the page from the origin the API allows
    other: str  # the same page from an origin it does not
    cloud: LocalCloud


def _requirements() -> None:
    for path, how in (
        (CHROMIUM, "Debian's chromium: `make web-deps` installs it as root (apt-get install chromium)"),
        (WEB / "node_modules" / "playwright-core", "web/node_modules: `make web-deps` runs npm ci"),
        (WEB / "dist" / "index.html", "the built page web/dist: `make web-deps` runs vite build"),
    ):
        if not path.exists():
            unavailable(f"{path} is missing, needed by the browser tests: {how}")
    if shutil.which("node") is None:
        unavailable("node is missing, needed by the browser tests (apt-get install nodejs)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _requirements()
    outputs: dict[str, str] = {}
    page = Listener(page_app(WEB / "dist", lambda: outputs))
    port = page.server.port
    allowed, other = f"http://localhost:{port}", f"http://127.0.0.1:{port}"
    try:
        with LocalCloud(
            ROOT / "template.yaml", state_dir=tmp_path_factory.mktemp("web"), build_dir=BUILD_DIR,
            parameters={"AllowedOrigin": allowed}, browser_origins={other}, out=lambda _: None,
        ) as cloud:  # fmt: skip
            outputs.update(cloud.deploy())
            add_user(outputs, "alice", PASSWORD)
            add_user(outputs, "bob", PASSWORD, member=False)
            page.start()
            yield Site(allowed + "/", other + "/", cloud)
    finally:
        page.stop()


def drive(*pages: dict[str, Any]) -> list[dict[str, Any]]:
    plan = {"pages": list(pages), "executablePath": str(CHROMIUM)}
    done = subprocess.run(
        ["node", str(WEB / "tests" / "drive.mjs"), json.dumps(plan)],
        cwd=WEB, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)["results"]
    return results


def test_a_member_signs_in_and_the_page_shows_hello_and_who_they_are(site: Site) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "web-signed-in.png"
    screenshot.unlink(missing_ok=True)

    [seen] = drive({"url": site.allowed, "username": "alice", "password": PASSWORD, "call": True,
                    "screenshot": str(screenshot)})  # fmt: skip

    assert seen["afterSignIn"]["error"] == ""
    who = seen["afterCall"]["who"]
    assert who["signed-in"] == "alice"
    assert who["identity-id"].startswith("us-east-1:")
    assert "role/groupgate-GroupRole-" in who["role"]
    assert who["groups"] == "exgroup"
    assert seen["afterCall"]["status"] == "200"
    assert json.loads(seen["afterCall"]["body"]) == {"message": "hello!"}
    assert seen["afterCall"]["error"] == ""
    assert screenshot.stat().st_size > 10_000  # a real picture of the page, kept as the test's artifact


def test_the_page_shows_what_get_me_says_beside_what_it_knows(site: Site) -> None:
    [seen] = drive({"url": site.allowed, "username": "alice", "password": PASSWORD, "me": True})
    after = seen["afterMe"]
    assert after["error"] == "", after
    assert after["me"]["identityId"] == after["who"]["identity-id"]  # the API's word and the browser's
    assert after["me"]["userPoolId"] == site.cloud.outputs["UserPoolId"]
    assert after["me"]["userArn"].endswith("/CognitoIdentityCredentials")
    assert after["meVerdict"] == "The API and this page agree on who you are."
    assert not any("blocked by CORS policy" in line for line in seen["console"]), seen["console"]


def test_signing_out_and_in_as_another_leaves_nothing_of_the_first(site: Site) -> None:
    [seen] = drive({"url": site.allowed, "username": "alice", "password": PASSWORD, "call": True, "me": True,
                    "signOut": True})  # fmt: skip
    assert seen["afterCall"]["statusClass"] == "ok"
    assert (seen["afterSignOut"]["status"], seen["afterSignOut"]["statusClass"]) == ("-", "")  # not green any more
    assert seen["afterSignOut"]["me"] == {"asked": "not yet"}
    # Someone types an email and a code (a sign-up that was refused: the name is taken), then signs in.
    [typed] = drive({"url": site.allowed, "username": "alice", "password": PASSWORD, "email": "someone@example.com",
                     "code": "123456"})  # fmt: skip
    assert typed["afterSignUp"]["form"]["email"] == "someone@example.com"
    assert typed["afterSignIn"]["form"] == {"email": "", "code": ""}


def test_a_user_outside_the_group_is_told_why_and_what_to_do(site: Site) -> None:
    [seen] = drive({"url": site.allowed, "username": "bob", "password": PASSWORD, "call": True})

    error = seen["afterSignIn"]["error"]
    assert "not a member of exgroup" in error
    assert "Ask an administrator to add you to exgroup" in error
    assert seen["afterSignIn"]["who"]["signed-in"] == "bob (no API credentials)"
    assert seen["afterSignIn"]["who"]["groups"] == "none"
    assert "afterCall" not in seen  # the Call button stays disabled without credentials


def test_a_wrong_password_is_said_plainly(site: Site) -> None:
    [seen] = drive({"url": site.allowed, "username": "alice", "password": "Not-The-Password-1"})

    assert seen["afterSignIn"]["error"] == "Wrong user name or password. Check both and try again."
    assert seen["afterSignIn"]["who"]["signed-in"] == "no"


def test_only_the_allowed_origin_reads_the_answer_in_the_same_run(site: Site) -> None:
    allowed, other = drive(
        {"url": site.allowed, "username": "alice", "password": PASSWORD, "call": True},
        {"url": site.other, "username": "alice", "password": PASSWORD, "call": True},
    )

    assert allowed["afterCall"]["status"] == "200"
    assert other["afterSignIn"]["error"] == ""  # Cognito answers any origin: the sign-in works
    assert other["afterCall"]["status"] == "no answer this page may read"
    assert other["afterCall"]["error"].startswith(
        f"This page (origin {other['origin']}) could not read the API's answer"
    )
    assert f"deploy with AllowedOrigin={other['origin']}" in other["afterCall"]["error"]
    assert any("blocked by CORS policy" in line for line in other["console"]), other["console"]
    assert not any("blocked by CORS policy" in line for line in allowed["console"]), allowed["console"]


def test_sign_up_confirm_with_the_emailed_code_sign_in_call_and_sign_out(site: Site) -> None:
    [signed_up] = drive({"url": site.allowed, "username": "carol", "password": PASSWORD, "email": "carol@example.com",
                         "signIn": False})  # fmt: skip
    code = code_from_mail(site.cloud, "carol@example.com")
    [seen] = drive({"url": site.allowed, "username": "carol", "password": PASSWORD, "code": code, "call": True,
                    "signOut": True, "reloadAfter": ["afterSignIn", "afterSignOut"]})  # fmt: skip

    assert signed_up["afterSignUp"]["message"].startswith("Signed up. A code went to ")
    assert seen["afterConfirm"]["message"] == "Confirmed. You can sign in now."
    assert seen["afterSignIn"]["who"]["groups"] == "exgroup"  # the post-confirmation trigger put her there
    assert seen["afterCall"]["status"] == "200"
    assert seen["afterSignInReload"]["who"]["signed-in"] == "carol"  # the kept session comes back on a reload
    assert seen["afterSignInReload"]["storedTokens"] == 3
    assert seen["afterSignOut"]["message"] == "Signed out."  # said only when revoking the refresh token worked
    assert seen["afterSignOut"]["who"]["signed-in"] == "no"
    assert seen["afterSignOut"]["storedTokens"] == 0
    assert seen["afterSignOutReload"]["who"]["signed-in"] == "no"


def test_a_wrong_code_is_said_plainly(site: Site) -> None:
    drive({"url": site.allowed, "username": "erin", "password": PASSWORD, "email": "erin@example.com", "signIn": False})
    wrong = "000000" if code_from_mail(site.cloud, "erin@example.com") != "000000" else "111111"

    [seen] = drive({"url": site.allowed, "username": "erin", "code": wrong})

    assert seen["afterConfirm"]["error"] == (
        "That code is not the one we sent. Check the latest email and try again, or press Resend code."
    )


def test_an_admin_created_user_answers_the_new_password_challenge_in_the_page(site: Site) -> None:
    outputs = site.cloud.outputs
    idp = admin(outputs)
    idp.admin_create_user(UserPoolId=outputs["UserPoolId"], Username="dave", TemporaryPassword="Temporary-Pass-1!",
                          MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "dave@example.com"}])  # fmt: skip
    idp.admin_add_user_to_group(UserPoolId=outputs["UserPoolId"], Username="dave", GroupName=outputs["GroupName"])

    [seen] = drive({"url": site.allowed, "username": "dave", "password": "Temporary-Pass-1!",
                    "newPassword": "Brand-New-Pass-2!", "call": True})  # fmt: skip

    assert seen["afterSignIn"]["message"].startswith("Cognito requires a new password for this account")
    assert seen["afterNewPassword"]["message"] == "Signed in as dave."
    assert seen["afterCall"]["status"] == "200"
