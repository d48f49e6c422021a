"""AWS::ApiGateway::Account: the account's API Gateway settings (the local cloud keeps none yet)."""

from __future__ import annotations

import uuid
from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    return Deployed(f"{context.stack.name}-{logical_id}-{uuid.uuid4().hex[:12]}")


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    return deployed  # the account's CloudWatch role, which the local cloud's logging does not need


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    return  # as in CloudFormation: deleting the resource leaves the account's setting as it is


TYPE = ResourceType("AWS::ApiGateway::Account", names("CloudWatchRoleArn"), create, delete, update=update)
