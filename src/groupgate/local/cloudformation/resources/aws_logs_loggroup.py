"""AWS::Logs::LogGroup, in the local CloudWatch Logs (moto's), where functions and APIs write their lines."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import (
    Context,
    ResourceType,
    call,
    delete_call,
    names,
    undone_on_failure,
)
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    logs = context.client("logs")
    group = p.get("LogGroupName") or context.physical_name(logical_id, 512)
    tags = {t["Key"]: t["Value"] for t in p.get("Tags") or []}
    call(logs, "CreateLogGroup", logical_id, logGroupName=group, tags=tags or None)
    with undone_on_failure(lambda: delete_call(logs, "DeleteLogGroup", logical_id, logGroupName=group)):
        if p.get("RetentionInDays") is not None:
            call(logs, "PutRetentionPolicy", logical_id, logGroupName=group, retentionInDays=p["RetentionInDays"])
    return Deployed(group, {"Arn": context.arn("logs", f"log-group:{group}:*")})


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """Its retention (its events stay)."""
    logs = context.client("logs")
    if p.get("RetentionInDays") is not None:
        call(logs, "PutRetentionPolicy", logical_id, logGroupName=deployed.ref, retentionInDays=p["RetentionInDays"])
    elif old.get("RetentionInDays") is not None:
        call(logs, "DeleteRetentionPolicy", logical_id, logGroupName=deployed.ref)
    return deployed


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    delete_call(context.client("logs"), "DeleteLogGroup", logical_id, logGroupName=deployed.ref)


TYPE = ResourceType(
    "AWS::Logs::LogGroup",
    names(
        "DataProtectionPolicy DeletionProtectionEnabled FieldIndexPolicies KmsKeyId LogGroupClass LogGroupName "
        "ResourcePolicyDocument RetentionInDays Tags"
    ),
    create,
    delete,
    update=update,
)
