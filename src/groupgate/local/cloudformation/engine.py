"""The local cloud's CloudFormation engine: every stack's lifecycle, apart from the API that drives it
(``provider``) and from the resource types it creates (``resources``).

A stack is created in dependency order, independent resources at once (``steps``), each with
CloudFormation's events (CREATE_IN_PROGRESS, then CREATE_COMPLETE or CREATE_FAILED with the reason); a
failure rolls the stack back (what was created is deleted, dependents first; the stack ends
ROLLBACK_COMPLETE, and can then only be deleted), unless rollback is disabled (the stack ends CREATE_FAILED,
its resources kept). An update is planned by ``changes`` and made by ``updating``. A stack is deleted
dependents first (``DeletionPolicy: Retain`` keeps a resource: DELETE_SKIPPED), ending DELETE_COMPLETE;
afterwards it is found by its id, not its name. Statuses and messages are CloudFormation's
(shared/AWS-SEMANTICS.md section 8).

Operations run on a thread of their own; the call that starts one answers once it has finished or after
``SYNC_SECONDS``, whichever comes first. A client then finds it done at its first poll (the SAM CLI's waiters
poll every 15 to 30 seconds), and every event is listed all the same.

What a template needs is checked before anything is created (``prepare``): its parameters and rules, the
SAM transform (applied here, as CloudFormation applies it), conditions, that every type can be created and
every property is one the type has, the dependency order, and the capabilities it requires.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from groupgate.local.apigateway.restapis import DefinitionError
from groupgate.local.awslambda.functions import LambdaError
from groupgate.local.cloudformation import changes as planning
from groupgate.local.cloudformation import template as templates
from groupgate.local.cloudformation import updating
from groupgate.local.cloudformation.records import Change, ChangeSet, Prepared, Resource, StackRecord
from groupgate.local.cloudformation.resources import resource_type
from groupgate.local.cloudformation.resources.base import Context, DeployError, Services
from groupgate.local.cloudformation.resources.custom import CustomFailed
from groupgate.local.cloudformation.steps import FAILURES, in_order, reason
from groupgate.local.cloudformation.template import Resolver, Stack, TemplateError
from groupgate.local.protocol import AwsError

__all__ = ["ChangeSet", "DeployError", "Engine", "Prepared", "Resource", "StackRecord"]

STACK_TYPE = "AWS::CloudFormation::Stack"
SYNC_SECONDS = 20.0
IAM_TYPES = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group",
             "AWS::IAM::InstanceProfile", "AWS::IAM::AccessKey", "AWS::IAM::UserToGroupAddition")  # fmt: skip
IAM_NAMES = ("RoleName", "ManagedPolicyName", "UserName", "GroupName", "InstanceProfileName")
# A stack in one of these has no exports (and holds no imports): its create did not complete, or it is gone.
NOT_EXPORTING = frozenset(("CREATE_IN_PROGRESS", "CREATE_FAILED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE",
                           "ROLLBACK_FAILED", "DELETE_COMPLETE", "REVIEW_IN_PROGRESS"))  # fmt: skip
UPDATABLE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_FAILED")
NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set."


def _not_found(name: str) -> AwsError:
    return AwsError("ValidationError", f"Stack with id {name} does not exist")


class Engine:
    """Every stack of the local cloud (several live side by side, as in one account and region)."""

    def __init__(
        self,
        services: Services,
        *,
        region: str,
        account_id: str,
        work_dir: Path,
        local_urls: Callable[[str], str] = lambda value: value,
        progress: Callable[[str], None] = lambda line: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.services, self.region, self.account_id, self.work_dir = services, region, account_id, work_dir
        self.local_urls, self.progress, self.clock = local_urls, progress, clock
        self.stacks: dict[str, StackRecord] = {}  # by stack id, deleted ones too
        self._lock = threading.RLock()
        self._last_event = 0.0

    # ------------------------------------------------------------ finding stacks
    def find(self, name_or_id: str) -> StackRecord:
        """A stack by id (deleted ones too), or by name (live ones only), as CloudFormation finds it."""
        with self._lock:
            if name_or_id in self.stacks:
                return self.stacks[name_or_id]
            for record in self.stacks.values():
                if record.name == name_or_id and record.status != "DELETE_COMPLETE":
                    return record
        raise _not_found(name_or_id)

    def live(self) -> list[StackRecord]:
        with self._lock:
            return [r for r in self.stacks.values() if r.status != "DELETE_COMPLETE"]

    # ------------------------------------------------------------ exports
    def exports(self) -> dict[str, tuple[StackRecord, str]]:
        """The account's exports: each name, the stack that exports it and its value (stacks whose create
        completed, while they last)."""
        found: dict[str, tuple[StackRecord, str]] = {}
        with self._lock:
            for record in self.stacks.values():
                if record.status in NOT_EXPORTING:
                    continue
                for output in record.outputs:
                    if "ExportName" in output:
                        found.setdefault(output["ExportName"], (record, output["OutputValue"]))
        return found

    def export_value(self, name: str) -> str | None:
        found = self.exports().get(name)
        return found[1] if found else None

    def importers(self, name: str, *, besides: StackRecord | None = None) -> list[str]:
        """The stacks that import export ``name``."""
        with self._lock:
            return [r.name for r in self.stacks.values() if r is not besides and r.status not in NOT_EXPORTING
                    and name in r.stack.imported]  # fmt: skip

    def refused_exports(self, record: StackRecord, previous: Sequence[Mapping[str, str]] = ()) -> str:
        """Why the stack's new outputs may not stand, as CloudFormation checks exports: a name another stack
        exports, or an export other stacks import that changed or went. Empty when they may."""
        mine = {o["ExportName"]: o["OutputValue"] for o in record.outputs if "ExportName" in o}
        exports = self.exports()
        for name in mine:
            holder = exports.get(name)
            if holder and holder[0] is not record:
                return f"Export with name {name} is already exported by stack {holder[0].name}"
        for output in previous:
            export = output.get("ExportName", "")
            changed = export and mine.get(export) != output["OutputValue"]
            if changed and (users := self.importers(export, besides=record)):
                return f"Export {export} cannot be updated as it is in use by {users[0]}"
        return ""

    def _exists(self, name: str) -> StackRecord | None:
        try:
            return self.find(name)
        except AwsError:
            return None

    # ------------------------------------------------------------ preparing
    def prepare(
        self,
        name: str,
        body: str,
        overrides: Mapping[str, str],
        *,
        code: Mapping[str, Path] | None = None,
        template_dir: Path | None = None,
        source: dict[str, Any] | None = None,
    ) -> Prepared:
        """Everything CloudFormation checks before it creates anything; TemplateError or DeployError if not."""
        source = source if source is not None else templates.parse(body)
        parameters = templates.parameter_values(source, overrides)
        templates.check_rules(source, parameters)
        processed, found = templates.translate(
            source, parameters, template_dir=template_dir, region=self.region, account_id=self.account_id, name=name
        )
        stack = Stack(name, self.region, self.account_id, template_dir, parameters, {}, processed, found)
        conditions = templates.evaluate_conditions(processed, parameters, stack.pseudo())
        order, graph = _checked_order(processed, conditions)
        return Prepared(body, source, processed, parameters, conditions, order, _capabilities(processed, order),
                        graph, found, template_dir)  # fmt: skip

    @staticmethod
    def check_capabilities(prepared: Prepared, given: Sequence[str], *, change_set: bool) -> None:
        wanted = list(prepared.capabilities)
        if "Transform" in prepared.source and not change_set:
            wanted.append("CAPABILITY_AUTO_EXPAND")  # a change set shows the expansion before it runs
        missing = [
            c for c in wanted if c not in given and not (c == "CAPABILITY_IAM" and "CAPABILITY_NAMED_IAM" in given)
        ]
        if missing:
            raise AwsError("InsufficientCapabilitiesException", f"Requires capabilities : [{', '.join(missing)}]")

    # ------------------------------------------------------------ change sets
    def create_change_set(
        self, stack_name: str, name: str, prepared: Prepared, *, kind: str, parameters: list[dict[str, str]],
        capabilities: list[str], tags: list[dict[str, str]], description: str,
    ) -> ChangeSet:  # fmt: skip
        with self._lock:
            if kind == "UPDATE":
                record = self.updatable(stack_name)
                found = self.plan_update(record, prepared, tags)
            else:
                existing = self._exists(stack_name)
                if existing is not None and existing.status != "REVIEW_IN_PROGRESS":
                    raise AwsError("AlreadyExistsException", f"Stack [{stack_name}] already exists")
                record = existing or self._new_record(
                    stack_name, prepared, "REVIEW_IN_PROGRESS", tags=tags, capabilities=capabilities,
                    parameters=parameters,
                )  # fmt: skip
                if existing is None:
                    self._event(record, None, "REVIEW_IN_PROGRESS", "User Initiated")
                found = [Change("Add", n, prepared.processed["Resources"][n]["Type"]) for n in prepared.order]
            if name in record.change_sets:
                raise AwsError("AlreadyExistsException", f"ChangeSet {name} already exists")
            arn = f"arn:aws:cloudformation:{self.region}:{self.account_id}:changeSet/{name}/{uuid.uuid4()}"
            change_set = ChangeSet(arn, name, kind, prepared, self.clock(), description, parameters, capabilities, tags)
            change_set.changes = found or []
            if found is None:  # nothing would change: a change set CloudFormation cannot execute
                change_set.status, change_set.execution_status, change_set.status_reason = (
                    "FAILED", "UNAVAILABLE", NO_CHANGES
                )  # fmt: skip
            record.change_sets[name] = change_set
            return change_set

    def updatable(self, stack_name: str) -> StackRecord:
        """The stack, if CloudFormation would update it now; else CloudFormation's refusal."""
        with self._lock:
            existing = self.find(stack_name)
            if existing.status not in UPDATABLE or existing.running.is_set():
                raise AwsError(
                    "ValidationError",
                    f"Stack:{existing.stack_id} is in {existing.status} state and can not be updated.",
                )
            return existing

    def plan_update(self, record: StackRecord, prepared: Prepared, tags: list[dict[str, str]]) -> list[Change] | None:
        """What updating the stack to ``prepared`` would change; None when nothing would (no resource, no
        output, no tag)."""
        assert record.prepared is not None  # an updatable stack was created from a template
        stack = self._stack_of(record.name, prepared, record.stack_id)
        found = planning.plan(record.resources, record.prepared, prepared, stack)
        if found or tags != record.tags:
            return found
        try:
            outputs = self._outputs_of(stack)
        except TemplateError:
            return found
        return None if outputs == record.outputs else found

    def find_change_set(self, name_or_id: str, stack_name: str | None) -> tuple[StackRecord, ChangeSet]:
        with self._lock:
            records = [self.find(stack_name)] if stack_name else list(self.stacks.values())
            for record in records:
                for change_set in record.change_sets.values():
                    if name_or_id in (change_set.name, change_set.change_set_id):
                        return record, change_set
        raise AwsError("ChangeSetNotFoundException", f"ChangeSet [{name_or_id}] does not exist")

    def delete_change_set(self, name_or_id: str, stack_name: str | None) -> None:
        record, change_set = self.find_change_set(name_or_id, stack_name)
        with self._lock:
            if change_set.execution_status == "EXECUTE_IN_PROGRESS":
                raise AwsError(
                    "InvalidChangeSetStatusException",
                    f"ChangeSet [{change_set.change_set_id}] cannot be deleted in its current status of "
                    f"[{change_set.execution_status}]",
                )
            del record.change_sets[change_set.name]

    def execute_change_set(self, name_or_id: str, stack_name: str | None, *, disable_rollback: bool) -> None:
        record, change_set = self.find_change_set(name_or_id, stack_name)
        with self._lock:
            if change_set.execution_status != "AVAILABLE" or record.running.is_set():
                raise AwsError(
                    "InvalidChangeSetStatusException",
                    f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status of "
                    f"[{change_set.execution_status}]",
                )
            if change_set.kind == "UPDATE":
                self.updatable(record.stack_id)
            change_set.execution_status = "EXECUTE_IN_PROGRESS"
            record.running.set()  # under the lock: a second ExecuteChangeSet finds it running
            for other in record.change_sets.values():  # made against the stack as it was
                if other is not change_set and other.execution_status == "AVAILABLE":
                    other.execution_status = "OBSOLETE"
            record.change_set_id = change_set.change_set_id
            if change_set.kind == "CREATE":
                record.prepared = change_set.prepared
                record.tags, record.capabilities, record.parameters = (
                    change_set.tags, change_set.capabilities, change_set.parameters
                )  # fmt: skip
                record.stack = self._stack_of(record.name, change_set.prepared, record.stack_id)
                record.disable_rollback = disable_rollback

        def run_then_settle() -> None:
            try:
                if change_set.kind == "CREATE":
                    self._create(record)
                else:
                    updating.update(
                        self, record, change_set.prepared, parameters=change_set.parameters,
                        capabilities=change_set.capabilities, tags=change_set.tags, disable_rollback=disable_rollback,
                    )  # fmt: skip
            finally:
                complete = record.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
                change_set.execution_status = "EXECUTE_COMPLETE" if complete else "EXECUTE_FAILED"

        self._start(record, run_then_settle)

    # ------------------------------------------------------------ stacks
    def create_stack(
        self, name: str, prepared: Prepared, *, parameters: list[dict[str, str]], capabilities: list[str],
        tags: list[dict[str, str]], disable_rollback: bool = False, wait: bool = False,
    ) -> StackRecord:  # fmt: skip
        with self._lock:
            if self._exists(name) is not None:
                raise AwsError("AlreadyExistsException", f"Stack [{name}] already exists")
            record = self._new_record(
                name, prepared, "CREATE_IN_PROGRESS", tags=tags, capabilities=capabilities, parameters=parameters
            )
            record.disable_rollback = disable_rollback
        self._start(record, lambda: self._create(record), wait=wait)
        return record

    def update_stack(
        self, name: str, prepared: Prepared, *, parameters: list[dict[str, str]], capabilities: list[str],
        tags: list[dict[str, str]], disable_rollback: bool = False, wait: bool = False,
    ) -> StackRecord:  # fmt: skip
        with self._lock:
            record = self.updatable(name)
            if self.plan_update(record, prepared, tags) is None:
                raise AwsError("ValidationError", "No updates are to be performed.")
            record.running.set()  # nothing else starts on it from here
        self._start(
            record,
            lambda: updating.update(
                self,
                record,
                prepared,
                parameters=parameters,
                capabilities=capabilities,
                tags=tags,
                disable_rollback=disable_rollback,
            ),
            wait=wait,
        )
        return record

    def delete_stack(self, name_or_id: str, *, wait: bool = False) -> None:
        """DeleteStack: a stack that does not exist, or is being deleted, is nothing to do (200)."""
        with self._lock:
            record = self._exists(name_or_id)
            if record is None or record.status in ("DELETE_COMPLETE", "DELETE_IN_PROGRESS"):
                return
            if record.running.is_set():
                raise AwsError(
                    "ValidationError", f"Stack [{record.name}] cannot be deleted while in status {record.status}"
                )
            for output in record.outputs:
                users = self.importers(output.get("ExportName", ""), besides=record)
                if "ExportName" in output and users:
                    # The call succeeds; the stack keeps its status, and its events say why nothing happened.
                    reason = (
                        f"Delete canceled. Cannot delete export {output['ExportName']} as it is in use by {users[0]}."
                    )
                    self._event(record, None, record.status, reason)
                    return
        self._start(record, lambda: self._delete(record), wait=wait)

    def _new_record(
        self, name: str, prepared: Prepared, status: str, *, tags: list[dict[str, str]], capabilities: list[str],
        parameters: list[dict[str, str]],
    ) -> StackRecord:  # fmt: skip
        record = StackRecord(
            self._stack_of(name, prepared), self.clock(), status, tags, capabilities, parameters, prepared
        )
        self.stacks[record.stack_id] = record
        return record

    def _stack_of(self, name: str, prepared: Prepared, stack_id: str = "") -> Stack:
        return Stack(name, self.region, self.account_id, prepared.template_dir, prepared.parameters,
                     prepared.conditions, prepared.processed, dict(prepared.code), stack_id=stack_id,
                     export_value=self.export_value)  # fmt: skip

    def _start(self, record: StackRecord, operation: Callable[[], Any], *, wait: bool = False) -> None:
        """Run ``operation`` on a thread; answer when it is done, or after SYNC_SECONDS (``wait``: when done)."""
        finished = threading.Event()
        record.running.set()

        def run() -> None:
            try:
                operation()
            finally:
                record.running.clear()
                finished.set()

        threading.Thread(target=run, daemon=True, name=f"cloudformation-{record.name}").start()
        finished.wait(None if wait else SYNC_SECONDS)

    # ------------------------------------------------------------ creating
    def _create(self, record: StackRecord) -> None:
        prepared = record.prepared
        assert prepared is not None
        self._set(record, "CREATE_IN_PROGRESS")
        self._event(record, None, "CREATE_IN_PROGRESS", "User Initiated")
        context = Context(record.stack, self.services, self.work_dir, self.progress)
        failures = in_order(prepared.order, prepared.graph, lambda name: self._create_one(record, context, name))
        failed = ", ".join(failures) if failures else None
        why = f"The following resource(s) failed to create: [{failed}]. " if failed else ""
        if not why:
            try:
                record.outputs = self._outputs(record)
                why = self.refused_exports(record)
            except TemplateError as error:
                why = str(error)
            if not why:
                self._finish(record, "CREATE_COMPLETE", "")
                return
            record.outputs = []
        if record.disable_rollback:
            self._finish(record, "CREATE_FAILED", why)
            return
        self._set(record, "ROLLBACK_IN_PROGRESS")
        reason = f"{why}Rollback requested by user." if failed else f"{why}. Rollback requested by user."
        self._event(record, None, "ROLLBACK_IN_PROGRESS", reason)
        record.reason = reason
        undone = self._delete_all(record, context)
        self._finish(record, "ROLLBACK_COMPLETE" if undone else "ROLLBACK_FAILED", "" if undone else reason)

    def _create_one(self, record: StackRecord, context: Context, name: str) -> bool:
        declared = record.stack.template["Resources"][name]
        kind = declared["Type"]
        resource = Resource(name, kind, "CREATE_IN_PROGRESS", self.clock())
        record.resources[name] = resource
        self._event(record, resource, "CREATE_IN_PROGRESS", "")
        try:
            properties = Resolver(record.stack).resolve(declared.get("Properties") or {}, name) or {}
            resource.properties = properties
            handler = resource_type(kind)
            assert handler is not None
            deployed = handler.create(context, name, properties)
        except CustomFailed as error:
            resource.deployed = error.deployed  # the rollback still sends it a Delete
            self._event(record, resource, "CREATE_FAILED", str(error))
            return False
        except FAILURES as error:
            self._event(record, resource, "CREATE_FAILED", reason(name, kind, error))
            return False
        resource.deployed = deployed
        record.stack.resources[name] = deployed
        self._event(record, resource, "CREATE_IN_PROGRESS", "Resource creation Initiated")
        self._event(record, resource, "CREATE_COMPLETE", "")
        self.progress(f"CREATE_COMPLETE  {kind:<45} {name}")
        return True

    def _outputs(self, record: StackRecord) -> list[dict[str, str]]:
        return self._outputs_of(record.stack)

    def _outputs_of(self, stack: Stack) -> list[dict[str, str]]:
        found = []
        resolver = Resolver(stack)
        for name, output in (stack.template.get("Outputs") or {}).items():
            condition = output.get("Condition")
            if condition and not stack.conditions.get(condition):
                continue
            value = self.local_urls(templates.cfn_text(resolver.resolve(output["Value"], f"Outputs.{name}")))
            entry = {"OutputKey": name, "OutputValue": value}
            if output.get("Description"):
                entry["Description"] = str(output["Description"])
            export = (output.get("Export") or {}).get("Name")
            if export is not None:
                entry["ExportName"] = str(resolver.resolve(export, f"Outputs.{name}.Export"))
            found.append(entry)
        return found

    # ------------------------------------------------------------ deleting
    def _delete(self, record: StackRecord) -> None:
        self._set(record, "DELETE_IN_PROGRESS")
        self._event(record, None, "DELETE_IN_PROGRESS", "User Initiated")
        context = Context(record.stack, self.services, self.work_dir, self.progress)
        if self._delete_all(record, context):
            record.deleted = self.clock()
            self._finish(record, "DELETE_COMPLETE", "")
            return
        failed = [r.logical_id for r in record.resources.values() if r.status == "DELETE_FAILED"]
        self._finish(record, "DELETE_FAILED", f"The following resource(s) failed to delete: [{', '.join(failed)}]. ")

    def _delete_all(self, record: StackRecord, context: Context) -> bool:
        """Delete what the stack holds, each resource once nothing that depends on it is left; whether all of
        it went. A resource that fails to delete keeps what it depends on."""
        held = [name for name, r in record.resources.items() if r.status not in ("DELETE_COMPLETE", "DELETE_SKIPPED")]
        graph = record.prepared.graph if record.prepared else {}
        return self._delete_these(record, {n: (record.resources[n], context, "DeletionPolicy") for n in held}, graph)

    def _delete_these(
        self, record: StackRecord, these: Mapping[str, tuple[Resource, Context, str]], graph: Mapping[str, set[str]]
    ) -> bool:
        """Delete each of ``these`` (logical id: the resource, the context it was made in, the policy that may
        keep it), dependents first; whether all of them went."""
        names = list(these)
        dependents = {name: {other for other in names if name in graph.get(other, set())} for name in names}
        return not in_order(
            list(reversed(names)), dependents, lambda name: self._delete_one(record, name, *these[name])
        )

    def _delete_one(self, record: StackRecord, name: str, resource: Resource, context: Context, policy: str) -> bool:
        declared = context.stack.template["Resources"].get(name, {})
        if declared.get(policy) == "Retain":
            self._event(record, resource, "DELETE_SKIPPED", "")
            return True
        if resource.deployed is None:  # it failed before it existed: nothing to delete
            self._event(record, resource, "DELETE_COMPLETE", "")
            return True
        self._event(record, resource, "DELETE_IN_PROGRESS", "")
        handler = resource_type(resource.type)
        try:
            assert handler is not None  # it was created, so it has a type module
            handler.delete(context, name, resource.deployed, resource.properties)
        except (DeployError, LambdaError, DefinitionError) as error:
            self._event(record, resource, "DELETE_FAILED", reason(name, resource.type, error))
            return False
        self._event(record, resource, "DELETE_COMPLETE", "")
        return True

    # ------------------------------------------------------------ statuses and events
    def _set(self, record: StackRecord, status: str) -> None:
        with self._lock:
            record.status = status
            if status.startswith(("ROLLBACK", "DELETE", "UPDATE_IN_PROGRESS")):
                record.updated = self.clock()

    def _finish(self, record: StackRecord, status: str, reason: str) -> None:
        with self._lock:
            record.status, record.reason = status, reason
        self._event(record, None, status, reason)

    def _event(self, record: StackRecord, resource: Resource | None, status: str, reason: str) -> None:
        with self._lock:
            now = max(self.clock(), self._last_event + 0.001)  # strictly later: clients skip what they have seen
            self._last_event = now
            if resource is not None:
                resource.status, resource.reason, resource.updated = status, reason, now
            event = {
                "StackId": record.stack_id,
                "EventId": str(uuid.uuid4()) if resource is None else f"{resource.logical_id}-{status}-{uuid.uuid4()}",
                "StackName": record.name,
                "LogicalResourceId": record.name if resource is None else resource.logical_id,
                "PhysicalResourceId": record.stack_id if resource is None else resource.physical_id,
                "ResourceType": STACK_TYPE if resource is None else resource.type,
                "Timestamp": now,
                "ResourceStatus": status,
            }
            if reason:
                event["ResourceStatusReason"] = reason
            if resource is not None and resource.properties and status.endswith("IN_PROGRESS"):
                event["ResourceProperties"] = json.dumps(resource.properties, default=str)
            record.events.append(event)


