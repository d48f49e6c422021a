"""What an update would change, worked out before anything changes (CreateChangeSet's ``Changes``).

Each resource of the new template is resolved, in creation order, against what the stack holds now: one
whose resolved properties are those it was made or last updated with is left alone; one that is new is an
Add; one that changed is a Modify, with each changed property as a detail (Static when known now; Dynamic
when it depends on something the update itself will change, as CloudFormation evaluates it), and a
Replacement of True when a property that cannot change in place changes (``schemas``), Conditional when
such a property may change with something it refers to; a resource the new template no longer has is a
Remove. The engine applies the same rule again while it updates, against the values it then knows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from groupgate.local.cloudformation import schemas
from groupgate.local.cloudformation import template as templates
from groupgate.local.cloudformation.records import Change, Prepared, Resource
from groupgate.local.cloudformation.resources import resource_type
from groupgate.local.cloudformation.resources.base import DeployError
from groupgate.local.cloudformation.template import Deployed, Resolver, Stack, TemplateError

__all__ = ["plan", "replaces"]

MARK = "<<known once updated>>"  # stands for a value known only once the update has made it


class _Unknown(dict[str, Any]):
    """Attributes of a resource the update changes: any may become something else."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> str:
        return f"{MARK}{self.name}.{key}"


def replaces(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The changed properties that make CloudFormation replace the resource: those that cannot change in place,
    or any, for a type the local cloud cannot update in place."""
    handler = resource_type(kind)
    if handler is not None and handler.update is None:
        return sorted(k for k in {*old, *new} if old.get(k) != new.get(k))
    return schemas.replacing_changes(kind, old, new)


def plan(resources: Mapping[str, Resource], old: Prepared, new: Prepared, stack: Stack) -> list[Change]:
    """The changes from ``old`` (what ``resources`` were made with) to ``new``; ``stack`` is the new template's,
    holding no resources yet. A resource whose type would change is refused, as CloudFormation refuses it."""
    live = {name: r for name, r in resources.items() if r.deployed is not None and not r.status.startswith("DELETE")}
    declared = new.processed.get("Resources") or {}
    retyped = sorted(n for n in new.order if n in live and live[n].type != declared[n]["Type"])
    if retyped:
        raise DeployError(
            "Update of resource type is not permitted. The new template modifies resource type of the following "
            f"resources: [{', '.join(retyped)}]"
        )
    changed_parameters = {k for k, v in new.parameters.items() if old.parameters.get(k) != v}
    changes = []
    for name in new.order:
        kind = declared[name]["Type"]
        before = live.get(name)
        if before is None:
            changes.append(Change("Add", name, kind))
            stack.resources[name] = Deployed(f"{MARK}{name}", _Unknown(name))
            continue
        assert before.deployed is not None
        try:
            properties = Resolver(stack).resolve(declared[name].get("Properties") or {}, name) or {}
        except TemplateError:
            properties = {key: MARK for key in declared[name].get("Properties") or {}}
        if properties == before.properties:
            stack.resources[name] = before.deployed
            continue
        was = ((old.processed.get("Resources") or {}).get(name) or {}).get("Properties") or {}
        details = _details(kind, (was, declared[name].get("Properties") or {}), before.properties, properties,
                           changed_parameters)  # fmt: skip
        replacement = _replacement(details)
        changes.append(Change("Modify", name, kind, before.physical_id, replacement, tuple(details)))
        custom = resource_type(kind) is resource_type("Custom::*")
        if replacement != "False":
            stack.resources[name] = Deployed(f"{MARK}{name}", _Unknown(name))
        elif custom:  # the same id; the answer's Data may change
            stack.resources[name] = Deployed(before.deployed.ref, _Unknown(name))
        else:
            stack.resources[name] = before.deployed
    changes += [Change("Remove", n, r.type, r.physical_id) for n, r in live.items() if n not in new.order]
    return changes


def _details(
    kind: str, texts: tuple[Mapping[str, Any], Mapping[str, Any]], old: Mapping[str, Any], new: Mapping[str, Any],
    changed_parameters: set[str],
) -> list[dict[str, Any]]:  # fmt: skip
    """Each changed property; ``texts``: the properties as the old and the new template write them."""
    was, declared = texts
    replacing = set(replaces(kind, old, new))  # a pending value counts as changed: Always, but Dynamic
    found = []
    for key in sorted({*old, *new}):
        value = new.get(key)
        pending = MARK in _text(value)
        if old.get(key) == value and not pending:
            continue
        source, entity = _cause(was.get(key), declared.get(key), changed_parameters, pending)
        recreation = "Always" if key in replacing else "Never"
        detail: dict[str, Any] = {
            "Target": {"Attribute": "Properties", "Name": key, "RequiresRecreation": recreation},
            "Evaluation": "Dynamic" if pending else "Static",
            "ChangeSource": source,
        }
        if entity:
            detail["CausingEntity"] = entity
        found.append(detail)
    return found


def _cause(was: Any, declared: Any, changed_parameters: set[str], pending: bool) -> tuple[str, str]:
    """Why a property changed: its text in the template, a parameter it names, or a resource it refers to."""
    if was != declared:
        return "DirectModification", ""
    named = templates.dependencies(declared)
    parameters = sorted(named & changed_parameters)
    if parameters:
        return "ParameterReference", parameters[0]
    attributes = sorted(_get_atts(declared))
    if attributes:
        return "ResourceAttribute", attributes[0]
    return ("ResourceReference", sorted(named)[0]) if named and pending else ("DirectModification", "")


def _get_atts(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, argument in value.items():
            if key == "Fn::GetAtt":
                found.add(".".join(argument) if isinstance(argument, list) else str(argument))
            else:
                found |= _get_atts(argument)
    elif isinstance(value, list):
        for item in value:
            found |= _get_atts(item)
    return found


def _replacement(details: list[dict[str, Any]]) -> str:
    recreations = {(d["Target"]["RequiresRecreation"], d["Evaluation"]) for d in details}
    if ("Always", "Static") in recreations:
        return "True"
    if ("Always", "Dynamic") in recreations:
        return "Conditional"
    return "False"


def _text(value: Any) -> str:
    return json.dumps(value, default=str)
