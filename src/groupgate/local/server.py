"""The local cloud's listeners: one endpoint for every AWS API it serves, and one per REST API.

The AWS endpoint answers, in this order: CORS preflights (as Cognito answers them); custom resource
responses (the local ResponseURLs); each user pool's JWKS; the user pool operations of ``userpools``;
every identity pool operation; STS GetCallerIdentity for credentials the local cloud issued; and
hands everything else to moto's own server application.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from groupgate.local.apigateway import Incoming, RestApis
from groupgate.local.credentials import CredentialStore
from groupgate.local.identitypools import IdentityPools
from groupgate.local.moto_fixes import public_jwks
from groupgate.local.protocol import Answer, AwsError, error_answer, json_answer
from groupgate.local.sigv4 import Refusal, verify
from groupgate.local.userpools import UserPools

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
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
    length = int(environ.get("CONTENT_LENGTH") or 0)
    data: bytes = environ["wsgi.input"].read(length) if length else b""
    return data


def _send(
    start_response: Callable[..., Any], answer: Answer, extra: list[tuple[str, str]] | None = None
) -> list[bytes]:
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error"}
    start_response(f"{answer.status} {reason.get(answer.status, 'Status')}", [*answer.headers, *(extra or [])])
    return [answer.body]


class CustomResponseBox:
    """The ResponseURLs of custom resources: each a path on the AWS endpoint, and what was PUT there."""

    def __init__(self) -> None:
        self.base_url = ""
        self._bodies: dict[str, bytes] = {}
        self._arrived = threading.Condition()

    def url(self, token: str) -> str:
        # The query stands where S3's presigning signature stands in CloudFormation's URLs.
        return f"{self.base_url}/__cloudformation-response/{token}?X-Amz-Signature=local"

    def put(self, token: str, body: bytes) -> None:
        with self._arrived:
            self._bodies[token] = body
            self._arrived.notify_all()

    def wait(self, token: str, timeout: float) -> bytes | None:
        with self._arrived:
            self._arrived.wait_for(lambda: token in self._bodies, timeout=timeout)
            return self._bodies.get(token)


class AwsEndpoint:
    """The WSGI application behind the local cloud's ``Endpoint``."""

    def __init__(
        self,
        *,
        region: str,
        account_id: str,
        user_pools: UserPools,
        identity_pools: IdentityPools,
        credentials: CredentialStore,
        responses: CustomResponseBox,
        origins: set[str] | None = None,
    ) -> None:
        self.region, self.account_id = region, account_id
        self.origins = origins or set()  # browser origins allowed to call (see LocalCloud._browser_origins)
        self.user_pools, self.identity_pools = user_pools, identity_pools
        self.credentials, self.responses = credentials, responses
        self.moto: WsgiApp = DomainDispatcherApplication(create_backend_app)

    def __call__(  # noqa: PLR0911 - one answer a route, in the order the docstring gives
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path, _ = raw_path_of(environ)
        cors = self._cors(environ)
        if method == "OPTIONS":
            extra = [*cors, *PREFLIGHT_HEADERS] if cors else []
            return _send(start_response, Answer(200, [("Content-Length", "0")], b""), extra)
        if method == "PUT" and path.startswith("/__cloudformation-response/"):
            self.responses.put(path.rsplit("/", 1)[-1], _body(environ))
            return _send(start_response, Answer(200, [("Content-Length", "0")], b""))
        if method == "GET" and path.endswith("/.well-known/jwks.json"):
            pool = self.user_pools.backend.user_pools.get(path.strip("/").split("/")[0])
            if pool is not None:
                return _send(start_response, json_answer(public_jwks(pool)), [("Access-Control-Allow-Origin", "*")])
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        service, _, operation = target.partition(".")
        if service == "AWSCognitoIdentityProviderService" and operation in self.user_pools.operations:
            return self._json(start_response, environ, self.user_pools.operations[operation], cors)
        if service == "AWSCognitoIdentityService":
            handler = self.identity_pools.operations.get(operation)
            if handler is None:
                answer = error_answer(
                    AwsError("UnknownOperationException", f"{operation} is not served by the local identity pool")
                )
                return _send(start_response, answer, cors)
            return self._json(start_response, environ, handler, cors)
        if method == "POST" and not target:
            sts = self._sts(environ)
            if sts is not None:
                return _send(start_response, sts, cors)
        return self._moto(environ, start_response, cors)

    def _cors(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        """CORS headers for a browser origin the local cloud allows; none for any other page."""
        origin = str(environ.get("HTTP_ORIGIN", ""))
        if origin and ("*" in self.origins or origin in self.origins):
            return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin"), EXPOSED]
        return []

    def _json(
        self,
        start_response: Callable[..., Any],
        environ: dict[str, Any],
        handler: Callable[[dict[str, Any]], dict[str, Any]],
        cors: list[tuple[str, str]],
    ) -> list[bytes]:
        try:
            request = json.loads(_body(environ) or b"{}")
            answer = json_answer(handler(request))
        except AwsError as error:
            answer = error_answer(error)
        except json.JSONDecodeError:
            answer = error_answer(AwsError("SerializationException", "the request body is not JSON"))
        except Exception as error:  # noqa: BLE001 - a bug here must still answer, as AWS would, with a 500
            log.error("local cloud error: %s", "".join(traceback.format_exception(error)))
            answer = error_answer(
                AwsError("InternalErrorException", f"local cloud error: {type(error).__name__}: {error}", 500)
            )
        return _send(start_response, answer, cors)

    def _sts(self, environ: dict[str, Any]) -> Answer | None:
        """GetCallerIdentity for credentials this cloud issued (moto's STS does not know them)."""
        body = _body(environ)
        environ["wsgi.input"] = _Replay(body)
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
            return _xml(
                403,
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(next(iter(refusal.body.values())))}</Message></Error></ErrorResponse>",
            )
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


class _Replay:
    def __init__(self, body: bytes) -> None:
        import io  # noqa: PLC0415

        self._stream = io.BytesIO(body)

    def read(self, *args: Any) -> bytes:
        return self._stream.read(*args)

    def readline(self, *args: Any) -> bytes:
        return self._stream.readline(*args)


def _xml(status: int, text: str) -> Answer:
    body = text.encode()
    return Answer(status, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))], body)


