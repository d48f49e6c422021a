"""AWS::Cognito::UserPoolGroup."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, call, delete_call, names, pick
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    group = p.get("GroupName") or context.physical_name(logical_id, 128)
    call(
        context.client("cognito-idp"),
        "CreateGroup",
        logical_id,
        GroupName=group,
        UserPoolId=p["UserPoolId"],
        **pick(p, "Description", "RoleArn", "Precedence"),
    )
    return Deployed(group)


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """UpdateGroup: its description, precedence and role (a member's next tokens carry the new role)."""
    call(context.client("cognito-idp"), "UpdateGroup", logical_id, GroupName=deployed.ref, UserPoolId=p["UserPoolId"],
         **pick(p, "Description", "RoleArn", "Precedence"))  # fmt: skip
    return deployed


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    delete_call(
        context.client("cognito-idp"), "DeleteGroup", logical_id, GroupName=deployed.ref, UserPoolId=p["UserPoolId"]
    )


TYPE = ResourceType(
    "AWS::Cognito::UserPoolGroup",
    names("Description GroupName Precedence RoleArn UserPoolId"),
    create,
    delete,
    update=update,
)
