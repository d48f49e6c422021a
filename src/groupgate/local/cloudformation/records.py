"""What the CloudFormation engine keeps of each stack: its template as prepared, its resources, its change sets
and events. Data only; ``engine`` changes it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from groupgate.local.cloudformation import template as templates
from groupgate.local.cloudformation.template import Deployed, Stack

__all__ = ["Change", "ChangeSet", "Prepared", "Resource", "StackRecord"]


@dataclass
class Prepared:
    """A template ready to create: what CloudFormation checks before it starts."""

    body: str  # the original template, as given
    source: dict[str, Any]
    processed: dict[str, Any]  # after the transform
    parameters: dict[str, Any]
    conditions: dict[str, bool]
    order: list[str]  # the resources whose condition holds, in creation order
    capabilities: list[str]  # those the template requires
    graph: dict[str, set[str]] = field(default_factory=dict)  # each resource's prerequisites
    code: dict[str, Path] = field(default_factory=dict)
    template_dir: Path | None = None

    def shown_parameters(self) -> list[dict[str, str]]:
        """The parameters as DescribeStacks shows them (a NoEcho one as ****)."""
        declared = self.source.get("Parameters") or {}
        shown = []
        for name, value in self.parameters.items():
            text = ",".join(value) if isinstance(value, list) else templates.cfn_text(value)
            hidden = str(declared.get(name, {}).get("NoEcho", "false")).lower() == "true"
            shown.append({"ParameterKey": name, "ParameterValue": "****" if hidden else text})
        return shown


@dataclass
class Resource:
    logical_id: str
    type: str
    status: str
    updated: float
    reason: str = ""
    deployed: Deployed | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def physical_id(self) -> str:
        return self.deployed.ref if self.deployed else ""

    def copy(self) -> Resource:
        return replace(self, properties=dict(self.properties))


@dataclass(frozen=True)
class Change:
    """One resource's change, as DescribeChangeSet shows it."""

    action: str  # Add, Modify, Remove
    logical_id: str
    resource_type: str
    physical_id: str = ""
    replacement: str = ""  # Modify: True, False or Conditional
    details: tuple[dict[str, Any], ...] = ()

    def shown(self) -> dict[str, Any]:
        change: dict[str, Any] = {
            "Action": self.action,
            "LogicalResourceId": self.logical_id,
            "ResourceType": self.resource_type,
            "Scope": ["Properties"] if self.action == "Modify" else [],
            "Details": list(self.details),
        }
        if self.physical_id:
            change["PhysicalResourceId"] = self.physical_id
        if self.action == "Modify":
            change["Replacement"] = self.replacement
        return {"Type": "Resource", "ResourceChange": change}


@dataclass
class ChangeSet:
    change_set_id: str
    name: str
    kind: str  # CREATE or UPDATE
    prepared: Prepared
    created: float
    description: str
    parameters: list[dict[str, str]]
    capabilities: list[str]
    tags: list[dict[str, str]]
    status: str = "CREATE_COMPLETE"
    execution_status: str = "AVAILABLE"
    status_reason: str = ""
    changes: list[Change] = field(default_factory=list)


@dataclass
class StackRecord:
    stack: Stack  # what the resolver needs; its resources are the created ones
    created: float
    status: str
    tags: list[dict[str, str]]
    capabilities: list[str]
    parameters: list[dict[str, str]]  # as DescribeStacks shows them
    prepared: Prepared | None = None
    reason: str = ""
    disable_rollback: bool = False
    deleted: float | None = None
    updated: float | None = None
    change_set_id: str = ""
    outputs: list[dict[str, str]] = field(default_factory=list)
    resources: dict[str, Resource] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    change_sets: dict[str, ChangeSet] = field(default_factory=dict)
    running: threading.Event = field(default_factory=threading.Event)  # set while an operation runs

    @property
    def name(self) -> str:
        return self.stack.name

    @property
    def stack_id(self) -> str:
        return self.stack.stack_id

    @property
    def description(self) -> str:
        return str((self.prepared.source if self.prepared else {}).get("Description", ""))
