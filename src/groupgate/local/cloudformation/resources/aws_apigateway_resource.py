"""AWS::ApiGateway::Resource: a path part under its parent resource (the API's root or another resource)."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    resource_id = context.services.apis.create_resource(p["RestApiId"], p["ParentId"], p["PathPart"])
    return Deployed(resource_id, {"ResourceId": resource_id})


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    context.services.apis.delete_resource(p["RestApiId"], deployed.ref)


TYPE = ResourceType("AWS::ApiGateway::Resource", names("ParentId PathPart RestApiId"), create, delete)
