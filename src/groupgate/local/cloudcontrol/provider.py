"""Cloud Control's GetResource for what the local cloud's Lambda keeps: a function by name, and a function's URL,
which the local cloud never makes (``sam list endpoints`` asks for one of each function). Its not-found answer is
Cloud Control's: ResourceNotFoundException, "... (HandlerErrorCode: NotFound)". Other types and operations are
AWS's unknown operation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from groupgate.local.awslambda.functions import LambdaError, Lambdas
from groupgate.local.protocol import Answer, AwsError, json_answer


def _not_found(kind: str, identifier: str) -> AwsError:
    return AwsError(
        "ResourceNotFoundException",
        f"{kind} Handler returned status FAILED: Resource of type '{kind}' with identifier '{identifier}' was not "
        "found. (HandlerErrorCode: NotFound)",
    )


class CloudControl:
    def __init__(self, lambdas: Lambdas) -> None:
        self.lambdas = lambdas

    def call(self, operation: str, request: dict[str, Any], moto: Callable[[], Answer]) -> Answer:
        kind, identifier = str(request.get("TypeName")), str(request.get("Identifier"))
        if operation != "GetResource" or kind not in ("AWS::Lambda::Function", "AWS::Lambda::Url"):
            raise AwsError("UnsupportedActionException", f"Resource type {kind} does not support {operation} here")
        try:
            function = self.lambdas.find(identifier)
        except LambdaError:
            raise _not_found(kind, identifier) from None
        if kind == "AWS::Lambda::Url":
            raise _not_found(kind, identifier)  # the local cloud makes no function URLs
        properties = {"FunctionName": function.name, "Arn": function.arn, "Handler": function.handler,
                      "Runtime": function.runtime, "Role": function.role_arn}  # fmt: skip
        return json_answer(
            {
                "TypeName": kind,
                "ResourceDescription": {"Identifier": function.name, "Properties": json.dumps(properties)},
            }
        )
