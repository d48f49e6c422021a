"""AWS::IAM::Policy: an inline policy put on each of its roles."""

from __future__ import annotations

import json
import uuid
from typing import Any

from groupgate.local.cloudformation.resources.base import Context, DeployError, ResourceType, call, delete_call, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    if p.get("Users") or p.get("Groups"):
        raise DeployError(f"{logical_id}: policies for IAM users or groups are not something the local cloud keeps")
    for role in p.get("Roles", []):
        call(context.client("iam"), "PutRolePolicy", logical_id, RoleName=role, PolicyName=p["PolicyName"],
             PolicyDocument=json.dumps(p["PolicyDocument"]))  # fmt: skip
    return Deployed(f"{context.stack.name}-{p['PolicyName']}-{uuid.uuid4().hex[:12]}")


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """The policy put again on each of its roles; taken off the roles it no longer names (or by its old name)."""
    create(context, logical_id, p)
    renamed = old["PolicyName"] != p["PolicyName"]
    for role in old.get("Roles", []):
        if renamed or role not in p.get("Roles", []):
            delete_call(context.client("iam"), "DeleteRolePolicy", logical_id, RoleName=role,
                        PolicyName=old["PolicyName"])  # fmt: skip
    return deployed


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    for role in p.get("Roles", []):
        delete_call(context.client("iam"), "DeleteRolePolicy", logical_id, RoleName=role, PolicyName=p["PolicyName"])


TYPE = ResourceType(
    "AWS::IAM::Policy", names("Groups PolicyDocument PolicyName Roles Users"), create, delete, update=update
)
