"""`groupgate local` as a person runs it: invoke (sam local invoke, without Docker) and demo."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support.events import ROOT, load_event
from support.local_cloud import BUILD_DIR, admin, deployed

from groupgate.command import main


def local(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["local", *argv], stdout=out, stderr=err, environ={})
    return code, out.getvalue(), err.getvalue()


def test_invoke_runs_an_event_through_its_function_as_sam_local_invoke_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = local(
        "invoke", "RoleMappingFunction", "-e", "events/role_mapping_create.json", "--state-dir", str(BUILD_DIR.parent)
    )

    assert code == 0, out
    result = json.loads(out[out.rindex("\n{") :])
    assert result["Status"] == "SUCCESS"
    assert result["Delivered"] is False  # sam's sample ResponseURL does not resolve; the function survives it
    assert "computed the role mappings" in out


def test_invoke_names_the_functions_when_one_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, _, err = local("invoke", "NoSuchFunction", "-e", "events/role_mapping_create.json")

    assert code == 1
    assert err.strip() == (
        "groupgate local: template.yaml has no function 'NoSuchFunction'; it has: CloudWatchRoleFunction, "
        "MeFunction, PostConfirmationFunction, RoleMappingFunction"
    )


def test_invoke_with_a_running_cloud_lets_the_trigger_add_the_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    with deployed(tmp_path) as (_, outputs):
        idp = admin(outputs)
        idp.admin_create_user(
            UserPoolId=outputs["UserPoolId"], Username="exuser", MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": "exuser@example.com"}],
        )  # fmt: skip
        event = load_event("post_confirmation_confirm_signup")
        event["userPoolId"] = outputs["UserPoolId"]
        (tmp_path / "event.json").write_text(json.dumps(event))

        code, out, _ = local("invoke", "PostConfirmationFunction", "-e", str(tmp_path / "event.json"),
                             "--outputs", str(tmp_path / "outputs.json"), "--env-vars", "events/env.json")  # fmt: skip
        groups = idp.admin_list_groups_for_user(UserPoolId=outputs["UserPoolId"], Username="exuser")["Groups"]

    assert code == 0, out
    assert [g["GroupName"] for g in groups] == ["exgroup"]


def test_the_demo_plays_every_step_and_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "build").symlink_to(BUILD_DIR)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "groupgate"), "local", "demo", "--state-dir", str(tmp_path / "demo")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert "8 of 8 steps behaved as AWS would" in done.stdout
    assert done.stdout.count("   ok  ") == 8


def start_web(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "groupgate"), "local", "start", "--state-dir", str(tmp_path), *argv]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def test_start_web_without_a_built_page_says_how_to_build_it(tmp_path: Path) -> None:
    done = start_web(tmp_path, "--web", str(tmp_path / "dist"))

    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"groupgate local: {tmp_path / 'dist'} has no index.html: build the page first (make web builds it)"
    )


def test_start_web_on_a_taken_port_names_it(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<!doctype html>")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = start_web(tmp_path, "--web", str(tmp_path / "dist"), "--web-port", str(port))

    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"groupgate local: the web page's port {port} on 127.0.0.1 is in use: give another --web-port"
    )


def test_without_the_local_extra_groupgate_local_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    installed = metadata.version

    def version(name: str) -> str:
        if name == "aws-sam-translator":
            raise metadata.PackageNotFoundError(name)
        return installed(name)

    monkeypatch.setattr(metadata, "version", version)

    code, out, err = local("demo")

    assert code == 3
    assert out == ""
    assert (
        err == "groupgate: `groupgate local` needs the local extra: pip install 'groupgate[local]' "
        "(aws-sam-translator is missing)\n"
    )
