"""AWS::ApiGateway::RestApi, from its OpenAPI Body or from Resource and Method resources; the API gets a
listener of its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from groupgate.local.cloudformation.resources.base import Context, DeployError, ResourceType, names
from groupgate.local.cloudformation.template import Deployed


def _body(logical_id: str, p: dict[str, Any]) -> Any:
    """The API's definition: its Body, or, for an API built from AWS::ApiGateway::Resource and Method
    resources, an empty one that they fill in."""
    if "Body" not in p:
        return {"swagger": "2.0", "info": {"title": p.get("Name") or logical_id}, "paths": {}}
    body = p["Body"]
    if isinstance(body, Mapping) and body.get("x-amazon-apigateway-policy"):
        raise DeployError(
            f"{logical_id} (AWS::ApiGateway::RestApi): x-amazon-apigateway-policy (a resource policy) is not something "
            "the local cloud applies"
        )
    return body


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    body = _body(logical_id, p)
    api_id = context.services.apis.create_api(p.get("Name") or logical_id, body, description=p.get("Description"))
    context.services.open_api(api_id)
    root = context.services.apis.apis[api_id].root_resource_id
    return Deployed(api_id, {"RootResourceId": root, "RestApiId": api_id})


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """The API's definition overwritten (PutRestApi mode overwrite, as CloudFormation does with a Body): the
    stages serve their deployments until a new deployment reaches them."""
    # Built from Method resources (no Body), the definition keeps the operations they put in it.
    definition = _body(logical_id, p) if "Body" in p else context.services.apis.apis[deployed.ref].definition
    context.services.apis.update_api(deployed.ref, p.get("Name") or logical_id, definition,
                                     description=p.get("Description"))  # fmt: skip
    return deployed


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    context.services.close_api(deployed.ref)
    context.services.apis.delete_api(deployed.ref)


TYPE = ResourceType(
    "AWS::ApiGateway::RestApi",
    names(
        "ApiKeySourceType BinaryMediaTypes Body BodyS3Location CloneFrom Description DisableExecuteApiEndpoint "
        "EndpointConfiguration FailOnWarnings MinimumCompressionSize Mode Name Parameters Policy Tags"
    ),
    create,
    delete,
    update=update,
    not_applied={"Policy": "a resource policy", "DisableExecuteApiEndpoint": "turning off the execute-api endpoint"},
)
