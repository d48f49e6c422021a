"""API Gateway REST APIs, answering requests as API Gateway does, from the deployed OpenAPI definition.

Each request: routed by stage, method and path (an unknown one gets ``Missing Authentication Token``);
throttled by the stage's method settings; for AWS_IAM methods, its SigV4 signature checked and the
caller's role policies evaluated for ``execute-api:Invoke`` on the method's ARN; then the MOCK
integration run: request template, ``statusCode``, integration response, response parameters and
template. Errors get the definition's gateway responses (DEFAULT_4XX and DEFAULT_5XX included), so
CORS headers reach a browser on a 403 too. Access logs go to the stage's destination (CloudWatch Logs) and to
``.local/logs/``, in the stage's format.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from groupgate.local import iam
from groupgate.local.apigateway import proxy, vtl
from groupgate.local.apigateway.account import Account
from groupgate.local.credentials import Issued
from groupgate.local.sigv4 import Refusal, Secret, missing_token, verify

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
ANY_METHOD = "x-amazon-apigateway-any-method"
GATEWAY_RESPONSE_TYPES = {
    "MissingAuthenticationTokenException": "MISSING_AUTHENTICATION_TOKEN",
    "IncompleteSignatureException": "INVALID_SIGNATURE",
    "InvalidSignatureException": "INVALID_SIGNATURE",
    "UnrecognizedClientException": "INVALID_SIGNATURE",
    "ExpiredTokenException": "EXPIRED_TOKEN",
    "AccessDeniedException": "ACCESS_DENIED",
    "TooManyRequestsException": "THROTTLED",
    "UnsupportedMediaTypeException": "UNSUPPORTED_MEDIA_TYPE",
    "InternalServerErrorException": "DEFAULT_5XX",
}


class DefinitionError(ValueError):
    """A definition the local API cannot serve; the message names the method and what it uses."""


@dataclass(frozen=True)
class Incoming:
    """A request as it reached the API's listener."""

    method: str
    raw_path: str  # /<stage>/..., percent-encoded as sent
    query: str
    headers: Mapping[str, str]
    body: bytes
    source_ip: str
    signed_path: str = ""  # the path the client signed, where it is not raw_path (the endpoint's /restapis/...)


