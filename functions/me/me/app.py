"""GET /me behind AWS_IAM: what API Gateway says about the caller (``me.identity``), as JSON.

A Lambda proxy integration (payload format 1.0) with powertools' REST API event handler. No AWS calls and no
boto3. Its CORS headers are GET /'s, so a browser page can read the answer; the preflight (OPTIONS /me) is the
API's own MOCK.
"""

from __future__ import annotations

import json
import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from me.identity import caller

logger = Logger()
app = APIGatewayRestResolver()
CORS = {
    "Access-Control-Allow-Origin": os.environ.get("ALLOWED_ORIGIN", ""),
    "Access-Control-Expose-Headers": "x-amzn-ErrorType,x-amzn-RequestId",
}


@app.get("/me")
def me() -> Response[str]:
    identity = (app.current_event.get("requestContext") or {}).get("identity")
    found = caller(identity)
    # The identity id only: never a token, a key or a signature.
    logger.info("told the caller who it is", extra={"identity_id": found["identityId"]})
    return Response(status_code=200, content_type="application/json", body=json.dumps(found), headers=CORS)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
