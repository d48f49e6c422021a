"""The post-confirmation trigger, called as Cognito calls it.

After ConfirmSignUp and AdminConfirmSignUp (``PostConfirmation_ConfirmSignUp``) and ConfirmForgotPassword
(``PostConfirmation_ConfirmForgotPassword``), with Cognito's event, 5 seconds and 3 attempts at most, and only
if the function's resource policy lets ``cognito-idp.amazonaws.com`` call it for this pool. The event is built
while the confirmation is made (so nothing about it can fail afterwards) and the function is called once
the user pool's lock is let go, since the function calls the user pool back. If every attempt fails the
confirmation stands, as in Cognito, and the caller gets UserLambdaValidationException.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

from groupgate.local.protocol import AwsError

TIMEOUT_SECONDS = 5.0
ATTEMPTS = 3


class TriggerInvoker(Protocol):
    def invoke_trigger(
        self, function_arn: str, event: dict[str, Any], *, source_arn: str, timeout: float
    ) -> tuple[bool, str]: ...


def post_confirmation(
    invoker: TriggerInvoker,
    region: str,
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    *,
    source: str,
    client_id: str,
    metadata: Mapping[str, str] | None,
) -> Callable[[], None] | None:
    """The call of the pool's post-confirmation function for this confirmation, to make after it; None
    when the pool has none."""
    function = (pool.extended_config.get("LambdaConfig") or {}).get("PostConfirmation")
    if not function:
        return None
    attributes = {a["Name"]: a["Value"] for a in user.attributes}
    attributes["cognito:user_status"] = user.status
    if "email" in (pool.extended_config.get("AliasAttributes") or []) and attributes.get("email_verified") == "true":
        attributes["cognito:email_alias"] = attributes.get("email", "")
    event = {
        "version": "1",
        "region": region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "triggerSource": source,
        "request": {"userAttributes": attributes, **({"clientMetadata": dict(metadata)} if metadata else {})},
        "response": {},
    }
    source_arn = pool.arn

    def call() -> None:
        error = ""
        for _ in range(ATTEMPTS):
            ok, error = invoker.invoke_trigger(function, event, source_arn=source_arn, timeout=TIMEOUT_SECONDS)
            if ok:
                return
        raise AwsError("UserLambdaValidationException", f"PostConfirmation failed with error {error}.")

    return call
