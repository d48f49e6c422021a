"""Custom resource ``Custom::RoleMappings``: computes an identity pool's RoleMappings map.

CloudFormation invokes it on Create, Update and Delete of the resource; it answers every request
by PUTting SUCCESS or FAILED to the request's ResponseURL, and returns a summary of what it did.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from groupgate_common.cfn_response import (
    FAILED,
    SUCCESS,
    Outcome,
    answer,
    physical_id_of,
    unknown_request_type,
)
from groupgate_common.validation import InvalidInput
from role_mapping.mappings import build_role_mappings

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    return answer(event, context.get_remaining_time_in_millis() / 1000,
                  lambda request, _: decide(request, log_stream=context.log_stream_name), log=logger)  # fmt: skip


def decide(request: dict[str, Any], *, log_stream: str) -> Outcome:
    """SUCCESS with the RoleMappings map, or FAILED with a reason that says which input was wrong."""
    physical_id = physical_id_of(request)
    refused = unknown_request_type(request, physical_id)
    if refused is not None:
        return refused
    if request["RequestType"] == "Delete":
        # Nothing was created outside CloudFormation, so Delete always succeeds, even after a failed Create.
        return Outcome(SUCCESS, physical_id)
    try:
        properties = request.get("ResourceProperties")
        if not isinstance(properties, dict):
            raise InvalidInput("ResourceProperties is missing or not an object")
        mappings = build_role_mappings(properties)
    except InvalidInput as error:
        logger.warning("rejected the resource properties", extra={"reason": str(error)})
        return Outcome(FAILED, physical_id, reason=str(error))
    except Exception as error:  # any fault must still answer FAILED, or the stack waits
        logger.exception("could not compute the role mappings")
        return Outcome(
            FAILED,
            physical_id,
            reason=f"internal error ({type(error).__name__}); see CloudWatch log stream {log_stream}",
        )
    logger.info("computed the role mappings", extra={"providers": sorted(mappings)})
    return Outcome(SUCCESS, physical_id, data={"RoleMappings": mappings})
