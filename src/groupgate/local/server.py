"""The local cloud's listeners: one endpoint for every AWS API it serves, and one per REST API.

The AWS endpoint answers, in this order: CORS preflights (as Cognito answers them); custom resource
responses (the local ResponseURLs); each user pool's JWKS; REST-JSON operations of the services the local
cloud serves itself (Lambda, API Gateway's control plane); every JSON-protocol operation whose target
botocore's models know, checked against its model first (``shapes``), by the service's provider (user
pools, identity pools) or by moto; STS GetCallerIdentity for credentials the local cloud issued; and hands
everything else to moto's own server application (an operation moto lacks gets AWS's unknown-operation
answer). Both listeners are ``http.guarded``: whole bodies,
bounded sizes and times, and an internal error answered in the service's own form.
"""

from __future__ import annotations

import io
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import parse_qs, parse_qsl
from xml.sax.saxutils import escape

from botocore.exceptions import UnknownServiceError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from groupgate.local import http, query, restjson, shapes
from groupgate.local.apigateway.restapis import Incoming, RestApis
from groupgate.local.credentials import CredentialStore
from groupgate.local.protocol import Answer, AwsError, error_answer, json_answer
from groupgate.local.sigv4 import Refusal, verify

WsgiApp = http.WsgiApp
log = logging.getLogger("groupgate.local")

EXPOSED = ("Access-Control-Expose-Headers", "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date")
PREFLIGHT_HEADERS = [
    ("Access-Control-Allow-Methods", "GET,POST,PUT,DELETE,OPTIONS"),
    (
        "Access-Control-Allow-Headers",
        "authorization,content-type,x-amz-target,x-amz-user-agent,x-amz-date,x-amz-security-token,"
        "x-amz-content-sha256,amz-sdk-invocation-id,amz-sdk-request,cache-control",
    ),
    ("Access-Control-Max-Age", "86400"),
]
ENDPOINT_BODY_LIMIT = 64 * 1024 * 1024  # chosen: room for S3 uploads of function code; every body is bounded
API_BODY_LIMIT = 10 * 1024 * 1024  # API Gateway's documented payload limit for REST APIs
RESPONSE_KEEP = 64 * 1024  # of a custom resource's answer: enough to tell one over CloudFormation's 4096 bytes
INTERNAL_ERRORS = {"cognito-idp": "InternalErrorException", "cognito-identity": "InternalErrorException"}


class Provider(Protocol):
    """A service answered by the local cloud itself: one door for its operations (moto answers the rest)."""

    def call(self, operation: str, request: dict[str, Any], moto: Callable[[], Answer]) -> Answer: ...


class RestProvider(Protocol):
    """A REST-JSON service answered by the local cloud itself (Lambda, API Gateway's control plane)."""

    def call(self, operation: str, request: dict[str, Any]) -> Mapping[str, Any]: ...


class QueryProvider(Protocol):
    """A query-protocol service answered by the local cloud itself: the members of each operation's answer."""

    def call(self, operation: str, request: dict[str, Any]) -> Mapping[str, Any]: ...


