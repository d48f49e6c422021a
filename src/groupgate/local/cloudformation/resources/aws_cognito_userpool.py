"""AWS::Cognito::UserPool, through the local user pools at the endpoint."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, call, delete_call, names, pick
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
    # The local user pools issue no MFA challenge: a pool that demands one would let in locally what Cognito refuses.
    not_applied={"MfaConfiguration": "multi-factor authentication"},
    harmless={"MfaConfiguration": (None, False, "false", "OFF")},
)
