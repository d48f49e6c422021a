"""AWS::Cognito::UserPoolUserToGroupAttachment."""

from __future__ import annotations

import uuid
from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, call, delete_call, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    call(context.client("cognito-idp"), "AdminAddUserToGroup", logical_id, UserPoolId=p["UserPoolId"],
         Username=p["Username"], GroupName=p["GroupName"])  # fmt: skip
    return Deployed(f"{context.stack.name}-{logical_id}-{uuid.uuid4().hex[:12]}")


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    delete_call(
        context.client("cognito-idp"),
        "AdminRemoveUserFromGroup",
        logical_id,
        UserPoolId=p["UserPoolId"],
        Username=p["Username"],
        GroupName=p["GroupName"],
    )


TYPE = ResourceType(
    "AWS::Cognito::UserPoolUserToGroupAttachment", names("GroupName Username UserPoolId"), create, delete
)
