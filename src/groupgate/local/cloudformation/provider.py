"""The CloudFormation API on the local cloud's endpoint, one handler an operation, over the ``engine``.

Requests arrive parsed and checked against botocore's model (``query``); each handler answers the members of
the operation's output shape, which ``query`` writes as CloudFormation's XML. Messages are CloudFormation's
(shared/AWS-SEMANTICS.md section 8): "Stack with id <name> does not exist", "Stack [<name>] already exists",
"Requires capabilities : [CAPABILITY_IAM]", ... An update's parameters may keep their previous values
(``UsePreviousValue``) and its template the previous one (``UsePreviousTemplate``). Operations the engine does
not do (stack sets, drift, imports) answer a ValidationError that says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from groupgate.local.cloudformation import template as templates
from groupgate.local.cloudformation.engine import ChangeSet, Engine, Prepared, StackRecord
from groupgate.local.cloudformation.resources.base import DeployError
from groupgate.local.cloudformation.template import TemplateError
from groupgate.local.protocol import AwsError, Handler, Operations

MAX_BODY_BYTES = 51_200
PAGE = 100
Fetch = Callable[[str, str], bytes]  # (bucket, key) -> the object, from the local S3


def _validation(message: str) -> AwsError:
    return AwsError("ValidationError", message)


class CloudFormation(Operations):
    def __init__(self, engine: Engine, fetch: Fetch) -> None:
        self.engine, self.fetch = engine, fetch
        self.operations: dict[str, Handler] = {
            "ValidateTemplate": self.validate_template,
            "CreateChangeSet": self.create_change_set,
            "DescribeChangeSet": self.describe_change_set,
            "ExecuteChangeSet": self.execute_change_set,
            "DeleteChangeSet": self.delete_change_set,
            "ListChangeSets": self.list_change_sets,
            "CreateStack": self.create_stack,
            "UpdateStack": self.update_stack,
            "DeleteStack": self.delete_stack,
            "DescribeStacks": self.describe_stacks,
            "DescribeStackEvents": self.describe_stack_events,
            "DescribeStackResource": self.describe_stack_resource,
            "DescribeStackResources": self.describe_stack_resources,
            "ListStackResources": self.list_stack_resources,
            "ListStacks": self.list_stacks,
            "ListExports": self.list_exports,
            "ListImports": self.list_imports,
            "GetTemplate": self.get_template,
            "GetTemplateSummary": self.get_template_summary,
        }

    def unknown(self, operation: str) -> AwsError:
        return _validation(f"{operation} is not something the local cloud's CloudFormation does (yet)")

    def call(self, operation: str, request: dict[str, Any]) -> Mapping[str, Any]:
        try:
            return super().call(operation, request)
        except (TemplateError, DeployError) as error:
            raise _validation(str(error)) from None

    # ------------------------------------------------------------ templates
    def _body(self, request: Mapping[str, Any]) -> str:
        if request.get("TemplateBody") is not None:
            body = str(request["TemplateBody"])
            if len(body.encode()) > MAX_BODY_BYTES:
                raise _validation(
                    "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must "
                    f"have length less than or equal to {MAX_BODY_BYTES}"
                )
            return body
        if request.get("TemplateURL") is not None:
            bucket, key = _s3_location(str(request["TemplateURL"]))
            try:
                return self.fetch(bucket, key).decode()
            except DeployError as error:
                raise _validation(f"S3 error: {error}") from None
        raise _validation("Either Template URL or Template Body must be specified.")

    def _prepare(
        self, name: str, request: Mapping[str, Any], previous: Prepared | None = None
    ) -> tuple[Prepared, list[dict[str, str]]]:
        """The template as CloudFormation reads it; ``previous``: what an update's previous values come from."""
        overrides = {}
        for parameter in request.get("Parameters") or []:
            key = str(parameter["ParameterKey"])
            if parameter.get("UsePreviousValue"):
                if previous is None or key not in previous.parameters:
                    raise _validation(
                        f"Invalid input for parameter key {key}. Cannot specify usePreviousValue as true for "
                        "non-existing parameter"
                    )
                value = previous.parameters[key]
                overrides[key] = ",".join(value) if isinstance(value, list) else str(value)
            else:
                overrides[key] = str(parameter.get("ParameterValue", ""))
        if request.get("UsePreviousTemplate"):
            if previous is None:
                raise _validation("UsePreviousTemplate can only be used for an update")
            if request.get("TemplateBody") is not None or request.get("TemplateURL") is not None:
                raise _validation("Exactly one of TemplateBody, TemplateUrl or UsePreviousTemplate must be specified.")
            prepared = self.engine.prepare(name, previous.body, overrides, source=previous.source)
        else:
            prepared = self.engine.prepare(name, self._body(request), overrides)
        return prepared, prepared.shown_parameters()

    def validate_template(self, request: dict[str, Any]) -> Mapping[str, Any]:
        source = templates.parse(self._body(request))
        declared = source.get("Parameters") or {}
        capabilities = _raw_capabilities(source)
        return {
            "Parameters": [
                {
                    "ParameterKey": name,
                    **({"DefaultValue": templates.cfn_text(spec["Default"])} if "Default" in spec else {}),
                    "NoEcho": bool(spec.get("NoEcho", False)),
                    **({"Description": str(spec["Description"])} if spec.get("Description") else {}),
                }
                for name, spec in declared.items()
            ],
            "Description": source.get("Description"),
            "Capabilities": capabilities,
            "CapabilitiesReason": _capabilities_reason(capabilities),
            "DeclaredTransforms": _transforms(source),
        }

    def get_template_summary(self, request: dict[str, Any]) -> Mapping[str, Any]:
        if request.get("StackName"):
            record = self.engine.find(request["StackName"])
            source = record.prepared.source if record.prepared else {}
        else:
            source = templates.parse(self._body(request))
        declared = source.get("Parameters") or {}
        capabilities = _raw_capabilities(source)
        return {
            "Parameters": [
                {
                    "ParameterKey": name,
                    "ParameterType": str(spec.get("Type", "String")),
                    **({"DefaultValue": templates.cfn_text(spec["Default"])} if "Default" in spec else {}),
                    "NoEcho": bool(spec.get("NoEcho", False)),
                    **({"Description": str(spec["Description"])} if spec.get("Description") else {}),
                    "ParameterConstraints": {
                        "AllowedValues": [templates.cfn_text(v) for v in spec.get("AllowedValues", [])]
                    },
                }
                for name, spec in declared.items()
            ],
            "Description": source.get("Description"),
            "Capabilities": capabilities,
            "CapabilitiesReason": _capabilities_reason(capabilities),
            "ResourceTypes": sorted({str(r.get("Type")) for r in (source.get("Resources") or {}).values()}),
            "Version": str(source.get("AWSTemplateFormatVersion", "2010-09-09")),
            "Metadata": json.dumps(source["Metadata"]) if "Metadata" in source else None,
            "DeclaredTransforms": _transforms(source),
        }

    # ------------------------------------------------------------ change sets
    def create_change_set(self, request: dict[str, Any]) -> Mapping[str, Any]:
        name, kind = str(request["StackName"]), str(request.get("ChangeSetType") or "UPDATE")
        if kind == "IMPORT":
            raise _validation("Resource imports are not something the local cloud's CloudFormation does")
        previous = None
        if kind == "UPDATE":  # refused before any template is read, saying why
            previous = self.engine.updatable(name).prepared
        prepared, shown = self._prepare(name, request, previous)
        given = request.get("Tags")
        tags = list(given) if given is not None else (self.engine.find(name).tags if kind == "UPDATE" else [])
        capabilities = list(request.get("Capabilities") or [])
        Engine.check_capabilities(prepared, capabilities, change_set=True)
        change_set = self.engine.create_change_set(
            name,
            str(request["ChangeSetName"]),
            prepared,
            kind=kind,
            parameters=shown,
            capabilities=capabilities,
            tags=tags,
            description=str(request.get("Description") or ""),
        )
        record, _ = self.engine.find_change_set(change_set.change_set_id, None)
        return {"Id": change_set.change_set_id, "StackId": record.stack_id}

    def describe_change_set(self, request: dict[str, Any]) -> Mapping[str, Any]:
        record, change_set = self.engine.find_change_set(str(request["ChangeSetName"]), request.get("StackName"))
        return {
            **_change_set_summary(record, change_set),
            "Parameters": change_set.parameters,
            "Capabilities": change_set.capabilities,
            "Tags": change_set.tags,
            "NotificationARNs": [],
            "RollbackConfiguration": {},
            "Changes": [change.shown() for change in change_set.changes],
        }

    def execute_change_set(self, request: dict[str, Any]) -> Mapping[str, Any]:
        self.engine.execute_change_set(
            str(request["ChangeSetName"]),
            request.get("StackName"),
            disable_rollback=bool(request.get("DisableRollback")),
        )
        return {}

    def delete_change_set(self, request: dict[str, Any]) -> Mapping[str, Any]:
        self.engine.delete_change_set(str(request["ChangeSetName"]), request.get("StackName"))
        return {}

    def list_change_sets(self, request: dict[str, Any]) -> Mapping[str, Any]:
        record = self.engine.find(str(request["StackName"]))
        return {"Summaries": [_change_set_summary(record, c) for c in record.change_sets.values()]}

    # ------------------------------------------------------------ stacks
    def create_stack(self, request: dict[str, Any]) -> Mapping[str, Any]:
        name = str(request["StackName"])
        prepared, shown = self._prepare(name, request)
        capabilities = list(request.get("Capabilities") or [])
        Engine.check_capabilities(prepared, capabilities, change_set=False)
        failure = request.get("OnFailure") or ("DO_NOTHING" if request.get("DisableRollback") else "ROLLBACK")
        if failure == "DELETE":
            raise _validation("OnFailure DELETE is not something the local cloud's CloudFormation does: use ROLLBACK")
        record = self.engine.create_stack(
            name,
            prepared,
            parameters=shown,
            capabilities=capabilities,
            tags=list(request.get("Tags") or []),
            disable_rollback=failure == "DO_NOTHING",
        )
        return {"StackId": record.stack_id}

    def update_stack(self, request: dict[str, Any]) -> Mapping[str, Any]:
        name = str(request["StackName"])
        record = self.engine.updatable(name)
        prepared, shown = self._prepare(record.name, request, record.prepared)
        capabilities = list(request.get("Capabilities") or [])
        Engine.check_capabilities(prepared, capabilities, change_set=False)
        tags = list(request["Tags"]) if request.get("Tags") is not None else record.tags  # omitted: kept
        self.engine.update_stack(
            record.name, prepared, parameters=shown, capabilities=capabilities, tags=tags,
            disable_rollback=bool(request.get("DisableRollback")),
        )  # fmt: skip
        return {"StackId": record.stack_id}

    def delete_stack(self, request: dict[str, Any]) -> Mapping[str, Any]:
        self.engine.delete_stack(str(request["StackName"]))
        return {}

    def describe_stacks(self, request: dict[str, Any]) -> Mapping[str, Any]:
        records = [self.engine.find(str(request["StackName"]))] if request.get("StackName") else self.engine.live()
        return {"Stacks": [_stack(record) for record in records]}

    def describe_stack_events(self, request: dict[str, Any]) -> Mapping[str, Any]:
        record = self.engine.find(str(request["StackName"]))
        events = list(reversed(record.events))
        start = int(request.get("NextToken") or 0)
        page = events[start : start + PAGE]
        more = {"NextToken": str(start + PAGE)} if start + PAGE < len(events) else {}
        return {"StackEvents": page, **more}

    def describe_stack_resource(self, request: dict[str, Any]) -> Mapping[str, Any]:
        record = self.engine.find(str(request["StackName"]))
        resource = record.resources.get(str(request["LogicalResourceId"]))
        if resource is None or resource.status == "DELETE_COMPLETE":
            raise _validation(f"Resource {request['LogicalResourceId']} does not exist for stack {record.name}")
        detail = {**_resource(record, resource), "LastUpdatedTimestamp": resource.updated}
        detail.pop("Timestamp")
        return {"StackResourceDetail": detail}

    def describe_stack_resources(self, request: dict[str, Any]) -> Mapping[str, Any]:
        if request.get("StackName"):
            records = [self.engine.find(str(request["StackName"]))]
        elif request.get("PhysicalResourceId"):
            wanted = str(request["PhysicalResourceId"])
            records = [r for r in self.engine.live() if any(x.physical_id == wanted for x in r.resources.values())]
            if not records:
                raise _validation(f"Stack for {wanted} does not exist")
        else:
            raise _validation("Either StackName or PhysicalResourceId must be specified.")
        found = [
            _resource(record, resource)
            for record in records
            for resource in record.resources.values()
            if resource.status != "DELETE_COMPLETE" and request.get("LogicalResourceId") in (None, resource.logical_id)
        ]
        return {"StackResources": found}

    def list_stack_resources(self, request: dict[str, Any]) -> Mapping[str, Any]:
        record = self.engine.find(str(request["StackName"]))
        summaries = [
            {
                "LogicalResourceId": r.logical_id,
                "PhysicalResourceId": r.physical_id,
                "ResourceType": r.type,
                "LastUpdatedTimestamp": r.updated,
                "ResourceStatus": r.status,
                **({"ResourceStatusReason": r.reason} if r.reason else {}),
                "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
            }
            for r in record.resources.values()
            if r.status != "DELETE_COMPLETE"
        ]
        return {"StackResourceSummaries": summaries}

    def list_stacks(self, request: dict[str, Any]) -> Mapping[str, Any]:
        wanted = set(request.get("StackStatusFilter") or [])
        summaries = [
            {
                "StackId": r.stack_id,
                "StackName": r.name,
                "TemplateDescription": r.description or None,
                "CreationTime": r.created,
                "DeletionTime": r.deleted,
                "LastUpdatedTime": r.updated,
                "StackStatus": r.status,
                **({"StackStatusReason": r.reason} if r.reason else {}),
                "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
            }
            for r in reversed(list(self.engine.stacks.values()))
            if not wanted or r.status in wanted
        ]
        return {"StackSummaries": summaries}

    def list_exports(self, request: dict[str, Any]) -> Mapping[str, Any]:
        exports = self.engine.exports()
        return {"Exports": [{"ExportingStackId": record.stack_id, "Name": name, "Value": value}
                            for name, (record, value) in sorted(exports.items())]}  # fmt: skip

    def list_imports(self, request: dict[str, Any]) -> Mapping[str, Any]:
        name = str(request.get("ExportName", ""))
        importers = self.engine.importers(name)
        if not importers:
            raise _validation(f"Export '{name}' is not imported by any stack.")
        return {"Imports": sorted(importers)}

    def get_template(self, request: dict[str, Any]) -> Mapping[str, Any]:
        if request.get("ChangeSetName"):
            _, change_set = self.engine.find_change_set(str(request["ChangeSetName"]), request.get("StackName"))
            prepared: Prepared | None = change_set.prepared
        else:
            prepared = self.engine.find(str(request.get("StackName") or "")).prepared
        if prepared is None:
            return {"TemplateBody": "", "StagesAvailable": ["Original", "Processed"]}
        processed = request.get("TemplateStage") == "Processed"
        body = json.dumps(prepared.processed, indent=2, default=str) if processed else prepared.body
        return {"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]}


def _s3_location(url: str) -> tuple[str, str]:
    """(bucket, key) of a TemplateURL: path style (any host, the local endpoint's too) or virtual-hosted S3."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _validation("TemplateURL must be a supported URL.")
    hosted = re.match(r"(?P<bucket>.+)\.s3[.-]", parts.netloc)
    path = unquote(parts.path).lstrip("/")
    if hosted and path:
        return hosted.group("bucket"), path
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise _validation("TemplateURL must reference a valid S3 object to which you have access.")
    return bucket, key


def _transforms(source: Mapping[str, Any]) -> list[str]:
    declared = source.get("Transform")
    return [str(t) for t in declared] if isinstance(declared, list) else ([str(declared)] if declared else [])


def _raw_capabilities(source: Mapping[str, Any]) -> list[str]:
    """What ValidateTemplate says the template requires, from its resources as written."""
    resources = (source.get("Resources") or {}).values()
    kinds = {str(r.get("Type")) for r in resources}
    found = []
    iam = [r for r in resources if str(r.get("Type", "")).startswith("AWS::IAM::")]
    if any(set(r.get("Properties") or {}) & {"RoleName", "ManagedPolicyName", "UserName", "GroupName"} for r in iam):
        found.append("CAPABILITY_NAMED_IAM")
    elif iam or any(k.startswith("AWS::Serverless::") for k in kinds):
        found.append("CAPABILITY_IAM")
    if _transforms(source):
        found.append("CAPABILITY_AUTO_EXPAND")
    return found


def _capabilities_reason(capabilities: list[str]) -> str | None:
    if not capabilities:
        return None
    return "The following resource(s) require capabilities: " + ", ".join(capabilities)


def _stack(record: StackRecord) -> dict[str, Any]:
    return {
        "StackId": record.stack_id,
        "StackName": record.name,
        "ChangeSetId": record.change_set_id or None,
        "Description": record.description or None,
        "Parameters": record.parameters,
        "CreationTime": record.created,
        "DeletionTime": record.deleted,
        "LastUpdatedTime": record.updated,
        "RollbackConfiguration": {},
        "StackStatus": record.status,
        "StackStatusReason": record.reason or None,
        "DisableRollback": record.disable_rollback,
        "NotificationARNs": [],
        "Capabilities": record.capabilities,
        "Outputs": record.outputs,
        "Tags": record.tags,
        "EnableTerminationProtection": False,
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
    }


def _resource(record: StackRecord, resource: Any) -> dict[str, Any]:
    return {
        "StackName": record.name,
        "StackId": record.stack_id,
        "LogicalResourceId": resource.logical_id,
        "PhysicalResourceId": resource.physical_id,
        "ResourceType": resource.type,
        "Timestamp": resource.updated,
        "ResourceStatus": resource.status,
        **({"ResourceStatusReason": resource.reason} if resource.reason else {}),
        "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
    }


def _change_set_summary(record: StackRecord, change_set: ChangeSet) -> dict[str, Any]:
    return {
        "StackId": record.stack_id,
        "StackName": record.name,
        "ChangeSetId": change_set.change_set_id,
        "ChangeSetName": change_set.name,
        "ExecutionStatus": change_set.execution_status,
        "Status": change_set.status,
        **({"StatusReason": change_set.status_reason} if change_set.status_reason else {}),
        "CreationTime": change_set.created,
        **({"Description": change_set.description} if change_set.description else {}),
        "IncludeNestedStacks": False,
    }
