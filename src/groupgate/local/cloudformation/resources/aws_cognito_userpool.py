"""AWS::Cognito::UserPool, through the local user pools at the endpoint."""

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

SETTINGS = (
    "Policies",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "MfaConfiguration",
    "UserAttributeUpdateSettings",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "AdminCreateUserConfig",
    "Schema",
    "UserPoolAddOns",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "DeletionProtection",
    "UserPoolTier",
)
UPDATABLE = tuple(s for s in SETTINGS if s not in ("AliasAttributes", "UsernameAttributes", "UsernameConfiguration",
                                                    "Schema"))  # fmt: skip


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    pool = call(
        context.client("cognito-idp"), "CreateUserPool", logical_id,
        PoolName=p.get("UserPoolName") or context.physical_name(logical_id, 128), UserPoolTags=p.get("UserPoolTags"),
        **pick(p, *SETTINGS),
    )["UserPool"]  # fmt: skip
    provider = f"cognito-idp.{context.stack.region}.amazonaws.com/{pool['Id']}"
    return Deployed(
        pool["Id"],
        {"Arn": pool["Arn"], "ProviderName": provider, "ProviderURL": f"https://{provider}", "UserPoolId": pool["Id"]},
    )


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """UpdateUserPool with every setting, as CloudFormation sends it (one left out would be reset to its default);
    custom attributes new to the schema are added, and its users, groups and memberships stay."""
    idp = context.client("cognito-idp")
    kept = {s.get("Name") for s in old.get("Schema") or []}
    changed = [s for s in old.get("Schema") or [] if s not in (p.get("Schema") or [])]
    if changed:
        raise DeployError(
            f"{logical_id}: Invalid request provided: existing schema attributes cannot be modified or deleted "
            f"({', '.join(str(s.get('Name')) for s in changed)})"
        )
    added = [s for s in p.get("Schema") or [] if s.get("Name") not in kept]
    if added:
        call(idp, "AddCustomAttributes", logical_id, UserPoolId=deployed.ref, CustomAttributes=added)
    call(
        idp, "UpdateUserPool", logical_id, UserPoolId=deployed.ref, PoolName=p.get("UserPoolName"),
        UserPoolTags=p.get("UserPoolTags"), **pick(p, *UPDATABLE),
    )  # fmt: skip
    return deployed


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    delete_call(context.client("cognito-idp"), "DeleteUserPool", logical_id, UserPoolId=deployed.ref)


TYPE = ResourceType(
    "AWS::Cognito::UserPool",
    names(
        "AccountRecoverySetting AdminCreateUserConfig AliasAttributes AutoVerifiedAttributes DeletionProtection "
        "DeviceConfiguration EmailAuthenticationMessage EmailAuthenticationSubject EmailConfiguration "
        "EmailVerificationMessage EmailVerificationSubject EnabledMfas LambdaConfig MfaConfiguration Policies Schema "
        "SmsAuthenticationMessage SmsConfiguration SmsVerificationMessage UserAttributeUpdateSettings "
        "UsernameAttributes UsernameConfiguration UserPoolAddOns UserPoolName UserPoolTags UserPoolTier "
        "VerificationMessageTemplate WebAuthnRelyingPartyID WebAuthnUserVerification"
    ),
    create,
    delete,
    update=update,
    # The local user pools issue no MFA challenge: a pool that demands one would let in locally what Cognito refuses.
    not_applied={"MfaConfiguration": "multi-factor authentication"},
    harmless={"MfaConfiguration": (None, False, "false", "OFF")},
)
