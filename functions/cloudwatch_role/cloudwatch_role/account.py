"""The one change this function makes to API Gateway's account settings, and its retries.

IAM cannot limit ``apigateway:PATCH`` on ``/account`` to one field, so the limit is here: the only patch this
module sends replaces ``/cloudwatchRoleArn``, and only when GetAccount shows none. Between the two calls
another stack may set one; each retry reads the account again and leaves a role it finds there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

logger = Logger(child=True)

ROLE_PATH = "/cloudwatchRoleArn"
# API Gateway refuses a role IAM has not yet shown it, in these words (the first before 2023, the second since).
PROPAGATING = ("does not have required permissions set to API Gateway", "does not have required permissions configured")
FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 8.0


@dataclass(frozen=True)
class Setting:
    """The account's role after the function ran, and whether the function set it."""

    role_arn: str
    changed: bool
    attempts: int = 0  # UpdateAccount calls made (0: the account had a role)


def role_patch(role_arn: str) -> list[dict[str, str]]:
    """The patch, the whole of it: one field, nothing else of the account."""
    return [{"op": "replace", "path": ROLE_PATH, "value": role_arn}]


def propagating(error: ClientError) -> bool:
    """Whether API Gateway refused the role only because IAM has not shown it the role's trust policy yet."""
    detail = error.response.get("Error", {})
    return detail.get("Code") == "BadRequestException" and any(w in str(detail.get("Message")) for w in PROPAGATING)


def ensure_role(
    client: Any,
    role_arn: str,
    *,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Setting:
    """Leave the account's role as it is if it has one; otherwise set ``role_arn``, retrying while IAM
    propagates the new role, until ``deadline`` (a ``clock()`` value). Other refusals are raised at once."""
    pause, attempts = FIRST_PAUSE_SECONDS, 0
    while True:
        current = client.get_account().get("cloudwatchRoleArn")
        if current:
            return Setting(current, changed=False, attempts=attempts)
        attempts += 1
        try:
            client.update_account(patchOperations=role_patch(role_arn))
        except ClientError as error:
            if not propagating(error) or clock() + pause > deadline:
                raise
            logger.info("API Gateway does not see the new role yet; trying again", extra={"attempt": attempts,
                        "pause_seconds": pause, "refusal": error.response.get("Error", {}).get("Message")})  # fmt: skip
            sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
            continue
        return Setting(role_arn, changed=True, attempts=attempts)
