"""The resource types the local cloud's CloudFormation creates and deletes, one module a type, as LocalStack
arranges its resource providers: adding a type is adding a module and a line here. ``base`` says what a
module gives (``ResourceType``) and gets (``Context``)."""

from __future__ import annotations

from groupgate.local.cloudformation.resources import (
    aws_apigateway_account,
    aws_apigateway_deployment,
    aws_apigateway_method,
    aws_apigateway_resource,
    aws_apigateway_restapi,
    aws_apigateway_stage,
    aws_cognito_identitypool,
    aws_cognito_identitypoolroleattachment,
    aws_cognito_userpool,
    aws_cognito_userpoolclient,
    aws_cognito_userpoolgroup,
    aws_cognito_userpooluser,
    aws_cognito_userpoolusertogroupattachment,
    aws_iam_managedpolicy,
    aws_iam_policy,
    aws_iam_role,
    aws_lambda_function,
    aws_lambda_layerversion,
    aws_lambda_permission,
    aws_logs_loggroup,
    aws_s3_bucket,
    aws_s3_bucketpolicy,
    custom,
)
from groupgate.local.cloudformation.resources.base import ResourceType

TYPES: dict[str, ResourceType] = {
    module.TYPE.name: module.TYPE
    for module in (
        aws_iam_role,
        aws_iam_policy,
        aws_iam_managedpolicy,
        aws_logs_loggroup,
        aws_lambda_layerversion,
        aws_lambda_function,
        aws_lambda_permission,
        aws_apigateway_restapi,
        aws_apigateway_resource,
        aws_apigateway_method,
        aws_apigateway_deployment,
        aws_apigateway_stage,
        aws_apigateway_account,
        aws_cognito_userpool,
        aws_cognito_userpoolclient,
        aws_cognito_userpoolgroup,
        aws_cognito_userpooluser,
        aws_cognito_userpoolusertogroupattachment,
        aws_cognito_identitypool,
        aws_cognito_identitypoolroleattachment,
        aws_s3_bucket,
        aws_s3_bucketpolicy,
    )
}


def resource_type(name: str) -> ResourceType | None:
    """The type's module, or None where the local cloud cannot create it."""
    if name.startswith("Custom::") or name == "AWS::CloudFormation::CustomResource":
        return custom.TYPE
    return TYPES.get(name)
