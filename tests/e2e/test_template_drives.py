"""The local cloud does what the template says, whatever it says: each test deploys a changed copy.

Nothing in the local cloud knows this template's logical ids or policies: change them, and its
answers change (or not) exactly as AWS's would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.events import ROOT
from support.local_cloud import cli, code_from_mail, deployed

from groupgate.cache import SessionCache
from groupgate.errors import ExitCode, NotAllowed
from groupgate.local.users import add_user
from groupgate.session import Session

PASSWORD = "Correct-Horse-9-battery"
SOURCE = (ROOT / "template.yaml").read_text()


def copy_of(tmp: Path, text: str) -> Path:
    """The template's text in a folder of its own, next to the project's functions and layers."""
    folder = tmp / "project"
    folder.mkdir()
    for name in ("functions", "layers"):
        (folder / name).symlink_to(ROOT / name)
    (folder / "template.yaml").write_text(text)
    return folder / "template.yaml"


def member(outputs: dict[str, str], username: str, *, group: bool = True) -> None:
    add_user(outputs, username, PASSWORD, member=group)


def test_narrowing_the_group_roles_policy_to_another_path_refuses_get_root(tmp_path: Path) -> None:
    # GIVEN a copy whose group role may only invoke GET /reports
    narrowed = SOURCE.replace("${Api}/${StageName}/GET/", "${Api}/${StageName}/GET/reports")
    assert narrowed != SOURCE
    with deployed(tmp_path / "state", copy_of(tmp_path, narrowed)) as (_, outputs):
        member(outputs, "alice")
        outputs_file = tmp_path / "state" / "outputs.json"

        # WHEN a group member calls GET /
        code, shown = cli(outputs_file, tmp_path / "cache", "login", "alice", password=PASSWORD)
        assert code == 0, shown
        code, shown = cli(outputs_file, tmp_path / "cache", "call", "GET", "/")

    # THEN IAM refuses it, naming the resource, with no explicit deny
    assert code == NotAllowed.exit_code
    assert (
        "is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:"
        in shown
    )
    assert "/stage1/GET/" in shown
    assert "explicit deny" not in shown


def test_every_logical_id_renamed_still_plays_the_story(tmp_path: Path) -> None:
    section = SOURCE[SOURCE.index("\nResources:") : SOURCE.index("\nOutputs:")]
    resources = re.findall(r"^  ([A-Za-z][A-Za-z0-9]*):\n    Type:", section, flags=re.MULTILINE)
    renamed = SOURCE
    # SAM names what it generates after the function (XRole); the Api's stage is Api.Stage.
    for name in [*sorted(resources, key=len, reverse=True), "PostConfirmationFunctionRole"]:
        # references, but not type names (AWS::Cognito::UserPool), attributes (X.RoleMappings) or property keys
        renamed = re.sub(rf"(?<![:\w.]){name}\b(?!:)", f"Zz{name}", renamed)
        renamed = re.sub(rf"^  {name}:$", f"  Zz{name}:", renamed, flags=re.MULTILINE)
    assert "ZzUserPool" in renamed
    assert "AWS::Cognito::UserPool\n" in renamed
    with deployed(tmp_path / "state", copy_of(tmp_path, renamed)) as (cloud, outputs):
        outputs_file, cache = tmp_path / "state" / "outputs.json", tmp_path / "cache"
        assert cli(outputs_file, cache, "signup", "alice", "--email", "alice@example.com", password=PASSWORD)[0] == 0
        assert cli(outputs_file, cache, "confirm", "alice", code_from_mail(cloud, "alice@example.com"))[0] == 0
        assert cli(outputs_file, cache, "login", "alice", password=PASSWORD)[0] == 0
        code, shown = cli(outputs_file, cache, "call", "GET", "/")
        member(outputs, "bob", group=False)
        outside, refusal = cli(outputs_file, cache, "login", "bob", password=PASSWORD)

    assert code == 0, shown
    assert '"message": "hello!"' in shown
    assert outside == ExitCode.NOT_ALLOWED
    assert "The ambiguous role mapping rules for:" in refusal


def test_guests_when_allowed_get_a_role_that_is_explicitly_denied(tmp_path: Path) -> None:
    with deployed(tmp_path / "state", parameters={"AllowGuests": "true"}):
        code, shown = cli(tmp_path / "state" / "outputs.json", tmp_path / "cache", "call", "GET", "/", "--guest")

    assert code == NotAllowed.exit_code
    assert "assumed-role/groupgate-GuestRole-" in shown
    assert shown.rstrip().endswith("with an explicit deny (GET /)")


def test_guests_off_are_refused_by_the_identity_pool(tmp_path: Path) -> None:
    with deployed(tmp_path / "state") as _:
        code, shown = cli(tmp_path / "state" / "outputs.json", tmp_path / "cache", "call", "GET", "/", "--guest")

    assert code == ExitCode.GUESTS_NOT_ALLOWED
    assert "Unauthenticated access is not supported for this identity pool." in shown


def test_ambiguous_resolution_to_the_default_role_gets_in_but_the_api_refuses(tmp_path: Path) -> None:
    # GIVEN a copy that gives users outside the group the default authenticated role (which grants nothing)
    lenient = SOURCE.replace("AmbiguousRoleResolution: Deny", "AmbiguousRoleResolution: AuthenticatedRole")
    assert lenient != SOURCE
    with deployed(tmp_path / "state", copy_of(tmp_path, lenient)) as (_, outputs):
        member(outputs, "bob", group=False)
        session = Session.from_outputs(tmp_path / "state" / "outputs.json", cache=SessionCache(tmp_path / "cache"))
        session.login("bob", PASSWORD)  # the identity pool now hands out credentials
        role = session.caller_arn()
        code, shown = cli(tmp_path / "state" / "outputs.json", tmp_path / "cache", "call", "GET", "/")

    assert "assumed-role/groupgate-AuthenticatedRole-" in role
    assert code == NotAllowed.exit_code
    assert "explicit deny" not in shown


def test_a_template_the_local_cloud_cannot_build_is_refused_by_name(tmp_path: Path) -> None:
    extra = SOURCE.replace("\nOutputs:", "\n  Queue:\n    Type: AWS::SQS::Queue\n\nOutputs:", 1)
    from groupgate.local.cloudformation.engine import DeployError

    with (
        pytest.raises(DeployError, match=r"cannot create AWS::SQS::Queue \(Queue\)"),
        deployed(tmp_path / "state", copy_of(tmp_path, extra)),
    ):
        pass


def test_a_misspelt_property_fails_the_deploy_as_cloudformation_does(tmp_path: Path) -> None:
    misspelt = SOURCE.replace("      RoleMappings: !GetAtt", "      RoleMapping: !GetAtt", 1)
    assert misspelt != SOURCE
    from groupgate.local.cloudformation.engine import DeployError

    with (
        pytest.raises(DeployError, match=r"IdentityPoolRoleAttachment .*Encountered unsupported property RoleMapping"),
        deployed(tmp_path / "state", copy_of(tmp_path, misspelt)),
    ):
        pass
