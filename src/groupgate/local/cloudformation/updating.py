"""How the CloudFormation engine updates a stack (``Engine`` takes these steps from here): each resource whose
resolved properties changed is updated in place by its type's ``update`` or replaced (the new one made, what
refers to it repointed, the old one deleted in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS), new resources are created
and removed ones deleted in the cleanup, in dependency order and several at a time; a failure rolls the stack
back (what was updated is updated back, a custom resource with the old properties; what the update made is
deleted in UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS), unless rollback is disabled (UPDATE_FAILED). Which
changes replace a resource is ``changes.replaces``' to say, the same rule the change set was planned with."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from groupgate.local.cloudformation import changes as planning
from groupgate.local.cloudformation.records import Prepared, Resource, StackRecord
from groupgate.local.cloudformation.resources import resource_type
from groupgate.local.cloudformation.resources.base import Context, Services
from groupgate.local.cloudformation.resources.custom import CustomFailed
from groupgate.local.cloudformation.steps import FAILURES, in_order, reason
from groupgate.local.cloudformation.template import Deployed, Resolver, Stack, TemplateError

__all__ = ["Engine", "update"]


class Engine(Protocol):
    """What an update asks of the engine that runs it (``engine.Engine``): its statuses, events and lock, and the
    steps it shares with a create and a delete. A protocol, so that this module never imports the engine."""

    services: Services
    work_dir: Path
    progress: Callable[[str], None]
    _lock: threading.RLock

    def _set(self, record: StackRecord, status: str) -> None: ...
    def _finish(self, record: StackRecord, status: str, reason: str) -> None: ...
    def _event(self, record: StackRecord, resource: Resource | None, status: str, reason: str) -> None: ...
    def _stack_of(self, name: str, prepared: Prepared, stack_id: str = "") -> Stack: ...
    def _outputs(self, record: StackRecord) -> list[dict[str, str]]: ...
    def refused_exports(self, record: StackRecord, previous: Sequence[Mapping[str, str]] = ()) -> str: ...
    def _create_one(self, record: StackRecord, context: Context, name: str) -> bool: ...
    def _delete_these(
        self, record: StackRecord, these: Mapping[str, tuple[Resource, Context, str]], graph: Mapping[str, set[str]]
    ) -> bool: ...


REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."


def update(
    engine: Engine, record: StackRecord, prepared: Prepared, *, parameters: list[dict[str, str]],
    capabilities: list[str], tags: list[dict[str, str]], disable_rollback: bool,
) -> None:  # fmt: skip
    """Update the stack to ``prepared``: each resource whose resolved properties changed is updated in place or
    replaced, new ones are created, in dependency order; then what was replaced or removed is deleted
    (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS). A failure rolls the stack back to what it was."""
    before = Before(record)
    engine._set(record, "UPDATE_IN_PROGRESS")
    engine._event(record, None, "UPDATE_IN_PROGRESS", "User Initiated")
    with engine._lock:
        stack = engine._stack_of(record.name, prepared, record.stack_id)
        stack.resources = {n: d for n, d in record.stack.resources.items() if n in prepared.order}
        record.stack, record.prepared = stack, prepared
        record.parameters, record.capabilities, record.tags = parameters, capabilities, tags
        record.disable_rollback = disable_rollback
    work = Work()
    context = Context(stack, engine.services, engine.work_dir, engine.progress)
    failed = in_order(
        prepared.order, prepared.graph, lambda n: _update_one(engine, record, context, n, before=before, work=work)
    )
    reason = ""
    if failed:
        done = "create" if set(failed) <= set(work.added) else "update"
        reason = f"The following resource(s) failed to {done}: [{', '.join(failed)}]. "
    else:
        try:
            record.outputs = engine._outputs(record)
            reason = engine.refused_exports(record, before.outputs)
        except TemplateError as error:
            reason = str(error)
    if reason:
        _roll_back(engine, record, before, work, reason)
        return
    engine._set(record, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    engine._event(record, None, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
    old = Context(before.stack, engine.services, engine.work_dir, engine.progress)
    gone = {n: (r, old, "DeletionPolicy") for n, r in record.resources.items() if n not in prepared.order}
    replaced = {n: (r, context, "UpdateReplacePolicy") for n, r in work.replaced.items()}
    engine._delete_these(record, {**gone, **replaced}, before.graph)  # a failed cleanup fails no update
    with engine._lock:
        for name in gone:
            record.resources.pop(name, None)
    engine._finish(record, "UPDATE_COMPLETE", "")


def _update_one(
    engine: Engine, record: StackRecord, context: Context, name: str, *, before: Before, work: Work
) -> bool:
    old = before.resources.get(name)
    if old is None or old.deployed is None or old.status.startswith("DELETE"):
        work.added.append(name)
        return engine._create_one(record, context, name)
    declared = record.stack.template["Resources"][name]
    resource, kind = record.resources[name], declared["Type"]
    try:
        properties = Resolver(record.stack).resolve(declared.get("Properties") or {}, name) or {}
    except TemplateError as error:
        engine._event(record, resource, "UPDATE_FAILED", reason(name, kind, error))
        return False
    if properties == old.properties:
        return True  # not touched, as CloudFormation leaves it
    handler = resource_type(kind)
    assert handler is not None  # checked when the template was prepared
    replacing = planning.replaces(kind, old.properties, properties)
    resource.properties = properties
    try:
        if replacing:
            engine._event(record, resource, "UPDATE_IN_PROGRESS", REPLACING)
            work.replaced[name] = old
            deployed = handler.create(context, name, properties)
            work.made[name] = deployed
        else:
            engine._event(record, resource, "UPDATE_IN_PROGRESS", "")
            work.updated[name] = old
            assert handler.update is not None  # replaces() said it has one
            assert old.deployed is not None
            deployed = handler.update(context, name, old.deployed, old.properties, properties)
            if deployed.ref != old.deployed.ref:  # a custom resource that answered another id: replaced
                work.replaced[name], work.made[name] = work.updated.pop(name), deployed
    except CustomFailed as error:
        if error.deployed is not None and error.deployed.ref != (old.deployed and old.deployed.ref):
            work.made[name] = error.deployed
        engine._event(record, resource, "UPDATE_FAILED", str(error))
        return False
    except FAILURES as error:
        engine._event(record, resource, "UPDATE_FAILED", reason(name, kind, error))
        return False
    resource.deployed = deployed
    record.stack.resources[name] = deployed
    if replacing:
        engine._event(record, resource, "UPDATE_IN_PROGRESS", "Resource creation Initiated")
    engine._event(record, resource, "UPDATE_COMPLETE", "")
    engine.progress(f"UPDATE_COMPLETE  {kind:<45} {name}")
    return True


def _roll_back(engine: Engine, record: StackRecord, before: Before, work: Work, reason: str) -> None:
    """Back to the stack as it was: what was updated in place is updated back (a custom resource gets an
    Update with the old properties), a replaced resource is the old one again; then what the update made is
    deleted (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS)."""
    if record.disable_rollback:
        engine._finish(record, "UPDATE_FAILED", reason)
        return
    engine._set(record, "UPDATE_ROLLBACK_IN_PROGRESS")
    engine._event(record, None, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
    made_in = Context(record.stack, engine.services, engine.work_dir, engine.progress)
    made_graph = record.prepared.graph if record.prepared else {}
    current = dict(record.resources)
    with engine._lock:
        record.stack, record.prepared, record.outputs = before.stack, before.prepared, before.outputs
        record.parameters, record.capabilities, record.tags = before.parameters, before.capabilities, before.tags
    context = Context(before.stack, engine.services, engine.work_dir, engine.progress)
    back = [n for n in before.order if n in work.updated]  # a failed one too: it may be half changed
    failed = in_order(back, before.graph, lambda n: _update_back(engine, record, context, n, before.resources[n]))
    for name, old in work.replaced.items():
        record.resources[name] = old
        engine._event(record, old, "UPDATE_COMPLETE", "")
    engine._set(record, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    engine._event(record, None, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
    made = {n: (current[n], made_in, "DeletionPolicy") for n in work.added}
    made |= {n: (replace(current[n], deployed=d), made_in, "") for n, d in work.made.items()}
    engine._delete_these(record, made, made_graph)
    with engine._lock:
        for name in work.added:
            record.resources.pop(name, None)
    if failed:
        reason = f"The following resource(s) failed to update: [{', '.join(failed)}]. "
        engine._finish(record, "UPDATE_ROLLBACK_FAILED", reason)
        return
    engine._finish(record, "UPDATE_ROLLBACK_COMPLETE", "")


def _update_back(engine: Engine, record: StackRecord, context: Context, name: str, old: Resource) -> bool:
    resource = record.resources[name]
    handler = resource_type(resource.type)
    assert handler is not None
    assert handler.update is not None  # it was updated in place
    assert resource.deployed is not None
    engine._event(record, resource, "UPDATE_IN_PROGRESS", "")
    try:
        deployed = handler.update(context, name, resource.deployed, resource.properties, old.properties)
    except FAILURES as error:
        engine._event(record, resource, "UPDATE_FAILED", reason(name, resource.type, error))
        return False
    resource.deployed, resource.properties = deployed, old.properties
    record.stack.resources[name] = deployed
    engine._event(record, resource, "UPDATE_COMPLETE", "")
    return True


@dataclass
class Before:
    """The stack as it was when an update started: what its rollback goes back to."""

    record: StackRecord
    stack: Stack = field(init=False)
    prepared: Prepared = field(init=False)
    resources: dict[str, Resource] = field(init=False)
    outputs: list[dict[str, str]] = field(init=False)
    parameters: list[dict[str, str]] = field(init=False)
    capabilities: list[str] = field(init=False)
    tags: list[dict[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        record = self.record
        assert record.prepared is not None  # an updatable stack was created from a template
        self.stack, self.prepared, self.outputs = record.stack, record.prepared, record.outputs
        self.resources = {n: r.copy() for n, r in record.resources.items()}
        self.parameters, self.capabilities, self.tags = record.parameters, record.capabilities, record.tags

    @property
    def order(self) -> list[str]:
        return self.prepared.order

    @property
    def graph(self) -> dict[str, set[str]]:
        return self.prepared.graph


@dataclass
class Work:
    """What an update has done so far, for its cleanup or its rollback."""

    added: list[str] = field(default_factory=list)
    updated: dict[str, Resource] = field(default_factory=dict)  # updated in place: each as it was
    replaced: dict[str, Resource] = field(default_factory=dict)  # each old one, deleted in the cleanup
    made: dict[str, Deployed] = field(default_factory=dict)  # each replacement's new physical resource
