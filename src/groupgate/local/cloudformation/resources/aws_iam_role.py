"""AWS::IAM::Role, through IAM at the local endpoint (moto keeps it)."""

from __future__ import annotations

import json
from typing import Any

from groupgate.local.cloudformation.resources.base import (
    Context,
    DeployError,
    ResourceType,
    call,
    gone,
    names,
    undone_on_failure,
)
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    iam = context.client("iam")
    role_name = p.get("RoleName") or context.physical_name(logical_id, 64)
    created = call(
        iam, "CreateRole", logical_id,
        RoleName=role_name, Path=p.get("Path", "/"), Description=p.get("Description"),
        AssumeRolePolicyDocument=json.dumps(p["AssumeRolePolicyDocument"]),
        MaxSessionDuration=p.get("MaxSessionDuration"), Tags=p.get("Tags"),
    )["Role"]  # fmt: skip
    deployed = Deployed(role_name, {"Arn": created["Arn"], "RoleId": created["RoleId"]})
    with undone_on_failure(lambda: delete(context, logical_id, deployed, p)):
        for policy in p.get("Policies", []):
            call(iam, "PutRolePolicy", logical_id, RoleName=role_name, PolicyName=policy["PolicyName"],
                 PolicyDocument=json.dumps(policy["PolicyDocument"]))  # fmt: skip
        for arn in p.get("ManagedPolicyArns", []):
            call(iam, "AttachRolePolicy", logical_id, RoleName=role_name, PolicyArn=arn)
    return deployed


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """What changed, each by its own call: the trust policy, the description and session length, the inline
    policies (put, and those gone deleted), the managed ones (attached and detached), the tags."""
    iam, role = context.client("iam"), deployed.ref
    if p["AssumeRolePolicyDocument"] != old.get("AssumeRolePolicyDocument"):
        call(iam, "UpdateAssumeRolePolicy", logical_id, RoleName=role,
             PolicyDocument=json.dumps(p["AssumeRolePolicyDocument"]))  # fmt: skip
    if (p.get("Description"), p.get("MaxSessionDuration")) != (old.get("Description"), old.get("MaxSessionDuration")):
        call(iam, "UpdateRole", logical_id, RoleName=role, Description=p.get("Description", ""),
             MaxSessionDuration=p.get("MaxSessionDuration", 3600))  # fmt: skip
    policies = {policy["PolicyName"]: policy["PolicyDocument"] for policy in p.get("Policies", [])}
    before = {policy["PolicyName"]: policy["PolicyDocument"] for policy in old.get("Policies", [])}
    for name, document in policies.items():
        if before.get(name) != document:
            call(iam, "PutRolePolicy", logical_id, RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))
    for name in set(before) - set(policies):
        call(iam, "DeleteRolePolicy", logical_id, RoleName=role, PolicyName=name)
    arns, attached = set(p.get("ManagedPolicyArns", [])), set(old.get("ManagedPolicyArns", []))
    for arn in sorted(arns - attached):
        call(iam, "AttachRolePolicy", logical_id, RoleName=role, PolicyArn=arn)
    for arn in sorted(attached - arns):
        call(iam, "DetachRolePolicy", logical_id, RoleName=role, PolicyArn=arn)
    tags, tagged = {t["Key"]: t["Value"] for t in p.get("Tags", [])}, {t["Key"] for t in old.get("Tags", [])}
    if tagged - set(tags):
        call(iam, "UntagRole", logical_id, RoleName=role, TagKeys=sorted(tagged - set(tags)))
    if tags and p.get("Tags") != old.get("Tags"):
        call(iam, "TagRole", logical_id, RoleName=role, Tags=p["Tags"])
    return deployed


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    """IAM deletes a role only without policies: its inline ones go, its managed ones are detached, first."""
    iam = context.client("iam")
    try:
        for name in call(iam, "ListRolePolicies", logical_id, RoleName=deployed.ref)["PolicyNames"]:
            call(iam, "DeleteRolePolicy", logical_id, RoleName=deployed.ref, PolicyName=name)
        for attached in call(iam, "ListAttachedRolePolicies", logical_id, RoleName=deployed.ref)["AttachedPolicies"]:
            call(iam, "DetachRolePolicy", logical_id, RoleName=deployed.ref, PolicyArn=attached["PolicyArn"])
        call(iam, "DeleteRole", logical_id, RoleName=deployed.ref)
    except DeployError as error:
        if not gone(error):
            raise


TYPE = ResourceType(
    "AWS::IAM::Role",
    names(
        "AssumeRolePolicyDocument Description ManagedPolicyArns MaxSessionDuration Path PermissionsBoundary "
        "Policies RoleName Tags"
    ),
    create,
    delete,
    update=update,
    not_applied={"PermissionsBoundary": "a permissions boundary"},
)
