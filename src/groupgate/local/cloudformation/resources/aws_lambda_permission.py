"""AWS::Lambda::Permission: a statement of the function's resource policy, which Cognito's trigger and
API Gateway's integrations are held to."""

from __future__ import annotations

import uuid
from typing import Any

from groupgate.local.awslambda.functions import Permission
from groupgate.local.cloudformation.resources.base import Context, ResourceType, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    function = context.services.lambdas.find(p["FunctionName"])
    statement = f"{context.stack.name}-{logical_id}-{uuid.uuid4().hex[:12]}"
    context.services.lambdas.add_permission(
        Permission(
            function.arn,
            p["Principal"],
            p.get("SourceArn"),
            p.get("SourceAccount"),
            p.get("Action", "lambda:InvokeFunction"),
            statement,
        )
    )
    return Deployed(statement)


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    context.services.lambdas.remove_permission(deployed.ref)


TYPE = ResourceType(
    "AWS::Lambda::Permission",
    names("Action EventSourceToken FunctionName FunctionUrlAuthType Principal PrincipalOrgID SourceAccount SourceArn"),
    create,
    delete,
)
