"""What CloudFormation would refuse, the local cloud refuses with CloudFormation's words, naming the cause."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.events import ROOT
from support.local_cloud import deployed

from groupgate.local.cloudformation.engine import DeployError
from groupgate.local.cloudformation.template import TemplateError, creation_order, load, parameter_values

TEMPLATE = load(ROOT / "template.yaml")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"StageName": "stage one"}, "Parameter 'StageName' failed to satisfy constraint: letters, digits, hyphens"),
        ({"AllowGuests": "yes"}, "Parameter 'AllowGuests' must be one of AllowedValues"),
        ({"ThrottlingRateLimit": "fast"}, "Parameter 'ThrottlingRateLimit' must be a number not 'fast'"),
        ({"ThrottlingRateLimit": "0"}, "Parameter 'ThrottlingRateLimit' must be a number not less than 1"),
        ({"NoSuchParameter": "x"}, "Parameters: ['NoSuchParameter'] do not exist in the template"),
    ],
)
def test_a_bad_parameter_is_refused_as_cloudformation_refuses_it(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(TemplateError) as refused:
        parameter_values(TEMPLATE, overrides)

    assert str(refused.value).startswith(message)


def test_the_templates_rules_are_asserted_before_anything_is_created(tmp_path: Path) -> None:
    with (
        pytest.raises(TemplateError, match="DemoUserNeedsBoth failed: DemoUsername and DemoUserEmail go together"),
        deployed(tmp_path, parameters={"DemoUsername": "exuser"}),
    ):
        pass


def test_a_cycle_is_named() -> None:
    resources = {
        "A": {"Type": "AWS::IAM::Role", "Properties": {"X": {"Ref": "B"}}},
        "B": {"Type": "AWS::IAM::Role", "Properties": {"X": {"Fn::GetAtt": ["A", "Arn"]}}},
        "C": {"Type": "AWS::IAM::Role", "DependsOn": "A", "Properties": {}},
    }

    with pytest.raises(TemplateError, match=r"Circular dependency between resources: \['A', 'B'\]"):
        creation_order(resources)


def test_resources_are_created_after_what_they_refer_to() -> None:
    resources = {
        "Api": {"Type": "T", "Properties": {"Name": {"Fn::Sub": "${Pool.Arn}-${AWS::Region}"}}},
        "Pool": {"Type": "T", "Properties": {"Role": {"Fn::GetAtt": "Role.Arn"}}},
        "Role": {"Type": "T", "DependsOn": ["Log"], "Properties": {}},
        "Log": {"Type": "T", "Properties": {"Literal": {"Fn::Sub": ["${!Api}", {}]}}},
    }

    order = creation_order(resources)

    assert order.index("Log") < order.index("Role") < order.index("Pool") < order.index("Api")


def test_a_failed_custom_resource_fails_the_deploy_with_its_reason(tmp_path: Path) -> None:
    text = (ROOT / "template.yaml").read_text().replace("            Type: Token\n", "            Type: token\n", 1)
    folder = tmp_path / "project"
    folder.mkdir()
    for name in ("functions", "layers"):
        (folder / name).symlink_to(ROOT / name)
    (folder / "template.yaml").write_text(text)

    with pytest.raises(DeployError) as failed, deployed(tmp_path / "state", folder / "template.yaml"):
        pass

    assert re.fullmatch(
        re.escape(
            "RoleMappings (Custom::RoleMappings): Received response status [FAILED] from custom resource. Message "
            "returned: ResourceProperties.Entries[0].Value.Type must be one of Token, Rules; got 'token' (RequestId: "
        )
        + r"[0-9a-f-]{36}\)",
        str(failed.value),
    ), failed.value
