"""template.yaml as CloudFormation will see it: parsed, and expanded by the real SAM transform."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

from support.events import ROOT

TEMPLATE = ROOT / "template.yaml"
PSEUDO_PARAMETERS = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}

Template = dict[str, Any]


@cache
def _source_text(path: Path) -> str:
    return path.read_text()


def load_template(path: Path = TEMPLATE) -> Template:
    """The SAM template, short tags (!Ref, !Sub ...) turned into their long form."""
    template: Template = yaml_parse(_source_text(path))
    return template


def translate(template: Template) -> Template:
    """The CloudFormation template the SAM transform makes of ``template`` (which is left as it is).

    Local ``CodeUri``/``ContentUri`` folders become S3 locations first, as ``sam package`` does.
    """
    source = copy.deepcopy(template)
    for resource in source.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = f"s3://groupgate-artifacts/{properties[key].strip('/')}.zip"
    # The region is given, not read from the environment, so a user's AWS settings never matter here.
    # Managed policies are named by ARN in this template, so the transform needs no IAM lookup.
    translator = Translator(
        None, Parser(), boto_session=boto3.session.Session(region_name=PSEUDO_PARAMETERS["AWS::Region"])
    )
    translated: Template = translator.translate(
        source, parameter_values=dict(PSEUDO_PARAMETERS), get_managed_policy_map=dict
    )
    return translated


def translated_template() -> Template:
    return translate(load_template())


def resources(template: Template, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, resource) of every resource of ``resource_type``."""
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == resource_type:
            yield logical_id, resource


def only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    """The one resource of ``resource_type``; fails if there are none or several."""
    found = list(resources(template, resource_type))
    assert len(found) == 1, f"expected one {resource_type}, found {[name for name, _ in found]}"
    return found[0]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return as_list(document.get("Statement", []))


def referenced_id(value: Any) -> str | None:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` names, or None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None
