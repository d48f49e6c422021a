"""API Gateway's account settings in one region: the CloudWatch Logs role API Gateway writes logs with.

A new account has none, so API Gateway refuses a stage that would log (an access log, execution logging at
ERROR or INFO, full request and response data) with "CloudWatch Logs role ARN must be set in account settings
to enable logging"; metrics and throttling need no role. ``UpdateAccount`` sets one, if the role exists and
trusts ``apigateway.amazonaws.com`` to assume it (API Gateway assumes it to write), and answers as API Gateway
does otherwise. The rule lives here, once: the control plane and CloudFormation's Account and Stage types ask
this object.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from groupgate.local import iam
from groupgate.local.protocol import AwsError

ROLE_NEEDED = "CloudWatch Logs role ARN must be set in account settings to enable logging"
NOT_TRUSTED = (
    "The role ARN does not have required permissions configured. Please grant trust permission for API Gateway and "
    "add the required role policy."
)  # API Gateway's words since 2023 ("... does not have required permissions set to API Gateway" before)
ROLE_PATH = "/cloudwatchRoleArn"
SERVICE = "apigateway.amazonaws.com"
# What GetAccount shows of an account that has changed nothing (the API Gateway API reference, "Account").
THROTTLE = {"burstLimit": 5000, "rateLimit": 10000.0}


def bad_request(message: str) -> AwsError:
    return AwsError("BadRequestException", message, 400)


def writes_logs(access_log: Mapping[str, Any] | None, method_settings: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a stage's settings write to CloudWatch Logs through the account's role (metrics do not)."""
    if access_log and access_log.get("DestinationArn"):
        return True
    return any(
        str(setting.get("LoggingLevel", "OFF")).upper() != "OFF"
        or str(setting.get("DataTraceEnabled", "false")).lower() == "true"
        for setting in method_settings
    )


class Account:
    def __init__(self, role: Callable[[str], tuple[str, str] | None]) -> None:
        self.role = role  # a role ARN -> its trust policy and id, from IAM (None: no such role)
        self.cloudwatch_role_arn: str | None = None
        self._lock = threading.Lock()

    def shown(self) -> dict[str, Any]:
        """GetAccount's answer."""
        shown: dict[str, Any] = {"throttleSettings": dict(THROTTLE), "features": ["UsagePlans"], "apiKeyVersion": "4"}
        if self.cloudwatch_role_arn:
            shown["cloudwatchRoleArn"] = self.cloudwatch_role_arn
        return shown

    def set_role(self, role_arn: str | None) -> None:
        """The account's role, once IAM shows it trusts API Gateway; None or "" takes it away."""
        if role_arn:
            found = self.role(role_arn) if role_arn.startswith("arn:") and ":role/" in role_arn else None
            if found is None or not iam.trusts(found[0], service=SERVICE, action="sts:AssumeRole", context={}):
                raise bad_request(NOT_TRUSTED)
        with self._lock:
            self.cloudwatch_role_arn = role_arn or None

    def patch(self, operations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """UpdateAccount: each operation in turn; /cloudwatchRoleArn is the one path a caller may change here."""
        for operation in operations:
            op, path = str(operation.get("op", "")), str(operation.get("path", ""))
            if path != ROLE_PATH:
                raise bad_request(f"Invalid patch path {path!r} specified for op {op!r}. Must be one of: [{ROLE_PATH}]")
            if op in ("replace", "add"):
                self.set_role(str(operation.get("value") or ""))
            elif op == "remove":
                self.set_role(None)
            else:
                raise bad_request(
                    f"Invalid patch operation specified. Must be one of: [replace, add, remove], got {op!r}"
                )
        return self.shown()

    def allow_logging(self, access_log: Mapping[str, Any] | None, method_settings: Sequence[Mapping[str, Any]]) -> None:
        """A stage with these settings may be made or changed: it logs nothing, or the account has a role."""
        if writes_logs(access_log, method_settings) and not self.cloudwatch_role_arn:
            raise bad_request(ROLE_NEEDED)
