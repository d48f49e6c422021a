"""AWS::ApiGateway::Account: the region's API Gateway account settings, its CloudWatch Logs role; set as
``UpdateAccount`` sets it (the role must trust API Gateway), and left as it is when the resource is deleted."""

from __future__ import annotations

import uuid
from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, names, refused
from groupgate.local.cloudformation.template import Deployed
from groupgate.local.protocol import AwsError


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    _set(context, p)
    return Deployed(f"{context.stack.name}-{logical_id}-{uuid.uuid4().hex[:12]}")


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    _set(context, p)
    return deployed


def _set(context: Context, p: dict[str, Any]) -> None:
    try:
        context.services.apis.account.set_role(p.get("CloudWatchRoleArn") or None)
    except AwsError as error:
        raise refused("ApiGateway", error) from None


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    return  # as in CloudFormation: deleting the resource leaves the account's setting as it is


TYPE = ResourceType("AWS::ApiGateway::Account", names("CloudWatchRoleArn"), create, delete, update=update)