@dataclass(frozen=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Method:
    path: str  # the OpenAPI path template
    method: str  # upper case, or ANY
    iam: bool
    integration: dict[str, Any]
    pattern: re.Pattern[str]


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    at: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class Api:
    """One REST API, whichever way it was built: an OpenAPI body, or resources and methods one by one
    (``AWS::ApiGateway::Resource`` and ``Method``), which become the same definition."""

    id: str
    name: str
    definition: dict[str, Any]
    created: float
    description: str | None = None
    root_resource_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    made_paths: set[str] = field(default_factory=set)  # resources created one by one, methods or not

    def paths(self) -> set[str]:
        """Every resource's path: the root, each path of the definition and its parents, and those made."""
        found = {"/"}
        for path in [*(self.definition.get("paths") or {}), *self.made_paths]:
            parts = [p for p in str(path).split("/") if p]
            found |= {"/" + "/".join(parts[:n]) for n in range(1, len(parts) + 1)}
        return found

    def resource_id(self, path: str) -> str:
        return self.root_resource_id if path == "/" else hashlib.sha256(f"{self.id}{path}".encode()).hexdigest()[:6]

    def path_of(self, resource_id: str) -> str:
        for path in self.paths():
            if self.resource_id(path) == resource_id:
                return path
        raise DefinitionError(f"Invalid Resource identifier specified: {resource_id} is not a resource of {self.id}")


@dataclass
class Deployment:
    id: str
    api_id: str
    definition: dict[str, Any]  # the API as it was when deployed
    created: float
    description: str | None = None


@dataclass
class Stage:
    name: str
    api_id: str
    methods: list[Method]
    gateway_responses: dict[str, Any]
    variables: dict[str, str] = field(default_factory=dict)
    bucket: _Bucket | None = None
    access_log: Mapping[str, Any] | None = None  # DestinationArn, Format
    deployment_id: str = ""
    description: str | None = None
    method_settings: list[Mapping[str, Any]] = field(default_factory=list)
    tracing: bool = False
    created: float = 0.0
    updated: float = 0.0

    @property
    def access_log_format(self) -> str | None:
        return (self.access_log or {}).get("Format")


def _path_pattern(template: str) -> re.Pattern[str]:
    parts = []
    for segment in template.strip("/").split("/") if template.strip("/") else []:
        if re.fullmatch(r"\{[^}]+\+\}", segment):
            parts.append(r"(?:/.+)")
        elif re.fullmatch(r"\{[^}]+\}", segment):
            parts.append(r"/[^/]+")
        else:
            parts.append("/" + re.escape(segment))
    return re.compile("".join(parts) + "/?" if parts else "/?")


def _iam_method(operation: Mapping[str, Any], definition: Mapping[str, Any], where: str) -> bool:
    schemes = {
        **(definition.get("securityDefinitions") or {}),
        **((definition.get("components") or {}).get("securitySchemes") or {}),
    }
    if (operation.get("x-amazon-apigateway-auth") or {}).get("type", "").lower() == "aws_iam":
        return True
    security = operation.get("security", definition.get("security", []))
    kinds = set()
    for requirement in security or []:
        for name in requirement:
            scheme = schemes.get(name)
            if scheme is None:
                raise DefinitionError(f"{where}: security scheme {name!r} is not defined")
            if scheme.get("x-amazon-apigateway-authtype") == "awsSigv4":
                kinds.add("iam")
            else:
                kind = scheme.get("x-amazon-apigateway-authtype") or scheme.get("type")
                raise DefinitionError(
                    f"{where}: authorizer {name!r} ({kind}) is not one the local cloud runs "
                    "(AWS_IAM and no authorization)"
                )
    return "iam" in kinds


def methods_of(definition: Mapping[str, Any]) -> list[Method]:
    """The methods of an OpenAPI (2 or 3) definition, refusing what the local API cannot run."""
    methods = []
    for path, item in (definition.get("paths") or {}).items():
        for name, operation in item.items():
            verb = "ANY" if name == ANY_METHOD else name.upper()
            if name not in (*HTTP_METHODS, ANY_METHOD):
                continue
            where = f"{verb} {path}"
            integration = operation.get("x-amazon-apigateway-integration")
            if integration is None:
                raise DefinitionError(f"{where}: has no x-amazon-apigateway-integration")
            kind = str(integration.get("type", "")).lower()
            if kind not in ("mock", "aws_proxy"):
                raise DefinitionError(
                    f"{where}: integration type {integration.get('type')!r} is not one the local cloud runs "
                    "(MOCK, and AWS_PROXY to a Lambda function)"
                )
            if kind == "aws_proxy" and proxy.function_of(integration) is None:
                raise DefinitionError(
                    f"{where}: an AWS_PROXY integration's uri must be a Lambda function's invocation URI "
                    "(arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations); "
                    f"got {integration.get('uri')!r}"
                )
            methods.append(
                Method(path, verb, _iam_method(operation, definition, where), integration, _path_pattern(path))
            )
    return methods


class RestApis:
    def __init__(
        self,
        *,
        region: str,
        account_id: str,
        keys: Callable[[str], Secret | None],
        role_of: Callable[[str], str | None],
        policies: Callable[[str], list[Any]],
        log_dir: Path,
        clock: Callable[[], float] = time.time,
        issued: Callable[[str], Issued | None] = lambda key: None,
        logs: Callable[[str, str, str], None] = lambda destination, stream, line: None,
        roles: Callable[[str], tuple[str, str] | None] = lambda arn: None,
    ) -> None:
        self.region, self.account_id = region, account_id
        self.account = Account(roles)  # the region's account settings: its CloudWatch Logs role (none at first)
        self.logs = logs  # (a stage's access log DestinationArn, log stream, one line): CloudWatch Logs
        self.keys, self.role_of, self.policies, self.issued = keys, role_of, policies, issued
        self.functions: proxy.Functions | None = None  # Lambda, for AWS_PROXY integrations (the cloud sets it)
        self.log_dir, self.clock = log_dir, clock
        self.apis: dict[str, Api] = {}
        self.deployments: dict[str, Deployment] = {}
        self.stages: dict[tuple[str, str], Stage] = {}
        self._lock = threading.Lock()

    def create_api(self, name: str, definition: dict[str, Any], *, description: str | None = None) -> str:
        methods_of(definition)  # refuse what cannot run now, at deploy time
        api_id = uuid.uuid4().hex[:10]
        with self._lock:
            self.apis[api_id] = Api(api_id, name, definition, self.clock(), description)
        return api_id

    def update_api(self, api_id: str, name: str, definition: dict[str, Any], *, description: str | None = None) -> None:
        """The API's definition overwritten; what its stages serve changes with their next deployment."""
        methods_of(definition)
        with self._lock:
            api = self._api(api_id)
            api.name, api.definition, api.description = name, definition, description

    def create_resource(self, api_id: str, parent_id: str, path_part: str) -> str:
        """CreateResource: a path under its parent's; its id is the one GetResources shows."""
        with self._lock:
            api = self._api(api_id)
            parent = api.path_of(parent_id)
            path = f"{parent.rstrip('/')}/{path_part}"
            if path in api.paths():
                raise DefinitionError(f"Another resource with the same parent already has this name: {path_part}")
            api.made_paths.add(path)
            return api.resource_id(path)

    def delete_resource(self, api_id: str, resource_id: str) -> None:
        with self._lock:
            api = self.apis.get(api_id)
            if api is not None:
                path = api.path_of(resource_id)
                api.made_paths = {p for p in api.made_paths if p != path and not p.startswith(path + "/")}
                paths = api.definition.get("paths") or {}
                for gone in [p for p in paths if p == path or str(p).startswith(path + "/")]:
                    del paths[gone]

    def put_method(self, api_id: str, resource_id: str, verb: str, operation: dict[str, Any]) -> None:
        """PutMethod with its integration: the method becomes its resource's operation in the definition, as
        an OpenAPI body would have it, so both ways of building an API are served alike."""
        key = ANY_METHOD if verb.upper() == "ANY" else verb.lower()
        with self._lock:
            api = self._api(api_id)
            path = api.path_of(resource_id)
            methods_of({"paths": {path: {key: operation}}})  # refuse what cannot run, at deploy time
            api.definition.setdefault("paths", {}).setdefault(path, {})[key] = operation

    def delete_method(self, api_id: str, resource_id: str, verb: str) -> None:
        key = ANY_METHOD if verb.upper() == "ANY" else verb.lower()
        with self._lock:
            api = self.apis.get(api_id)
            if api is not None:
                item = (api.definition.get("paths") or {}).get(api.path_of(resource_id)) or {}
                item.pop(key, None)

    def _api(self, api_id: str) -> Api:
        if api_id not in self.apis:
            raise DefinitionError(f"RestApi {api_id} is not in this cloud")
        return self.apis[api_id]

    def create_deployment(self, api_id: str, *, description: str | None = None) -> str:
        with self._lock:
            api = self._api(api_id)
            if not methods_of(api.definition):
                raise DefinitionError("The REST API doesn't contain any methods")
            deployment = uuid.uuid4().hex[:6]
            snapshot = json.loads(json.dumps(api.definition))
            self.deployments[deployment] = Deployment(deployment, api_id, snapshot, self.clock(), description)
        return deployment

    def update_deployment(self, deployment: str, *, description: str | None = None) -> None:
        with self._lock:
            if deployment in self.deployments:
                self.deployments[deployment].description = description

    def create_stage(
        self,
        api_id: str,
        name: str,
        deployment: str,
        *,
        variables: Mapping[str, str] | None = None,
        method_settings: Sequence[Mapping[str, Any]] = (),
        access_log: Mapping[str, Any] | None = None,
        description: str | None = None,
        tracing: bool = False,
    ) -> None:
        """A stage serving ``deployment``; one of the same name is replaced (its settings, its deployment)."""
        found = self.deployments.get(deployment)
        if found is None or found.api_id != api_id:
            raise DefinitionError(f"stage {name}: deployment {deployment} is not one of RestApi {api_id}")
        self.account.allow_logging(access_log, method_settings)
        bucket = None
        for setting in method_settings:
            if setting.get("ResourcePath") in ("/*", "*") and setting.get("HttpMethod") == "*":
                rate = setting.get("ThrottlingRateLimit")
                burst = setting.get("ThrottlingBurstLimit")
                if rate is not None and burst is not None:
                    bucket = _Bucket(float(rate), float(burst), float(burst), self.clock())
        now = self.clock()
        with self._lock:
            before = self.stages.get((api_id, name))
            self.stages[(api_id, name)] = Stage(
                name, api_id, methods_of(found.definition),
                dict(found.definition.get("x-amazon-apigateway-gateway-responses") or {}), dict(variables or {}),
                bucket, access_log, deployment, description, list(method_settings), tracing,
                before.created if before else now, now,
            )  # fmt: skip

    def delete_api(self, api_id: str) -> None:
        with self._lock:
            self.apis.pop(api_id, None)
            self.deployments = {k: v for k, v in self.deployments.items() if v.api_id != api_id}
            self.stages = {k: v for k, v in self.stages.items() if k[0] != api_id}

    def delete_deployment(self, deployment: str) -> None:
        with self._lock:
            self.deployments.pop(deployment, None)

    def delete_stage(self, api_id: str, name: str) -> None:
        with self._lock:
            self.stages.pop((api_id, name), None)

    def allowed_origins(self) -> set[str]:
        """The browser origins the deployed APIs answer CORS for: every literal Access-Control-Allow-Origin
        their definitions set (method responses, integration responses, gateway responses)."""
        origins: set[str] = set()

        def visit(value: Any) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    if str(key).lower().endswith("header.access-control-allow-origin") and isinstance(item, str):
                        origins.add(item.strip("'"))
                    visit(item)
            elif isinstance(value, list):
                for item in value:
                    visit(item)

        with self._lock:
            definitions = [api.definition for api in self.apis.values()]
        for definition in definitions:
            visit(definition)
        return origins

    # ------------------------------------------------------------ a request
    def _context(self, api_id: str, incoming: Incoming) -> tuple[Stage | None, dict[str, Any]]:
        """The request's stage, and the ``$context`` its templates and access log see."""
        started = self.clock()
        stage_name = incoming.raw_path.lstrip("/").partition("/")[0]
        context: dict[str, Any] = {
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": uuid.uuid4().hex[:16],
            "apiId": api_id,
            "accountId": self.account_id,
            "httpMethod": incoming.method,
            "protocol": "HTTP/1.1",
            "requestTime": datetime.fromtimestamp(started, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(started * 1000),
            "path": incoming.raw_path,
            "stage": stage_name,
            "identity": {"sourceIp": incoming.source_ip, "userAgent": _header(incoming.headers, "user-agent")},
            "domainName": _header(incoming.headers, "host"),
            "domainPrefix": _header(incoming.headers, "host").split(".")[0],
        }
        return self.stages.get((api_id, stage_name)), context

    def refuse(self, api_id: str, incoming: Incoming, refusal: Refusal) -> Response:
        """The answer to a request the API never saw (a malformed body, a failure of the local cloud's own),
        shaped by the stage's gateway responses, as API Gateway's are, and logged."""
        stage, context = self._context(api_id, incoming)
        response = self._gateway_response(stage, refusal, context)
        self._access_log(stage, context, response)
        return response

    def handle(self, api_id: str, incoming: Incoming) -> Response:
        stage, context = self._context(api_id, incoming)
        rest = incoming.raw_path.lstrip("/").partition("/")[2]
        try:
            if api_id not in self.apis:  # deleted, or never made: what API Gateway answers for such an API
                raise Refusal(403, "ForbiddenException", {"message": "Forbidden"})
            if stage is None:
                raise missing_token()
            path = "/" + rest
            found = self._route(stage, incoming.method, path)
            if found is None:
                raise missing_token()
            context["resourcePath"] = found.path
            context["resourceId"] = self.apis[api_id].resource_id(found.path)
            if stage.bucket is not None:
                with self._lock:
                    allowed = stage.bucket.take(self.clock())
                if not allowed:
                    raise Refusal(429, "TooManyRequestsException", {"message": "Too Many Requests"})
            if found.iam:
                self._authorize(stage, incoming, path, context)
            if str(found.integration.get("type", "")).lower() == "aws_proxy":
                response = self._proxy(found, stage, incoming, path, context)
            else:
                response = self._mock(found, stage, incoming, context)
        except Refusal as refusal:
            response = self._gateway_response(stage, refusal, context)
        except vtl.TemplateError:
            failure = Refusal(500, "InternalServerErrorException", {"message": "Internal server error"})
            response = self._gateway_response(stage, failure, context)
        self._access_log(stage, context, response)
        return response

    @staticmethod
    def _route(stage: Stage, method: str, path: str) -> Method | None:
        matches = [m for m in stage.methods if m.pattern.fullmatch(path)]
        exact = [m for m in matches if m.method == method.upper()]
        fallback = [m for m in matches if m.method == "ANY"]
        return (exact or fallback)[0] if exact or fallback else None

    def _authorize(self, stage: Stage, incoming: Incoming, path: str, context: dict[str, Any]) -> None:
        now = datetime.fromtimestamp(self.clock(), UTC)
        caller = verify(
            incoming.method,
            incoming.signed_path or incoming.raw_path,
            incoming.query,
            incoming.headers,
            incoming.body,
            region=self.region,
            lookup=self.keys,
            now=now,
        )
        role = self.role_of(caller.access_key_id)
        context["identity"].update(self._identity(caller.access_key_id, caller.principal_arn))
        method_arn = f"{stage.api_id}/{stage.name}/{incoming.method.upper()}/{path.lstrip('/')}"
        resource = f"arn:aws:execute-api:{self.region}:{self.account_id}:{method_arn}"
        request = iam.Request(
            "execute-api:Invoke",
            resource,
            {
                "aws:SourceIp": [incoming.source_ip],
                "aws:PrincipalArn": [role or ""],
                "aws:CurrentTime": [now.strftime("%Y-%m-%dT%H:%M:%SZ")],
            },
        )
        decision = iam.evaluate(self.policies(role) if role else [], request)
        if decision != "allow":
            masked = f"arn:aws:execute-api:{self.region}:********{self.account_id[-4:]}:{method_arn}"
            message = (
                f"User: {caller.principal_arn} is not authorized to perform: execute-api:Invoke on resource: {masked}"
            )
            if decision == "explicit-deny":
                message += " with an explicit deny"
            raise Refusal(403, "AccessDeniedException", {"Message": message})

    def _identity(self, access_key_id: str, principal_arn: str) -> dict[str, str]:
        """``$context.identity`` of a signed request: from the credentials it was signed with, as API Gateway
        fills it (for identity-pool credentials, the identity, its pool and how it signed in)."""
        issued = self.issued(access_key_id)
        found = {"accessKey": access_key_id, "userArn": principal_arn, "caller": principal_arn,
                 "user": principal_arn, "accountId": self.account_id}  # fmt: skip
        if issued is not None:
            session = principal_arn.rsplit("/", 1)[-1]
            found["caller"] = found["user"] = f"{issued.role_id}:{session}"
            found["cognitoIdentityId"], found["cognitoIdentityPoolId"] = issued.identity_id, issued.identity_pool_id
            if issued.amr:
                found["cognitoAuthenticationType"] = issued.amr[0]
                found["cognitoAuthenticationProvider"] = ",".join(issued.amr[1:])
        return found

    def _proxy(self, found: Method, stage: Stage, incoming: Incoming, path: str, context: dict[str, Any]) -> Response:
        if self.functions is None:
            raise Refusal(500, "InternalServerErrorException", proxy.INTERNAL)
        method = incoming.method.upper()
        source_arn = (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{stage.api_id}/{stage.name}/{method}{found.path}"
        )
        built = proxy.event(resource=found.path, path=path, method=method, headers=incoming.headers,
                            query=incoming.query, body=incoming.body, stage_variables=stage.variables,
                            context=context)  # fmt: skip
        status, headers, body = proxy.run(self.functions, found.integration, source_arn, built)
        return Response(status, self._base_headers(context, dict(headers)), body)

    def _mock(self, found: Method, stage: Stage, incoming: Incoming, context: dict[str, Any]) -> Response:
        integration = found.integration
        text = incoming.body.decode(errors="replace")
        content_type = (_header(incoming.headers, "content-type") or "application/json").split(";")[0].strip().lower()
        templates = {k.lower(): v for k, v in (integration.get("requestTemplates") or {}).items()}
        params = {"header": dict(incoming.headers), "querystring": dict(_query(incoming.query)), "path": {}}
        passthrough = str(integration.get("passthroughBehavior", "when_no_match")).lower()
        if content_type in templates:
            request_out = vtl.render(
                templates[content_type], body=text, params=params, context=context, stage_variables=stage.variables
            )
        elif passthrough == "when_no_match" or (passthrough == "when_no_templates" and not templates):
            request_out = text
        else:
            raise Refusal(415, "UnsupportedMediaTypeException", {"message": "Unsupported Media Type"})
        try:
            status = int(json.loads(request_out or "{}").get("statusCode"))
        except (ValueError, TypeError, AttributeError):
            raise Refusal(500, "InternalServerErrorException", {"message": "Internal server error"}) from None
        responses = integration.get("responses") or {}
        chosen = next(
            (r for key, r in responses.items() if key != "default" and re.fullmatch(key, str(status))),
            responses.get("default"),
        )
        if chosen is None:
            raise Refusal(500, "InternalServerErrorException", {"message": "Internal server error"})
        out_headers: dict[str, str] = {}
        for name, value in (chosen.get("responseParameters") or {}).items():
            if name.startswith("method.response.header."):
                out_headers[name.removeprefix("method.response.header.")] = _parameter(value, context, stage.variables)
        templates_out = chosen.get("responseTemplates") or {}
        template = templates_out.get("application/json", next(iter(templates_out.values()), None))
        payload = vtl.render(template, context=context, stage_variables=stage.variables) if template else ""
        out_headers.setdefault("Content-Type", "application/json")
        return Response(int(chosen.get("statusCode", 200)), self._base_headers(context, out_headers), payload.encode())

    def _gateway_response(self, stage: Stage | None, refusal: Refusal, context: dict[str, Any]) -> Response:
        message = next(iter(refusal.body.values()), "")
        context["error"] = {
            "message": message,
            "messageString": json.dumps(message),
            "responseType": GATEWAY_RESPONSE_TYPES.get(refusal.error_type, "DEFAULT_4XX"),
        }
        responses = stage.gateway_responses if stage else {}
        kind = context["error"]["responseType"]
        fallback = "DEFAULT_5XX" if refusal.status >= 500 else "DEFAULT_4XX"
        configured = responses.get(kind) or responses.get(fallback) or {}
        status = int(configured.get("statusCode", refusal.status))
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": refusal.error_type}
        for name, value in (configured.get("responseParameters") or {}).items():
            if name.startswith("gatewayresponse.header."):
                headers[name.removeprefix("gatewayresponse.header.")] = _parameter(
                    value, context, stage.variables if stage else {}
                )
        template = (configured.get("responseTemplates") or {}).get("application/json")
        if template:
            payload = vtl.render(template, context=context, stage_variables=stage.variables if stage else {}).encode()
        else:
            payload = json.dumps(dict(refusal.body), separators=(",", ":")).encode()
        return Response(status, self._base_headers(context, headers), payload)

    @staticmethod
    def _base_headers(context: Mapping[str, Any], headers: Mapping[str, str]) -> list[tuple[str, str]]:
        return [
            *headers.items(),
            ("x-amzn-RequestId", str(context["requestId"])),
            ("x-amz-apigw-id", str(context["extendedRequestId"])),
        ]

    def _access_log(self, stage: Stage | None, context: dict[str, Any], response: Response) -> None:
        if stage is None or not stage.access_log_format:
            return
        context = {**context, "status": response.status, "responseLength": len(response.body)}
        context.setdefault("error", {"message": "-", "messageString": '"-"', "responseType": "-"})

        def value(match: re.Match[str]) -> str:
            current: Any = context
            for part in match.group(1).split("."):
                current = current.get(part) if isinstance(current, dict) else None
            return "-" if current in (None, "") else str(current)

        line = re.sub(r"\$context\.([A-Za-z.]+[A-Za-z])", value, stage.access_log_format)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"api-{stage.api_id}-{stage.name}-access.log").open("a") as handle:
            handle.write(line + "\n")
        destination = (stage.access_log or {}).get("DestinationArn")
        if destination:
            self.logs(str(destination), f"{stage.api_id}-{stage.name}", line)


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def _query(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl  # noqa: PLC0415

    return parse_qsl(query, keep_blank_values=True)


def _parameter(value: str, context: Mapping[str, Any], variables: Mapping[str, str]) -> str:
    """A response parameter's value: a 'literal', context.x or stageVariables.x."""
    if len(value) >= 2 and value.startswith("'") and value.endswith("'"):
        return value[1:-1]
    if value.startswith("stageVariables."):
        return variables.get(value.removeprefix("stageVariables."), "")
    if value.startswith("context."):
        current: Any = context
        for part in value.removeprefix("context.").split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return "" if current is None else str(current)
    return ""
