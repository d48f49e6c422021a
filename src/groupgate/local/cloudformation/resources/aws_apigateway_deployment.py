"""AWS::ApiGateway::Deployment: a snapshot of the API's definition."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    return Deployed(context.services.apis.create_deployment(p["RestApiId"], description=p.get("Description")))


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """Its description: a deployment's snapshot of the API never changes."""
    context.services.apis.update_deployment(deployed.ref, description=p.get("Description"))
    return deployed


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    context.services.apis.delete_deployment(deployed.ref)


TYPE = ResourceType(
    "AWS::ApiGateway::Deployment",
    names("DeploymentCanarySettings Description RestApiId StageDescription StageName"),
    create,
    delete,
    update=update,
    not_applied={"StageName": "a stage made by the deployment", "DeploymentCanarySettings": "a canary"},
)
