"""A template as CloudFormation reads it: parameters checked, rules asserted, the SAM transform applied
(aws-sam-translator, the real one), conditions evaluated, intrinsic functions resolved, resources put
in dependency order. The deployer creates what this module resolves; nothing here knows a logical id.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import boto3
import yaml
from samtranslator.model.exceptions import ExceptionWithMessage
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

NO_VALUE = object()  # AWS::NoValue: removed from the list or object it stands in
LOCAL_BUCKET = "groupgate-local-artifacts"


class TemplateError(ValueError):
    """What CloudFormation would refuse the template or its parameters for, said the same way."""


def cfn_text(value: Any) -> str:
    """A value as CloudFormation turns it into a string: YAML's true is "true", not Python's "True"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Deployed:
    """A created resource: what ``Ref`` gives and what ``Fn::GetAtt`` can ask for."""

    ref: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Stack:
    """What resolving a stack's template needs: its names, parameters, conditions and created resources."""

    name: str
    region: str
    account_id: str
    template_dir: Path | None
    parameters: dict[str, Any]
    conditions: dict[str, bool]
    template: dict[str, Any]  # translated
    code: dict[str, Path]  # S3 key of a CodeUri/ContentUri -> the local folder (a stack deployed from source)
    resources: dict[str, Deployed] = field(default_factory=dict)
    stack_id: str = ""
    # The account's exports, by name (Fn::ImportValue), and the names this stack imported while resolving.
    export_value: Callable[[str], str | None] = field(default=lambda name: None, repr=False, compare=False)
    imported: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.stack_id:
            stack = f"stack/{self.name}/{uuid.uuid4()}"
            self.stack_id = f"arn:aws:cloudformation:{self.region}:{self.account_id}:{stack}"

    def pseudo(self) -> dict[str, Any]:
        return {
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": "aws",
            "AWS::StackName": self.name,
            "AWS::StackId": self.stack_id,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }


# ---------------------------------------------------------------- loading and parameters
def load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as error:
        raise TemplateError(f"{path}: {error.strerror}") from None
    return parse(text, str(path))


def parse(text: str, where: str = "the template") -> dict[str, Any]:
    """A template's text (YAML or JSON, with CloudFormation's short forms), or CloudFormation's refusal."""
    try:
        template: Any = yaml_parse(text)
    except (yaml.YAMLError, ValueError) as error:
        raise TemplateError(f"Template format error: {where} is not well-formed YAML or JSON: {error}") from None
    if not isinstance(template, dict):
        raise TemplateError(f"Template format error: {where} is not a JSON or YAML object")
    if "Resources" not in template:
        raise TemplateError("Template format error: At least one Resources member must be defined.")
    return template


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Each parameter's value (override or default), checked as CloudFormation checks it."""
    declared = template.get("Parameters") or {}
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"Parameters: {unknown} do not exist in the template")
    values: dict[str, Any] = {}
    missing = []
    for name, spec in declared.items():
        if name in overrides:
            raw = str(overrides[name])
        elif "Default" in spec:
            raw = str(spec["Default"])
        else:
            missing.append(name)
            continue
        values[name] = _checked(name, spec, raw)
    if missing:
        raise TemplateError(f"Parameters: {missing} must have values")
    return values


