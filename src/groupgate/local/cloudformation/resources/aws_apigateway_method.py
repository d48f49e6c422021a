"""AWS::ApiGateway::Method: a method of a resource with its integration, which becomes the resource's operation in
the API's definition exactly as an OpenAPI body writes it (``x-amazon-apigateway-integration``), so an API built
this way answers as the same API built from a body."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import Context, DeployError, ResourceType, names
from groupgate.local.cloudformation.template import Deployed

AUTHORIZATION = {"NONE": None, "AWS_IAM": {"type": "aws_iam"}}


def operation(logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI operation of the method's properties."""
    kind = str(p.get("AuthorizationType", "NONE")).upper()
    if kind not in AUTHORIZATION:
        raise DeployError(
            f"{logical_id} (AWS::ApiGateway::Method): AuthorizationType {kind} is not one the local cloud runs "
            "(AWS_IAM and NONE)"
        )
    found: dict[str, Any] = {"responses": {}}
    if AUTHORIZATION[kind]:
        found["x-amazon-apigateway-auth"] = AUTHORIZATION[kind]
    for response in p.get("MethodResponses") or []:
        headers = {
            name.removeprefix("method.response.header."): {"type": "string"}
            for name in response.get("ResponseParameters") or {}
            if name.startswith("method.response.header.")
        }
        shown: dict[str, Any] = {"description": f"{response['StatusCode']} response"}
        if headers:
            shown["headers"] = headers
        found["responses"][str(response["StatusCode"])] = shown
    integration = p.get("Integration") or {}
    if integration:
        found["x-amazon-apigateway-integration"] = _integration(integration)
    return found


def _integration(integration: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"type": str(integration.get("Type", "")).lower()}
    for key, name in (("IntegrationHttpMethod", "httpMethod"), ("Uri", "uri"), ("RequestTemplates", "requestTemplates"),
                      ("RequestParameters", "requestParameters"), ("ContentHandling", "contentHandling"),
                      ("TimeoutInMillis", "timeoutInMillis")):  # fmt: skip
        if key in integration:
            found[name] = integration[key]
    if "PassthroughBehavior" in integration:
        found["passthroughBehavior"] = str(integration["PassthroughBehavior"]).lower()
    responses = {}
    for response in integration.get("IntegrationResponses") or []:
        shown = {"statusCode": str(response["StatusCode"])}
        for key, name in (("ResponseParameters", "responseParameters"), ("ResponseTemplates", "responseTemplates"),
                          ("ContentHandling", "contentHandling")):  # fmt: skip
            if key in response:
                shown[name] = response[key]
        responses[response.get("SelectionPattern") or "default"] = shown
    if responses:
        found["responses"] = responses
    return found


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    context.services.apis.put_method(p["RestApiId"], p["ResourceId"], p["HttpMethod"], operation(logical_id, p))
    return Deployed(f"{p['RestApiId']}|{p['ResourceId']}|{str(p['HttpMethod']).upper()}")


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """The operation replaced in the definition; stages serve it from their next deployment, as in AWS."""
    if str(old["HttpMethod"]).upper() != str(p["HttpMethod"]).upper() or old["ResourceId"] != p["ResourceId"]:
        context.services.apis.delete_method(old["RestApiId"], old["ResourceId"], old["HttpMethod"])
    return create(context, logical_id, p)


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    context.services.apis.delete_method(p["RestApiId"], p["ResourceId"], p["HttpMethod"])


TYPE = ResourceType(
    "AWS::ApiGateway::Method",
    names(
        "ApiKeyRequired AuthorizationScopes AuthorizationType AuthorizerId HttpMethod Integration MethodResponses "
        "OperationName RequestModels RequestParameters RequestValidatorId ResourceId RestApiId"
    ),
    create,
    delete,
    update=update,
    not_applied={
        "ApiKeyRequired": "API keys and usage plans",
        "AuthorizerId": "an authorizer",
        "RequestValidatorId": "request validation",
    },
)
