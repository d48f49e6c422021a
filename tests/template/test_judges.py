"""template.yaml before the field's own judges: cfn-lint, sam validate --lint, sam build, checkov."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.events import ROOT
from support.template import load_template, translate, translated_template
from support.tools import project_tool, python313_dir, run, tool

pytestmark = pytest.mark.judge
TEMPLATE = ROOT / "template.yaml"


def test_cfn_lint_finds_nothing() -> None:
    result = run([project_tool("cfn-lint"), "--format", "parseable", TEMPLATE])

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_cfn_lint_finds_nothing_in_the_translated_template_either(tmp_path: Path) -> None:
    translated = tmp_path / "translated.json"
    translated.write_text(json.dumps(translated_template()))

    result = run([project_tool("cfn-lint"), "--format", "parseable", translated])

    assert (result.returncode, result.stdout) == (0, "")


def test_cfn_lint_catches_the_cycle_the_separate_policy_avoids(tmp_path: Path) -> None:
    # GIVEN a copy where the pool's ARN is in the trigger's own policies (the obvious way to write it),
    # translated, because cfn-lint 1.58 reports this cycle only in the translated template
    text = TEMPLATE.read_text()
    anchor = "      Handler: post_confirmation.app.lambda_handler\n"
    inline = (
        anchor + "      Policies:\n        - Statement:\n            - Effect: Allow\n"
        "              Action: cognito-idp:AdminAddUserToGroup\n              Resource: !GetAtt UserPool.Arn\n"
    )
    assert anchor in text
    source = tmp_path / "template.yaml"
    source.write_text(text.replace(anchor, inline))
    translated = tmp_path / "translated.json"
    translated.write_text(json.dumps(translate(load_template(source))))

    # WHEN cfn-lint judges it
    result = run([project_tool("cfn-lint"), "--format", "parseable", translated])

    # THEN it reports the cycle (E3004) that template.yaml avoids with a policy of its own
    assert "E3004" in result.stdout


def test_sam_validate_lint_passes() -> None:
    result = run([tool("sam", "sam"), "validate", "--lint", "--region", "us-east-1", "--template", TEMPLATE])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_sam_build_packs_each_function_with_its_own_code_and_the_layer_with_the_rest(tmp_path: Path) -> None:
    sam = tool("sam", "sam")
    path = f"{python313_dir()}{os.pathsep}{os.environ['PATH']}"
    build = tmp_path / "build"

    result = run(
        [sam, "build", "--template", TEMPLATE, "--build-dir", build, "--cache-dir", tmp_path / "cache"],
        env={"PATH": path},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in build.iterdir() if p.is_dir()) == [
        "CloudWatchRoleFunction",
        "MeFunction",
        "PostConfirmationFunction",
        "RoleMappingFunction",
        "SharedLayer",
    ]
    assert (build / "SharedLayer" / "python" / "aws_lambda_powertools").is_dir()
    assert (build / "SharedLayer" / "python" / "groupgate_common" / "validation.py").is_file()
    assert (build / "SharedLayer" / "python" / "groupgate_common" / "cfn_response.py").is_file()
    for function, package in (
        ("RoleMappingFunction", "role_mapping"),
        ("PostConfirmationFunction", "post_confirmation"),
        ("MeFunction", "me"),
        ("CloudWatchRoleFunction", "cloudwatch_role"),
    ):
        top_level = {p.name for p in (build / function).iterdir()}
        assert top_level == {package, "requirements.txt"}, f"{function} holds more than its own code: {top_level}"


def test_checkov_fails_no_check_and_every_skip_says_why() -> None:
    result = run(
        [tool("checkov", "checkov"), "-f", TEMPLATE, "--framework", "cloudformation", "--skip-download",
         "--output", "json"],
    )  # fmt: skip

    report = json.loads(result.stdout)
    summary = report["summary"]
    assert summary["failed"] == 0, [c["check_id"] for c in report["results"]["failed_checks"]]
    assert summary["passed"] > 0
    for skipped in report["results"]["skipped_checks"]:
        assert len(skipped["check_result"]["suppress_comment"]) > 20, skipped["check_id"]


def test_samconfig_shows_every_parameter_with_the_templates_default() -> None:
    # GIVEN the parameter overrides as the SAM CLI itself parses them
    parse = (
        "import json, sys, tomllib\n"
        "from samcli.cli.types import CfnParameterOverridesType\n"
        "config = tomllib.load(open(sys.argv[1], 'rb'))['default']['deploy']['parameters']\n"
        "print(json.dumps(CfnParameterOverridesType().convert(tuple(config['parameter_overrides']), None, None)))\n"
    )
    result = run([tool("sam", "python"), "-c", parse, ROOT / "samconfig.toml"])
    assert result.returncode == 0, result.stderr
    overrides = json.loads(result.stdout)

    # THEN they name every template parameter, each with its default
    defaults = {name: str(spec.get("Default")) for name, spec in load_template()["Parameters"].items()}
    assert overrides == defaults
