"""AWS::Cognito::IdentityPool, through the local identity pools at the endpoint."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import (
    Context,
    DeployError,
    ResourceType,
    call,
    delete_call,
    names,
    pick,
)
from groupgate.local.cloudformation.template import Deployed

SETTINGS = ("AllowClassicFlow", "CognitoIdentityProviders", "SupportedLoginProviders", "DeveloperProviderName",
            "OpenIdConnectProviderARNs", "SamlProviderARNs", "IdentityPoolTags")  # fmt: skip


def _refuse_sync(logical_id: str, p: dict[str, Any]) -> None:
    unsupported = sorted(set(p) & {"CognitoStreams", "PushSync", "CognitoEvents"})
    if unsupported:
        raise DeployError(f"{logical_id}: {', '.join(unsupported)} (Cognito Sync) is not kept by the local cloud")


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    _refuse_sync(logical_id, p)
    pool = call(
        context.client("cognito-identity"), "CreateIdentityPool", logical_id,
        IdentityPoolName=p.get("IdentityPoolName") or context.physical_name(logical_id, 128).replace("-", "_"),
        AllowUnauthenticatedIdentities=p.get("AllowUnauthenticatedIdentities", False), **pick(p, *SETTINGS),
    )  # fmt: skip
    return Deployed(pool["IdentityPoolId"], {"Name": pool["IdentityPoolName"], "Id": pool["IdentityPoolId"]})


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """UpdateIdentityPool with every setting; its identities stay."""
    _refuse_sync(logical_id, p)
    pool = call(
        context.client("cognito-identity"), "UpdateIdentityPool", logical_id, IdentityPoolId=deployed.ref,
        IdentityPoolName=p.get("IdentityPoolName") or deployed.attributes["Name"],
        AllowUnauthenticatedIdentities=p.get("AllowUnauthenticatedIdentities", False), **pick(p, *SETTINGS),
    )  # fmt: skip
    return Deployed(deployed.ref, {**deployed.attributes, "Name": pool["IdentityPoolName"]})


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    delete_call(context.client("cognito-identity"), "DeleteIdentityPool", logical_id, IdentityPoolId=deployed.ref)


TYPE = ResourceType(
    "AWS::Cognito::IdentityPool",
    names(
        "AllowClassicFlow AllowUnauthenticatedIdentities CognitoEvents CognitoIdentityProviders CognitoStreams "
        "DeveloperProviderName IdentityPoolName IdentityPoolTags OpenIdConnectProviderARNs PushSync "
        "SamlProviderARNs SupportedLoginProviders"
    ),
    create,
    delete,
    update=update,
)