def _checked(name: str, spec: Mapping[str, Any], raw: str) -> Any:
    kind = spec.get("Type", "String")
    constraint = spec.get("ConstraintDescription")

    def fail(default: str) -> TemplateError:
        return TemplateError(
            f"Parameter '{name}' failed to satisfy constraint: {constraint}" if constraint else default
        )

    if "AllowedValues" in spec and raw not in [str(v) for v in spec["AllowedValues"]]:
        raise fail(f"Parameter '{name}' must be one of AllowedValues")
    if kind == "Number":
        try:
            number = float(raw)
        except ValueError:
            raise fail(f"Parameter '{name}' must be a number not '{raw}'") from None
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise fail(f"Parameter '{name}' must be a number not less than {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise fail(f"Parameter '{name}' must be a number not greater than {spec['MaxValue']}")
        return raw
    if kind in ("CommaDelimitedList", "List<Number>", "List<String>"):
        return [item.strip() for item in raw.split(",")] if raw else []
    if kind != "String":
        raise TemplateError(
            f"Parameter '{name}': type {kind} is not one the local cloud resolves (String, Number, lists)"
        )
    if "AllowedPattern" in spec and re.fullmatch(str(spec["AllowedPattern"]), raw) is None:
        raise fail(f"Parameter '{name}' must match pattern {spec['AllowedPattern']}")
    if "MinLength" in spec and len(raw) < int(spec["MinLength"]):
        raise fail(f"Parameter '{name}' must contain at least {spec['MinLength']} characters")
    if "MaxLength" in spec and len(raw) > int(spec["MaxLength"]):
        raise fail(f"Parameter '{name}' must contain at most {spec['MaxLength']} characters")
    return raw


def check_rules(template: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
    """The template's Rules, asserted against the parameter values, as CloudFormation does before it creates."""
    for name, rule in (template.get("Rules") or {}).items():
        if "RuleCondition" in rule and not _rule_value(rule["RuleCondition"], parameters):
            continue
        for assertion in rule.get("Assertions", []):
            if not _rule_value(assertion["Assert"], parameters):
                raise TemplateError(
                    f"Template rule {name} failed: {assertion.get('AssertDescription', 'assertion failed')}"
                )


LOGIC = ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or")


def _logic(function: str, argument: Any, evaluate: Callable[[Any], Any]) -> bool:
    """Fn::Equals, Fn::Not, Fn::And and Fn::Or, which Conditions and Rules both use."""
    if function == "Fn::Equals":
        left, right = (evaluate(a) for a in argument)
        return cfn_text(left) == cfn_text(right)
    if function == "Fn::Not":
        return not evaluate(argument[0])
    values = (evaluate(a) for a in argument)
    return all(values) if function == "Fn::And" else any(values)


def _rule_value(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        [(function, argument)] = value.items()
        if function == "Ref":
            return parameters[argument]
        if function in LOGIC:
            return _logic(function, argument, lambda a: _rule_value(a, parameters))
        if function == "Fn::Contains":
            haystack, needle = argument
            return _rule_value(needle, parameters) in [_rule_value(v, parameters) for v in haystack]
        raise TemplateError(f"Rules: {function} is not a rule function the local cloud evaluates")
    return value


# ---------------------------------------------------------------- the SAM transform
def translate(
    source: dict[str, Any],
    parameters: Mapping[str, Any],
    *,
    template_dir: Path | None,
    region: str,
    account_id: str,
    name: str,
) -> tuple[dict[str, Any], dict[str, Path]]:
    """The template after the SAM transform, and where each packaged folder is on disk.

    With a ``template_dir`` (a stack deployed from its source), a CodeUri or ContentUri naming a folder next
    to the template is that folder; without one (a template sent to the CloudFormation API) code must have
    been uploaded, as ``sam deploy`` and ``sam package`` upload it.
    """
    template = copy.deepcopy(source)
    code: dict[str, Path] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        properties = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            location = properties.get(key)
            if isinstance(location, str) and not location.startswith("s3://"):
                if template_dir is None:
                    raise TemplateError(
                        f"{logical_id}: {key} {location} is a local folder, which CloudFormation cannot read: "
                        "package the template first (sam deploy and sam package upload it to S3)"
                    )
                folder = (template_dir / location).resolve()
                if not folder.is_dir():
                    raise TemplateError(f"{logical_id}: {key} {location} is not a folder next to the template")
                s3_key = f"{logical_id}/{location.strip('/')}"
                code[s3_key] = folder
                properties[key] = f"s3://{LOCAL_BUCKET}/{s3_key}"
    if "Transform" not in template:
        return template, code
    values = {k: (",".join(v) if isinstance(v, list) else v) for k, v in parameters.items()}
    values.update(
        {"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": "aws", "AWS::StackName": name}
    )
    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its feature-toggle notices are not ours to print
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    try:
        translated: dict[str, Any] = translator.translate(
            template, parameter_values=values, get_managed_policy_map=dict, passthrough_metadata=True
        )
    except ExceptionWithMessage as error:
        causes = "; ".join(cause.message for cause in getattr(error, "causes", [])) or error.message
        raise TemplateError(f"the SAM transform refused the template: {causes}") from None
    return translated, code


# ---------------------------------------------------------------- conditions and intrinsics
def evaluate_conditions(
    template: Mapping[str, Any], parameters: Mapping[str, Any], pseudo: Mapping[str, Any]
) -> dict[str, bool]:
    definitions = template.get("Conditions") or {}
    results: dict[str, bool] = {}

    def value(expression: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(expression, dict) and len(expression) == 1:
            [(function, argument)] = expression.items()
            if function == "Condition":
                return condition(argument, seen)
            if function == "Ref":
                if argument in parameters:
                    return parameters[argument]
                if argument in pseudo:
                    return pseudo[argument]
                raise TemplateError(f"Conditions: Ref {argument} is not a parameter")
            if function in LOGIC:
                return _logic(function, argument, lambda a: value(a, seen))
            if function == "Fn::FindInMap":
                return _find_in_map(template, [value(a, seen) for a in argument])
            raise TemplateError(f"Conditions: {function} is not a condition function")
        return expression

    def condition(name: str, seen: tuple[str, ...] = ()) -> bool:
        if name in seen:
            raise TemplateError(f"Conditions: {name} depends on itself")
        if name not in results:
            if name not in definitions:
                raise TemplateError(f"Conditions: {name} is not defined")
            results[name] = bool(value(definitions[name], (*seen, name)))
        return results[name]

    for name in definitions:
        condition(name)
    return results


def _find_in_map(template: Mapping[str, Any], keys: list[Any]) -> Any:
    try:
        return template["Mappings"][keys[0]][keys[1]][keys[2]]
    except (KeyError, IndexError, TypeError):
        raise TemplateError(f"Fn::FindInMap: {keys} is not in the template's Mappings") from None


class Resolver:
    """Resolves intrinsic functions against the stack's parameters, conditions and created resources."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def resolve(self, value: Any, where: str) -> Any:
        resolved = self._value(value, where)
        return None if resolved is NO_VALUE else resolved

    def _value(self, value: Any, where: str) -> Any:
        if isinstance(value, list):
            return [v for v in (self._value(item, where) for item in value) if v is not NO_VALUE]
        if isinstance(value, dict):
            if len(value) == 1:
                [(key, argument)] = value.items()
                if key == "Ref" or key.startswith("Fn::"):
                    return self._function(key, argument, where)
            return {k: v for k, v in ((k, self._value(v, where)) for k, v in value.items()) if v is not NO_VALUE}
        return value

    def _ref(self, name: str, where: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.stack.parameters:
            return self.stack.parameters[name]
        pseudo = self.stack.pseudo()
        if name in pseudo:
            return pseudo[name]
        if name in self.stack.resources:
            return self.stack.resources[name].ref
        raise TemplateError(f"{where}: Ref {name} names no parameter or created resource")

    def _get_att(self, name: str, attribute: str, where: str) -> Any:
        resource = self.stack.resources.get(name)
        if resource is None:
            raise TemplateError(f"{where}: Fn::GetAtt {name}.{attribute} names no created resource")
        if attribute not in resource.attributes:
            known = ", ".join(sorted(resource.attributes)) or "none"
            raise TemplateError(f"{where}: {name} has no attribute {attribute} here (it has: {known})")
        return resource.attributes[attribute]

    def _function(self, key: str, argument: Any, where: str) -> Any:
        try:
            return self._apply(key, argument, where)
        except TemplateError:
            raise
        except (IndexError, KeyError, TypeError, ValueError, AttributeError) as error:
            shown = json.dumps(argument, default=str)
            raise TemplateError(
                f"{where}: {key} {shown} cannot be resolved ({type(error).__name__}: {error})"
            ) from None

    def _apply(self, key: str, argument: Any, where: str) -> Any:  # noqa: PLR0911, PLR0912 - one branch a function
        if key == "Ref":
            return self._ref(argument, where)
        if key == "Fn::GetAtt":
            name, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return self._get_att(name, self._value(attribute, where), where)
        if key == "Fn::Sub":
            return self._sub(argument, where)
        if key == "Fn::Join":
            separator, items = argument
            return cfn_text(separator).join(cfn_text(v) for v in self._value(items, where))
        if key == "Fn::Select":
            index, items = self._value(argument, where)
            return items[int(index)]
        if key == "Fn::Split":
            separator, text = argument
            return str(self._value(text, where)).split(separator)
        if key == "Fn::If":
            condition, yes, no = argument
            if condition not in self.stack.conditions:
                raise TemplateError(f"{where}: Fn::If names condition {condition}, which is not defined")
            return self._value(yes if self.stack.conditions[condition] else no, where)
        if key == "Fn::Equals":
            left, right = self._value(argument, where)
            return cfn_text(left) == cfn_text(right)
        if key == "Fn::FindInMap":
            return _find_in_map(self.stack.template, self._value(argument, where))
        if key == "Fn::GetAZs":
            return [f"{self.stack.region}{zone}" for zone in "abc"]
        if key == "Fn::Base64":
            import base64  # noqa: PLC0415

            return base64.b64encode(str(self._value(argument, where)).encode()).decode()
        if key == "Fn::ImportValue":
            name = cfn_text(self._value(argument, where))
            value = self.stack.export_value(name)
            if value is None:
                raise TemplateError(f"No export named {name} found.")
            self.stack.imported.add(name)
            return value
        raise TemplateError(f"{where}: {key} is not an intrinsic function the local cloud resolves")

    def _sub(self, argument: Any, where: str) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
        values = {name: self._value(v, where) for name, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return cfn_text(values[name])
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return cfn_text(self._get_att(resource, attribute, where))
            return cfn_text(self._ref(name, where))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


def dependencies(value: Any) -> set[str]:
    """The logical ids a value refers to (Ref, Fn::GetAtt and Fn::Sub's ${...})."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= dependencies(item)
    elif isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                found.add(argument)
            elif key == "Fn::GetAtt":
                found.add(argument[0] if isinstance(argument, list) else str(argument).split(".", 1)[0])
            elif key == "Fn::Sub":
                text = argument if isinstance(argument, str) else argument[0]
                local = set() if isinstance(argument, str) else set(argument[1])
                for name in re.findall(r"\$\{([^}!][^}]*)\}", text):
                    head = name.split(".", 1)[0]
                    if head not in local:
                        found.add(head)
                if not isinstance(argument, str):
                    found |= dependencies(argument[1])
            else:
                found |= dependencies(argument)
    return found


def dependency_graph(
    resources: Mapping[str, Mapping[str, Any]], declared: Mapping[str, Any] | None = None
) -> dict[str, set[str]]:
    """Each resource's prerequisites among ``resources``: what it refers to (Ref, Fn::GetAtt, Fn::Sub) or
    names in DependsOn.

    ``declared`` is every resource of the template, whatever its condition: a DependsOn naming none of them
    is CloudFormation's "Unresolved resource dependencies".
    """
    declared = resources if declared is None else declared
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        depends = resource.get("DependsOn") or []
        named = set([depends] if isinstance(depends, str) else depends)
        unresolved = sorted(named - set(declared))
        if unresolved:
            raise TemplateError(
                f"Template format error: Unresolved resource dependencies {unresolved} in the Resources block "
                "of the template"
            )
        wanted = dependencies(resource.get("Properties") or {}) | named
        graph[name] = {d for d in wanted if d in resources}
    return graph


def creation_order(resources: Mapping[str, Mapping[str, Any]], declared: Mapping[str, Any] | None = None) -> list[str]:
    """Logical ids in an order where each comes after its prerequisites (``dependency_graph``)."""
    try:
        return list(TopologicalSorter(dependency_graph(resources, declared)).static_order())
    except CycleError as error:
        raise TemplateError(f"Circular dependency between resources: {sorted(set(error.args[1]))}") from None
