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
    not_applied={"PermissionsBoundary": "a permissions boundary"},
)