def headers_of(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers, with their usual names, as a WSGI environ carries them."""
    headers = {
        key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers


def raw_path_of(environ: dict[str, Any]) -> tuple[str, str]:
    """The path and query as sent (percent-encoded), which is what SigV4 signs."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    path, _, query = str(raw).partition("?")
    return path, query or str(environ.get("QUERY_STRING", ""))


def _body(environ: dict[str, Any]) -> bytes:
    """The body ``http.guarded`` read whole; readable again by whoever comes next (moto)."""
    data: bytes = environ["wsgi.input"].read()
    environ["wsgi.input"] = io.BytesIO(data)
    return data


def _signing_service(environ: dict[str, Any]) -> str | None:
    """The service a SigV4 Authorization header's credential scope names (key/date/region/service/...)."""
    credential = str(environ.get("HTTP_AUTHORIZATION", "")).partition("Credential=")[2].split(",")[0]
    parts = credential.split("/")
    return parts[3] if len(parts) == 5 else None


class CustomResponseBox:
    """The ResponseURLs of custom resources: each a path on the AWS endpoint, and what was PUT there.

    Only a URL the deployment handed out takes a PUT, once, and only its first ``RESPONSE_KEEP`` bytes are
    kept; the deployment forgets it when it has its answer, so nothing a caller sends stays.
    """

    def __init__(self) -> None:
        self.base_url = ""
        self._pending: set[str] = set()
        self._bodies: dict[str, bytes] = {}
        self._arrived = threading.Condition()

    def url(self, token: str) -> str:
        """The ResponseURL for a request with this token; it takes one PUT until ``forget``."""
        with self._arrived:
            self._pending.add(token)
        # The query stands where S3's presigning signature stands in CloudFormation's URLs.
        return f"{self.base_url}/__cloudformation-response/{token}?X-Amz-Signature=local"

    def put(self, token: str, body: bytes) -> bool:
        with self._arrived:
            if token not in self._pending:
                return False
            self._pending.discard(token)
            self._bodies[token] = body[:RESPONSE_KEEP]
            self._arrived.notify_all()
            return True

    def wait(self, token: str, timeout: float) -> bytes | None:
        with self._arrived:
            self._arrived.wait_for(lambda: token in self._bodies, timeout=timeout)
            return self._bodies.get(token)

    def forget(self, token: str) -> None:
        with self._arrived:
            self._pending.discard(token)
            self._bodies.pop(token, None)


def _xml_error(status: int, code: str, message: str, kind: str = "Sender") -> Answer:
    return _xml(
        status,
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        "<RequestId>local</RequestId></ErrorResponse>",
    )


class EndpointRefusals:
    """The endpoint's answers to what its services never saw: JSON for JSON-protocol requests, else XML."""

    def bad_request(self, environ: dict[str, Any], status: int, message: str) -> Answer:
        if environ.get("HTTP_X_AMZ_TARGET"):
            code = "SerializationException" if status == 400 else "RequestEntityTooLargeException"
            return error_answer(AwsError(code, message, status))
        return _xml_error(status, "InvalidRequest" if status == 400 else "EntityTooLarge", message)

    def internal_error(self, environ: dict[str, Any]) -> Answer:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if target:
            service = shapes.UNSIGNED_TARGETS.get(target.partition(".")[0]) or _signing_service(environ) or ""
            code = INTERNAL_ERRORS.get(service, "InternalFailure")
            return error_answer(AwsError(code, "Internal server error.", 500))
        return _xml_error(500, "InternalFailure", "Internal server error.", "Receiver")


class NoMotoBackend(LookupError):
    """moto has no backend for the service a request is for."""


def _propagating(service: Any) -> Any:
    """moto's Flask application for ``service``, letting its errors reach ``http.guarded``."""
    if service is None:
        raise NoMotoBackend
    app = create_backend_app(service)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    return app


class AwsEndpoint:
    """The WSGI application behind the local cloud's ``Endpoint``."""

    def __init__(
        self,
        *,
        region: str,
        account_id: str,
        providers: dict[str, Provider],
        jwks: Callable[[str], Mapping[str, Any] | None],
        credentials: CredentialStore,
        responses: CustomResponseBox,
        query_providers: dict[str, QueryProvider] | None = None,
        apis: RestApis | None = None,
        origins: Callable[[], set[str]] = set,
        rest_providers: dict[str, RestProvider] | None = None,
    ) -> None:
        self.region, self.account_id = region, account_id
        self.origins = origins  # browser origins allowed to call (see LocalCloud._browser_origins)
        self.providers, self.jwks = providers, jwks  # providers by botocore's service name (cognito-idp, ...)
        self.query_providers = query_providers or {}  # the same, for query-protocol services (cloudformation)
        self.rest_providers = rest_providers or {}  # and for REST-JSON ones (lambda, apigateway)
        # the services whose signing name is not their name (cloudcontrol signs as cloudcontrolapi)
        self.signing_names = {shapes.service_model(name).signing_name: name for name in self.providers}
        self.credentials, self.responses, self.apis = credentials, responses, apis
        self.moto: WsgiApp = DomainDispatcherApplication(_propagating)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        cors = self._cors(environ)
        answer = self._answer(environ, cors)
        if answer is None:
            body = _body(environ)
            try:
                return self._moto(environ, start_response, cors)
            except (NotImplementedError, NoMotoBackend):  # nobody serves the operation: AWS's unknown operation
                answer = _unknown_operation(environ, body)
        return http.send(start_response, Answer(answer.status, [*answer.headers, *cors], answer.body))

    def _answer(self, environ: dict[str, Any], cors: list[tuple[str, str]]) -> Answer | None:  # noqa: PLR0911
        """The local cloud's own answer, in the order the module docstring gives; None: moto's to give."""
        method = environ.get("REQUEST_METHOD", "GET")
        path, _ = raw_path_of(environ)
        if method == "OPTIONS":
            return Answer(200, [("Content-Length", "0"), *(PREFLIGHT_HEADERS if cors else [])], b"")
        if method == "PUT" and path.startswith("/__cloudformation-response/"):
            if self.responses.put(path.rsplit("/", 1)[-1], _body(environ)):
                return Answer(200, [("Content-Length", "0")], b"")
            return _xml_error(403, "AccessDenied", "Request has expired")  # as S3 answers a spent presigned URL
        if method == "GET" and path.endswith("/.well-known/jwks.json"):
            keys = self.jwks(path.strip("/").split("/")[0])
            if keys is not None:
                answer = json_answer(keys)
                return Answer(200, [*answer.headers, ("Access-Control-Allow-Origin", "*")], answer.body)
        service = _signing_service(environ)
        if service in self.rest_providers:
            found = self._rest(environ, service)
            if found is not None:
                return found
        if path.startswith("/restapis/") and self.apis is not None:
            return self._rest_api(environ, path)
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if target:
            return self._operation(environ, target)
        if method == "POST":
            return self._query(environ) or self._sts(environ)
        return None

    def _query(self, environ: dict[str, Any]) -> Answer | None:
        """A query-protocol operation of a service the local cloud answers itself (CloudFormation)."""
        service = _signing_service(environ)
        provider = self.query_providers.get(service or "")
        if provider is None or service is None:
            return None
        form = dict(parse_qsl(_body(environ).decode(errors="replace"), keep_blank_values=True))
        try:
            found = query.operation(service, form.get("Action", ""))
            return query.answer(found, provider.call(found.model.name, query.parse(found, form)))
        except AwsError as error:
            return query.error(service, error)

    def _rest(self, environ: dict[str, Any], service: str) -> Answer | None:
        """A REST-JSON operation of a service the local cloud answers itself, routed by method and path; None
        for a path none of its operations has (another service signed with the same name: apigatewayv2's)."""
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path, query_string = raw_path_of(environ)
        found = restjson.route(service, method, path)
        if found is None:
            return None
        try:
            request = restjson.parse(found, query_string, headers_of(environ), _body(environ))
            return restjson.answer(found, self.rest_providers[service].call(found.operation.model.name, request))
        except AwsError as error:
            return restjson.error(error)

    def _rest_api(self, environ: dict[str, Any], path: str) -> Answer:
        """``/restapis/<api-id>/<stage>/_user_request_/<path>``: an API reached by its id alone, on the endpoint
        (the path LocalStack's users know); the request is signed for that whole path."""
        assert self.apis is not None  # checked by the caller
        parts = path.split("/", 5)  # "", "restapis", id, stage, "_user_request_", rest
        if len(parts) < 5 or parts[4] != "_user_request_":
            return error_answer(AwsError("NotFoundException", "Invalid API identifier specified", 404))
        api_id, stage, rest = parts[2], parts[3], parts[5] if len(parts) > 5 else ""
        incoming = _incoming(environ, _body(environ))
        routed = Incoming(incoming.method, f"/{stage}/{rest}", incoming.query, incoming.headers, incoming.body,
                          incoming.source_ip, signed_path=path)  # fmt: skip
        response = self.apis.handle(api_id, routed)
        return _with_length(response.status, response.headers, response.body)

    def _operation(self, environ: dict[str, Any], target: str) -> Answer | None:
        """A JSON-protocol operation, checked against its model, then answered by its provider or moto."""
        try:
            signed = _signing_service(environ)
            found = shapes.operation(target, self.signing_names.get(signed or "", signed))
        except shapes.UnknownTarget:
            return None
        except AwsError as error:
            return error_answer(error)
        body = _body(environ)
        try:
            request = shapes.parse(found, body)
            provider = self.providers.get(found.service)
            if provider is None:
                return self._moto_answer(environ)
            return provider.call(found.model.name, request, lambda: self._moto_answer(environ))
        except AwsError as error:
            return error_answer(error)

    def _cors(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        """CORS headers for a browser origin the local cloud allows; none for any other page."""
        origin = str(environ.get("HTTP_ORIGIN", ""))
        allowed = self.origins() if origin else set()
        if origin and ("*" in allowed or origin in allowed):
            return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin"), EXPOSED]
        return []

    def _moto_answer(self, environ: dict[str, Any]) -> Answer:
        """moto's answer to the request, whole."""
        started: list[Any] = []

        def record(status: str, headers: list[tuple[str, str]], *args: Any) -> Callable[[bytes], None]:
            started[:] = [int(status.split(maxsplit=1)[0]), headers]
            return lambda data: None

        sent = _body(environ)
        environ["wsgi.input"] = io.BytesIO(sent)
        try:
            body = b"".join(self.moto(environ, record))
        except (NotImplementedError, NoMotoBackend):
            return _unknown_operation(environ, sent)
        status, headers = started
        kept = [h for h in headers if not h[0].lower().startswith("access-control-")]
        return Answer(status, kept, body)

    def _sts(self, environ: dict[str, Any]) -> Answer | None:
        """GetCallerIdentity for credentials this cloud issued (moto's STS does not know them)."""
        body = _body(environ)
        if parse_qs(body.decode(errors="replace")).get("Action") != ["GetCallerIdentity"]:
            return None
        headers = headers_of(environ)
        key = headers.get("authorization", "").partition("Credential=")[2].split("/", 1)[0]
        issued = self.credentials.get(key)
        if issued is None:
            return None
        path, query = raw_path_of(environ)
        try:
            verify(
                "POST",
                path,
                query,
                headers,
                body,
                region=self.region,
                lookup=self.credentials.secret,
                now=datetime.now(UTC),
                service="sts",
            )
        except Refusal as refusal:
            code = "SignatureDoesNotMatch" if "Signature" in refusal.error_type else "InvalidClientTokenId"
            return _xml_error(403, code, next(iter(refusal.body.values())))
        return _xml(
            200,
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            f"<Arn>{escape(issued.principal_arn)}</Arn><UserId>{escape(issued.role_id)}:CognitoIdentityCredentials</UserId>"
            f"<Account>{self.account_id}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>local</RequestId>"
            "</ResponseMetadata></GetCallerIdentityResponse>",
        )

    def _moto(
        self, environ: dict[str, Any], start_response: Callable[..., Any], cors: list[tuple[str, str]]
    ) -> Iterable[bytes]:
        def with_cors(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            # moto's own CORS headers answer any origin; only the allowed ones get any here
            kept = [h for h in headers if not h[0].lower().startswith("access-control-")]
            return start_response(status, [*kept, *cors], *args)

        return self.moto(environ, with_cors)


def _unknown_operation(environ: dict[str, Any], body: bytes) -> Answer:
    """What AWS answers an operation its service does not have, in the service's protocol (botocore's model of
    the service the request is signed for): JSON, REST-JSON, query XML or S3's XML."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return error_answer(AwsError("UnknownOperationException", ""))
    try:
        protocol = shapes.service_model(_signing_service(environ) or "").protocol
    except UnknownServiceError:
        protocol = "query"
    if protocol in ("json", "rest-json"):
        return restjson.error(AwsError("UnknownOperationException", "", 404))
    if protocol == "rest-xml":
        return _xml_error(501, "NotImplemented", "A header you provided implies functionality that is not implemented")
    form = parse_qs(body.decode(errors="replace"))
    action = (form.get("Action") or parse_qs(str(environ.get("QUERY_STRING", ""))).get("Action") or ["?"])[0]
    version = (form.get("Version") or [""])[0]
    return _xml_error(400, "InvalidAction", f"Could not find operation {action} for version {version}")


def _xml(status: int, text: str) -> Answer:
    body = text.encode()
    return Answer(status, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))], body)


class ApiApplication:
    """The WSGI application of one REST API's listener: paths are /<stage>/..., as AWS sees them."""

    def __init__(self, apis: RestApis, api_id: str) -> None:
        self.apis, self.api_id = apis, api_id

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self.apis.handle(self.api_id, _incoming(environ, _body(environ)))
        return http.send(start_response, _with_length(response.status, response.headers, response.body))


def _incoming(environ: dict[str, Any], body: bytes) -> Incoming:
    path, query = raw_path_of(environ)
    method, source = str(environ.get("REQUEST_METHOD", "GET")), str(environ.get("REMOTE_ADDR", "127.0.0.1"))
    return Incoming(method, path, query, headers_of(environ), body, source)


class ApiRefusals:
    """A REST API's answers to what never reached it, through the stage's gateway responses (so CORS too)."""

    TYPES: ClassVar = {
        400: "BadRequestException",
        408: "RequestTimeoutException",
        413: "RequestEntityTooLargeException",
    }
    MESSAGES: ClassVar = {413: "Request Too Long"}  # API Gateway's REQUEST_TOO_LARGE; a 400 says what was wrong

    def __init__(self, apis: RestApis, api_id: str) -> None:
        self.apis, self.api_id = apis, api_id

    def bad_request(self, environ: dict[str, Any], status: int, message: str) -> Answer:
        refusal = Refusal(
            status, self.TYPES.get(status, "BadRequestException"), {"message": self.MESSAGES.get(status, message)}
        )
        return self._answer(environ, refusal)

    def internal_error(self, environ: dict[str, Any]) -> Answer:
        return self._answer(environ, Refusal(500, "InternalServerErrorException", {"message": "Internal server error"}))

    def _answer(self, environ: dict[str, Any], refusal: Refusal) -> Answer:
        response = self.apis.refuse(self.api_id, _incoming(environ, b""), refusal)
        return _with_length(response.status, response.headers, response.body)


def _with_length(status: int, headers: list[tuple[str, str]], body: bytes) -> Answer:
    kept = [h for h in headers if h[0].lower() != "content-length"]
    return Answer(status, [*kept, ("Content-Length", str(len(body)))], body)


def _check_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug binds: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(f"port {port} on {host} is in use") from error


class Listener:
    """A threaded HTTP server on 127.0.0.1 for a WSGI application, behind ``http.guarded``."""

    def __init__(
        self,
        app: WsgiApp,
        refuse: http.Refuse = http.PLAIN,
        *,
        limit: int = http.DEFAULT_LIMIT,
        host: str = "127.0.0.1",
        port: int = 0,
        moto_handler: bool = False,
    ) -> None:
        self.requests = 0  # every request this listener answered: round trips, as the benchmarks count them
        self._count = threading.Lock()
        guarded = http.guarded(app, refuse, limit=limit)

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            with self._count:
                self.requests += 1
            return guarded(environ, start_response)

        if port:
            _check_free(host, port)  # werkzeug would print its own advice and exit the process instead
        handler = http.MotoHandler if moto_handler else http.Handler
        self.server = http.Server(host, port, counted, handler=handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and free the port; a listener never started only frees its port."""
        if self.thread.is_alive():
            self.server.shutdown()  # waits for serve_forever, which never returns if it never ran
        self.server.server_close()
