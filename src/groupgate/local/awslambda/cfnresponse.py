"""cfnresponse: the module AWS provides to a Python function whose code is inline in a CloudFormation template
(``Code.ZipFile``), written from its documentation in the CloudFormation user guide ("cfn-response module"):
``send(event, context, responseStatus, responseData, physicalResourceId=None, noEcho=False, reason=None)`` PUTs
the custom resource's answer to the request's ResponseURL; ``SUCCESS`` and ``FAILED`` are the statuses.

The local cloud copies this file beside the inline code as ``cfnresponse.py``, as Lambda does; it uses the
standard library only, so it runs in any Python the function has.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

SUCCESS = "SUCCESS"
FAILED = "FAILED"


def send(  # noqa: PLR0917 - AWS's documented signature, names and all
    event: dict[str, Any],
    context: Any,
    responseStatus: str,
    responseData: Any,
    physicalResourceId: str | None = None,
    noEcho: bool = False,
    reason: str | None = None,
) -> None:
    responseUrl = event["ResponseURL"]
    print(responseUrl)  # noqa: T201 - AWS's module prints where it sends the answer
    responseBody = {
        "Status": responseStatus,
        "Reason": reason or "See the details in CloudWatch Log Stream: " + context.log_stream_name,
        "PhysicalResourceId": physicalResourceId or context.log_stream_name,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": noEcho,
        "Data": responseData,
    }
    json_responseBody = json.dumps(responseBody)
    print("Response body:")  # noqa: T201
    print(json_responseBody)  # noqa: T201
    body = json_responseBody.encode("utf-8")
    headers = {"content-type": "", "content-length": str(len(body))}
    try:
        request = urllib.request.Request(responseUrl, data=body, headers=headers, method="PUT")  # noqa: S310
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the ResponseURL CloudFormation gave
            print("Status code:", response.status)  # noqa: T201
    except Exception as e:  # noqa: BLE001 - as AWS's module: a failed send is printed, never raised
        print("send(..) failed executing http.request(..):", e)  # noqa: T201
