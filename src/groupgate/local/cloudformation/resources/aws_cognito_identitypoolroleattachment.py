"""AWS::Cognito::IdentityPoolRoleAttachment: the identity pool's roles and role mappings."""

from __future__ import annotations

import uuid
from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, call, delete_call, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    _set_roles(context, logical_id, p)
    return Deployed(f"{p['IdentityPoolId']}-{uuid.uuid4().hex[:8]}")


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    _set_roles(context, logical_id, p)  # SetIdentityPoolRoles replaces the roles and mappings whole
    return deployed


def _set_roles(context: Context, logical_id: str, p: dict[str, Any]) -> None:
    mappings = {}
    for key, mapping in (p.get("RoleMappings") or {}).items():
        value = dict(mapping)
        provider = value.pop("IdentityProvider", None) or key  # CloudFormation's key may be any name
        mappings[provider] = value
    call(context.client("cognito-identity"), "SetIdentityPoolRoles", logical_id, IdentityPoolId=p["IdentityPoolId"],
         Roles=p.get("Roles") or {}, RoleMappings=mappings or None)  # fmt: skip


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    delete_call(
        context.client("cognito-identity"),
        "SetIdentityPoolRoles",
        logical_id,
        IdentityPoolId=p["IdentityPoolId"],
        Roles={},
    )


TYPE = ResourceType(
    "AWS::Cognito::IdentityPoolRoleAttachment",
    names("IdentityPoolId RoleMappings Roles"),
    create,
    delete,
    update=update,
)
