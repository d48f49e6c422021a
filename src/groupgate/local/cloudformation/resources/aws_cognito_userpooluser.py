"""AWS::Cognito::UserPoolUser: an admin-created user, its temporary password mailed."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, call, delete_call, names, pick
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    user = call(
        context.client("cognito-idp"), "AdminCreateUser", logical_id, UserPoolId=p["UserPoolId"],
        Username=p.get("Username"),
        **pick(p, "UserAttributes", "DesiredDeliveryMediums", "MessageAction", "ForceAliasCreation", "ClientMetadata",
               "ValidationData"),
    )["User"]  # fmt: skip
    return Deployed(user["Username"])


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    delete_call(
        context.client("cognito-idp"), "AdminDeleteUser", logical_id, UserPoolId=p["UserPoolId"], Username=deployed.ref
    )


TYPE = ResourceType(
    "AWS::Cognito::UserPoolUser",
    names(
        "ClientMetadata DesiredDeliveryMediums ForceAliasCreation MessageAction UserAttributes Username UserPoolId "
        "ValidationData"
    ),
    create,
    delete,
)
