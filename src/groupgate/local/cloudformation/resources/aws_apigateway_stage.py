"""AWS::ApiGateway::Stage: a deployment served at /<StageName>/, with its throttling and access log; a stage that
would log is refused, as API Gateway refuses it, while the account has no CloudWatch Logs role."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, names, refused
from groupgate.local.cloudformation.template import Deployed
from groupgate.local.protocol import AwsError


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    _put(context, p)
    return Deployed(p["StageName"])


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """The stage pointed at its (new) deployment with its new settings; requests from then on see them."""
    _put(context, p)
    return deployed


def _put(context: Context, p: dict[str, Any]) -> None:
    try:
        context.services.apis.create_stage(
            p["RestApiId"], p["StageName"], p["DeploymentId"], variables=p.get("Variables"),
            method_settings=p.get("MethodSettings", []), access_log=p.get("AccessLogSetting"),
            description=p.get("Description"), tracing=bool(p.get("TracingEnabled")),
        )  # fmt: skip
    except AwsError as error:
        raise refused("ApiGateway", error) from None


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    context.services.apis.delete_stage(p["RestApiId"], deployed.ref)


TYPE = ResourceType(
    "AWS::ApiGateway::Stage",
    names(
        "AccessLogSetting CacheClusterEnabled CacheClusterSize CanarySetting ClientCertificateId DeploymentId "
        "Description DocumentationVersion MethodSettings RestApiId StageName Tags TracingEnabled Variables"
    ),
    create,
    delete,
    update=update,
    not_applied={"CanarySetting": "a canary", "ClientCertificateId": "a client certificate"},
)
