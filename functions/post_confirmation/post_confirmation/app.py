"""Cognito post-confirmation trigger: put each newly confirmed user in the API's group.

On ``PostConfirmation_ConfirmSignUp`` (ConfirmSignUp and AdminConfirmSignUp) the user joins the group
named by ``GROUP_NAME``. On ``PostConfirmation_ConfirmForgotPassword`` it does nothing, so a user an
admin took out of the group does not get back in by resetting a password. It always returns the
event, as Cognito requires.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from groupgate_common.settings import require_env
from groupgate_common.validation import InvalidInput, require_mapping, require_str
from post_confirmation.groups import CLIENT_CONFIG, add_user_to_group

logger = Logger()
metrics = Metrics(namespace=require_env("POWERTOOLS_METRICS_NAMESPACE"))

GROUP_NAME = require_env("GROUP_NAME")
cognito = boto3.client("cognito-idp", config=CLIENT_CONFIG)

CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"
CONFIRM_FORGOT_PASSWORD = "PostConfirmation_ConfirmForgotPassword"  # noqa: S105 - a trigger name


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    require_mapping(event, "event")
    # A plain dict, not powertools' PostConfirmationTriggerEvent: importing any of its data classes imports
    # all of them, about 18 ms of every cold start (BENCHMARKS.md), for three lookups.
    trigger: dict[str, Any] = event
    source = require_str(trigger, "triggerSource", "event")
    if source == CONFIRM_FORGOT_PASSWORD:
        logger.info("password reset confirmed; group membership left as it is")
        return trigger
    if source != CONFIRM_SIGN_UP:
        raise InvalidInput(
            f"event.triggerSource {source!r} is not a post-confirmation trigger; this function handles "
            f"{CONFIRM_SIGN_UP} and {CONFIRM_FORGOT_PASSWORD}"
        )

    user_pool_id = require_str(trigger, "userPoolId", "event", max_length=55)
    username = require_str(trigger, "userName", "event", max_length=128)
    where = {"user_name": username, "user_pool_id": user_pool_id, "group_name": GROUP_NAME}
    try:
        add_user_to_group(cognito, user_pool_id, username, GROUP_NAME)
    except Exception:
        # Whatever went wrong, the user stays CONFIRMED outside the group: say so loudly, then fail.
        logger.exception("could not add the confirmed user to the group", extra=where)
        metrics.add_metric(name="UserNotAddedToGroup", unit=MetricUnit.Count, value=1)
        raise
    logger.info("added the confirmed user to the group", extra=where)
    metrics.add_metric(name="UserAddedToGroup", unit=MetricUnit.Count, value=1)
    return trigger
