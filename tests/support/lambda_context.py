"""A Lambda context whose remaining time runs down with the real clock, as in Lambda."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import cast

from aws_lambda_powertools.utilities.typing import LambdaContext


@dataclass
class FakeLambdaContext:
    """What Lambda passes as ``context``, with ``timeout_seconds`` from the moment it is made."""

    function_name: str = "test-function"
    timeout_seconds: float = 30.0
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2026/11/26/[$LATEST]0123456789abcdef0123456789abcdef"
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


def lambda_context(timeout_seconds: float = 30.0) -> LambdaContext:
    """A fresh context, typed as the handlers expect it."""
    return cast(LambdaContext, FakeLambdaContext(timeout_seconds=timeout_seconds))
