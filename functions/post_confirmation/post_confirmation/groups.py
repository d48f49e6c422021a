"""Group membership for confirmed users: the one Cognito call the trigger makes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

# Cognito waits 5 seconds for a trigger (and calls it up to 3 times in all). The worst case of one
# invocation is attempts * (connect + read) plus the retry pauses (each at most 1 s in botocore's
# standard mode): 2 * (0.5 + 1.0) + 1 = 4 s, which leaves room for the cold start and the logging.
# Cognito's own retries of the whole trigger are the outer loop, so one retry in here is enough.
CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 1.0
MAX_ATTEMPTS = 2
MAX_RETRY_PAUSE_SECONDS = 1.0
WORST_CASE_SECONDS = (
    MAX_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS) + (MAX_ATTEMPTS - 1) * MAX_RETRY_PAUSE_SECONDS
)
COGNITO_TRIGGER_TIMEOUT_SECONDS = 5.0

CLIENT_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
)


def add_user_to_group(client: CognitoIdentityProviderClient, user_pool_id: str, username: str, group: str) -> None:
    """Put ``username`` in ``group``; a user already in the group is not an error (Cognito is idempotent)."""
    client.admin_add_user_to_group(UserPoolId=user_pool_id, Username=username, GroupName=group)
