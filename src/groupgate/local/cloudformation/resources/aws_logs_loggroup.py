"""AWS::Logs::LogGroup: a name and its ARN (functions' logs go to .local/logs/)."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    group = p.get("LogGroupName") or context.physical_name(logical_id, 512)
    return Deployed(group, {"Arn": context.arn("logs", f"log-group:{group}:*")})


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    return


TYPE = ResourceType(
    "AWS::Logs::LogGroup",
    names(
        "DataProtectionPolicy DeletionProtectionEnabled FieldIndexPolicies KmsKeyId LogGroupClass LogGroupName "
        "ResourcePolicyDocument RetentionInDays Tags"
    ),
    create,
    delete,
)
