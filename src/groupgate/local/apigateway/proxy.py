"""The Lambda proxy integration (``aws_proxy``) of a REST API, payload format 1.0, as API Gateway runs it: the event
built from the request and from the credentials it was signed with (never from what the caller says of
itself), the function invoked only if its resource policy lets this API invoke it, and its answer, or its
failure, turned into the response as API Gateway turns them (the API Gateway developer guide, "Set up a proxy
integration with a proxy resource" and "Handle Lambda errors in API Gateway")."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote

from groupgate.local.sigv4 import Refusal

URI = re.compile(r"arn:aws:apigateway:[\w-]+:lambda:path/2015-03-31/functions/(?P<function>arn:[^/]+)/invocations")
DEFAULT_TIMEOUT_MS = 29_000
INTERNAL = {"message": "Internal server error"}


class Invoked(Protocol):
    @property
    def ok(self) -> bool: ...
    @property
    def payload(self) -> Any: ...
    @property
    def error_type(self) -> str: ...


class Functions(Protocol):
    """What the proxy needs of Lambda: whether this API may invoke a function, and an invocation."""

    def may_invoke(self, function_arn: str, source_arn: str) -> bool | None: ...  # None: no such function
    def invoke(self, name: str, event: Any, *, wait: float | None = None) -> Invoked: ...


def function_of(integration: Mapping[str, Any]) -> str | None:
    found = URI.fullmatch(str(integration.get("uri", "")))
    return found.group("function") if found else None


def path_parameters(template: str, path: str) -> dict[str, str]:
    """``{id}`` and ``{proxy+}`` of the resource's path template, as the request's path fills them."""
    found: dict[str, str] = {}
    parts = path.strip("/").split("/")
    for index, segment in enumerate(template.strip("/").split("/")):
        match = re.fullmatch(r"\{(.+?)(\+?)\}", segment)
        if match and match.group(2):
            found[match.group(1)] = unquote("/".join(parts[index:]))
            break
        if match and index < len(parts):
            found[match.group(1)] = unquote(parts[index])
    return found


def event(*, resource: str, path: str, method: str, headers: Mapping[str, str], query: str, body: bytes,
          stage_variables: Mapping[str, str], context: Mapping[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The event API Gateway sends a proxy integration (payload format 1.0)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for key, value in pairs:
        multi_query.setdefault(key, []).append(value)
    try:
        text, encoded = body.decode(), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    identity_keys = ("cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "sourceIp",
                     "principalOrgId", "accessKey", "cognitoAuthenticationType", "cognitoAuthenticationProvider",
                     "userArn", "userAgent", "user")  # fmt: skip
    identity = {key: context["identity"].get(key) or None for key in identity_keys}
    parameters = path_parameters(resource, path)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": dict(headers) or None,
        "multiValueHeaders": {key: [value] for key, value in headers.items()} or None,
        "queryStringParameters": {key: values[-1] for key, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": parameters or None,
        "stageVariables": dict(stage_variables) or None,
        "requestContext": {
            "resourceId": context.get("resourceId"),
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": context["extendedRequestId"],
            "requestTime": context["requestTime"],
            "path": f"/{context['stage']}{path}",
            "accountId": context["accountId"],
            "protocol": context["protocol"],
            "stage": context["stage"],
            "domainPrefix": context.get("domainPrefix"),
            "requestTimeEpoch": context["requestTimeEpoch"],
            "requestId": context["requestId"],
            "identity": identity,
            "domainName": context.get("domainName"),
            "apiId": context["apiId"],
        },
        "body": text or None,
        "isBase64Encoded": encoded,
    }


def answer(invoked: Invoked, *, waited_out: bool = False) -> tuple[int, list[tuple[str, str]], bytes]:
    """The function's proxy answer as the response. A raising handler, one that ran past its own Timeout, or a
    malformed answer: 502. No answer within the integration's timeout (``waited_out``): 504."""
    if not invoked.ok:
        if waited_out:
            raise Refusal(504, "InternalServerErrorException", {"message": "Endpoint request timed out"})
        raise Refusal(502, "InternalServerErrorException", INTERNAL)
    found = invoked.payload
    if not isinstance(found, dict) or not set(found) <= {"statusCode", "headers", "multiValueHeaders", "body",
                                                           "isBase64Encoded", "cookies"}:  # fmt: skip
        raise Refusal(502, "InternalServerErrorException", INTERNAL)
    status, body = found.get("statusCode", 200), found.get("body")
    single, multi = found.get("headers") or {}, found.get("multiValueHeaders") or {}
    if not isinstance(status, int) or not isinstance(single, dict) or not isinstance(multi, dict):
        raise Refusal(502, "InternalServerErrorException", INTERNAL)
    if body is not None and not isinstance(body, str):
        raise Refusal(502, "InternalServerErrorException", INTERNAL)
    headers = [(str(k), str(v)) for k, v in single.items() if k not in multi]
    headers += [(str(k), str(v)) for k, values in multi.items() for v in (values if isinstance(values, list) else [])]
    raw = (body or "").encode()
    if found.get("isBase64Encoded") and body:
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            raise Refusal(502, "InternalServerErrorException", INTERNAL) from None
    return status, headers, raw


def run(functions: Functions, integration: Mapping[str, Any], source_arn: str, built: dict[str, Any]
        ) -> tuple[int, list[tuple[str, str]], bytes]:  # fmt: skip
    """Invoke the integration's function with ``built`` (the event), if this API may; its answer."""
    function = function_of(integration)
    allowed = functions.may_invoke(function, source_arn) if function else None
    if not allowed:  # no such function, or no permission for this API: "Invalid permissions on Lambda function"
        raise Refusal(500, "InternalServerErrorException", INTERNAL)
    assert function is not None
    wait = float(integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000
    started = time.monotonic()
    invoked = functions.invoke(function, built, wait=wait)
    return answer(invoked, waited_out=not invoked.ok and time.monotonic() - started >= wait)
