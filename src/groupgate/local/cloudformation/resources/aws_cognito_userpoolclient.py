"""AWS::Cognito::UserPoolClient."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, call, delete_call, names, pick
from groupgate.local.cloudformation.template import Deployed

SETTINGS = (
    "GenerateSecret",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
)


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    client = call(
        context.client("cognito-idp"), "CreateUserPoolClient", logical_id, UserPoolId=p["UserPoolId"],
        ClientName=p.get("ClientName") or context.physical_name(logical_id, 128), **pick(p, *SETTINGS),
    )["UserPoolClient"]  # fmt: skip
    return Deployed(
        client["ClientId"],
        {"ClientId": client["ClientId"], "Name": client["ClientName"], "ClientSecret": client.get("ClientSecret", "")},
    )


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """UpdateUserPoolClient with every setting (one left out would be reset to its default)."""
    client = call(
        context.client("cognito-idp"), "UpdateUserPoolClient", logical_id, UserPoolId=p["UserPoolId"],
        ClientId=deployed.ref, ClientName=p.get("ClientName") or deployed.attributes.get("Name"),
        **pick(p, *(s for s in SETTINGS if s != "GenerateSecret")),
    )["UserPoolClient"]  # fmt: skip
    return Deployed(deployed.ref, {**deployed.attributes, "Name": client["ClientName"]})


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    delete_call(
        context.client("cognito-idp"),
        "DeleteUserPoolClient",
        logical_id,
        UserPoolId=p["UserPoolId"],
        ClientId=deployed.ref,
    )


TYPE = ResourceType(
    "AWS::Cognito::UserPoolClient",
    names(
        "AccessTokenValidity AllowedOAuthFlows AllowedOAuthFlowsUserPoolClient AllowedOAuthScopes "
        "AnalyticsConfiguration AuthSessionValidity CallbackURLs ClientName DefaultRedirectURI "
        "EnablePropagateAdditionalUserContextData EnableTokenRevocation ExplicitAuthFlows GenerateSecret "
        "IdTokenValidity LogoutURLs PreventUserExistenceErrors ReadAttributes RefreshTokenRotation "
        "RefreshTokenValidity SupportedIdentityProviders TokenValidityUnits UserPoolId WriteAttributes"
    ),
    create,
    delete,
    update=update,
    # The local user pools check no SECRET_HASH: a client with a secret would let in locally what Cognito refuses.
    not_applied={"GenerateSecret": "an app client secret (SECRET_HASH)"},
)
