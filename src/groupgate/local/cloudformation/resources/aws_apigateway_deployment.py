"""AWS::ApiGateway::Deployment: a snapshot of the API's definition."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    return Deployed(context.services.apis.create_deployment(p["RestApiId"]))


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    context.services.apis.delete_deployment(deployed.ref)


TYPE = ResourceType(
    "AWS::ApiGateway::Deployment",
    names("DeploymentCanarySettings Description RestApiId StageDescription StageName"),
    create,
    delete,
    not_applied={"StageName": "a stage made by the deployment", "DeploymentCanarySettings": "a canary"},
)
