"""AWS::IAM::ManagedPolicy, attached to its roles."""

from __future__ import annotations

import json
from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, call, delete_call, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    iam = context.client("iam")
    name = p.get("ManagedPolicyName") or context.physical_name(logical_id, 128)
    created = call(
        iam, "CreatePolicy", logical_id, PolicyName=name, Path=p.get("Path", "/"),
        PolicyDocument=json.dumps(p["PolicyDocument"]), Description=p.get("Description"),
    )["Policy"]  # fmt: skip
    for role in p.get("Roles", []):
        call(iam, "AttachRolePolicy", logical_id, RoleName=role, PolicyArn=created["Arn"])
    return Deployed(created["Arn"], {"PolicyArn": created["Arn"]})


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """A new default version for a new document (IAM keeps five: the oldest other one goes); roles attached
    and detached as the list changes."""
    iam = context.client("iam")
    if p["PolicyDocument"] != old["PolicyDocument"]:
        versions = call(iam, "ListPolicyVersions", logical_id, PolicyArn=deployed.ref)["Versions"]
        if len(versions) >= 5:
            oldest = min((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
            call(iam, "DeletePolicyVersion", logical_id, PolicyArn=deployed.ref, VersionId=oldest["VersionId"])
        call(iam, "CreatePolicyVersion", logical_id, PolicyArn=deployed.ref,
             PolicyDocument=json.dumps(p["PolicyDocument"]), SetAsDefault=True)  # fmt: skip
    roles, before = set(p.get("Roles", [])), set(old.get("Roles", []))
    for role in sorted(roles - before):
        call(iam, "AttachRolePolicy", logical_id, RoleName=role, PolicyArn=deployed.ref)
    for role in sorted(before - roles):
        delete_call(iam, "DetachRolePolicy", logical_id, RoleName=role, PolicyArn=deployed.ref)
    return deployed


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    iam = context.client("iam")
    for role in p.get("Roles", []):
        delete_call(iam, "DetachRolePolicy", logical_id, RoleName=role, PolicyArn=deployed.ref)
    delete_call(iam, "DeletePolicy", logical_id, PolicyArn=deployed.ref)


TYPE = ResourceType(
    "AWS::IAM::ManagedPolicy",
    names("Description Groups ManagedPolicyName Path PolicyDocument Roles Users"),
    create,
    delete,
    update=update,
)