class ApiApplication:
    """The WSGI application of one REST API's listener: paths are /<stage>/..., as AWS sees them."""

    def __init__(self, apis: RestApis, api_id: str) -> None:
        self.apis, self.api_id = apis, api_id

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, query = raw_path_of(environ)
        incoming = Incoming(
            method=environ.get("REQUEST_METHOD", "GET"),
            raw_path=path,
            query=query,
            headers=headers_of(environ),
            body=_body(environ),
            source_ip=str(environ.get("REMOTE_ADDR", "127.0.0.1")),
        )
        response = self.apis.handle(self.api_id, incoming)
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(f"{response.status} {'OK' if response.status < 400 else 'Error'}", headers)
        return [response.body]


class _QuietMotoHandler(MotoRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return  # the API keeps its own access log; the endpoint's requests are not worth a line each


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return


def _check_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug binds: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(f"port {port} on {host} is in use") from error


class Listener:
    """A threaded HTTP server on 127.0.0.1 for a WSGI application."""

    def __init__(self, app: WsgiApp, *, host: str = "127.0.0.1", port: int = 0, moto_handler: bool = False) -> None:
        handler = _QuietMotoHandler if moto_handler else _QuietHandler
        self.requests = 0  # every request this listener answered: round trips, as the benchmarks count them
        self._count = threading.Lock()

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            with self._count:
                self.requests += 1
            return app(environ, start_response)

        if port:
            _check_free(host, port)  # werkzeug would print its own advice and exit the process instead
        self.server: BaseWSGIServer = make_server(host, port, counted, threaded=True, request_handler=handler)
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
