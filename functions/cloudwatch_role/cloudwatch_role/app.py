"""Custom resource ``Custom::ApiGatewayCloudWatchRole``: gives API Gateway's account settings in this region a
CloudWatch Logs role when they have none, so that the stage's access log can be turned on in a new account.

Create and Update: an account that has a role keeps it (other APIs in the region log through it); one without
gets ``RoleArn``, the stack's own role (``account.ensure_role``). Delete changes nothing: the setting may be what
other APIs log through by then, and the role it names outlives the stack (DeletionPolicy Retain). Every request
is answered by PUTting SUCCESS or FAILED to its ResponseURL.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from cloudwatch_role.account import ensure_role
from groupgate_common.cfn_response import (
    FAILED,
    SUCCESS,
    Outcome,
    answer,
    physical_id_of,
    unknown_request_type,
)
from groupgate_common.validation import InvalidInput, require_mapping, require_str

logger = Logger()

# Time kept back from the invocation's remaining time to answer CloudFormation after the last retry.
ANSWER_MARGIN_SECONDS = 12.0
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")


@cache
def apigateway() -> Any:
    """One client a container, made on first use (a Delete needs none)."""
    import boto3  # noqa: PLC0415 - the runtime's; only Create and Update call API Gateway
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client("apigateway", config=Config(retries={"mode": "standard", "max_attempts": 3}))


@logger.inject_lambda_context
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return answer(
        event, context.get_remaining_time_in_millis() / 1000,
        lambda request, deadline: decide(request, deadline=deadline, log_stream=context.log_stream_name),
        log=logger, keep_back=ANSWER_MARGIN_SECONDS,
    )  # fmt: skip


def decide(request: dict[str, Any], *, deadline: float, log_stream: str, client: Any = None) -> Outcome:
    """SUCCESS with the account's role (and whether this request set it), or FAILED saying why."""
    physical_id = physical_id_of(request)
    refused = unknown_request_type(request, physical_id)
    if refused is not None:
        return refused
    if request["RequestType"] == "Delete":
        logger.info("left the account's CloudWatch Logs role as it is")
        return Outcome(SUCCESS, physical_id)
    try:
        properties = require_mapping(request.get("ResourceProperties"), "ResourceProperties")
        role_arn = require_str(properties, "RoleArn", "ResourceProperties")
        if not ROLE_ARN.fullmatch(role_arn):
            raise InvalidInput(f"ResourceProperties.RoleArn must be an IAM role ARN, got {role_arn!r}")
        setting = ensure_role(client or apigateway(), role_arn, deadline=deadline)
    except InvalidInput as error:
        return Outcome(FAILED, physical_id, reason=str(error))
    except ClientError as error:
        detail = error.response.get("Error", {})
        logger.warning("API Gateway refused", extra={"code": detail.get("Code"), "refusal": detail.get("Message")})
        reason = f"API Gateway refused {error.operation_name}: {detail.get('Code')}: {detail.get('Message')}"
        return Outcome(FAILED, physical_id, reason=reason)
    except Exception as error:  # any fault must still answer FAILED, or the stack waits
        logger.exception("could not read or set the account's CloudWatch Logs role")
        reason = f"internal error ({type(error).__name__}); see CloudWatch log stream {log_stream}"
        return Outcome(FAILED, physical_id, reason=reason)
    logger.info("the account's CloudWatch Logs role", extra={"role_arn": setting.role_arn, "changed": setting.changed,
                "attempts": setting.attempts})  # fmt: skip
    data = {"CloudWatchRoleArn": setting.role_arn, "Changed": "true" if setting.changed else "false"}
    return Outcome(SUCCESS, physical_id, data=data)