def _checked_order(
    processed: Mapping[str, Any], conditions: Mapping[str, bool]
) -> tuple[list[str], dict[str, set[str]]]:
    """The resources to create, in order, after every check that can fail before anything is created."""
    resources = processed.get("Resources") or {}
    undefined = sorted(
        f"{name} ({r['Condition']})"
        for name, r in resources.items()
        if r.get("Condition") is not None and r["Condition"] not in conditions
    )
    if undefined:
        raise DeployError(f"Template format error: Unresolved condition dependencies: {', '.join(undefined)}")
    active = {n: r for n, r in resources.items() if r.get("Condition") is None or conditions.get(r["Condition"])}
    unknown = sorted({r["Type"] for r in active.values() if resource_type(r["Type"]) is None})
    if unknown:
        from groupgate.local.cloudformation.resources import TYPES  # noqa: PLC0415

        raise DeployError(
            f"the local cloud cannot create {', '.join(unknown)} "
            f"({', '.join(n for n, r in active.items() if r['Type'] in unknown)}); it creates: "
            + ", ".join(sorted([*TYPES, "Custom::*"]))
        )
    for name, resource in active.items():
        handler = resource_type(resource["Type"])
        assert handler is not None
        extra = sorted(set(resource.get("Properties") or {}) - handler.properties) if handler.properties else []
        if extra:
            raise DeployError(f"{name} ({resource['Type']}): Encountered unsupported property {extra[0]}")
        handler.refuse_what_would_be_ignored(name, resource.get("Properties") or {})
    try:
        return templates.creation_order(active, resources), templates.dependency_graph(active, resources)
    except TemplateError as error:
        raise DeployError(str(error)) from None


def _capabilities(processed: Mapping[str, Any], order: Sequence[str]) -> list[str]:
    resources = processed.get("Resources") or {}
    iam = [resources[name] for name in order if resources[name]["Type"] in IAM_TYPES]
    if any(set(r.get("Properties") or {}) & set(IAM_NAMES) for r in iam):
        return ["CAPABILITY_NAMED_IAM"]
    return ["CAPABILITY_IAM"] if iam else []
