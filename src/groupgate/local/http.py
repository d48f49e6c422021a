"""HTTP/1.1 for the local cloud's listeners, so that no request hangs a thread and no malformed one crashes it.

Every listener is a threaded werkzeug server wrapped in ``guarded``, which, before the application sees a
request:

* reads the whole body, by ``Content-Length`` or ``Transfer-Encoding: chunked`` (werkzeug dechunks), and
  hands it on as a plain ``Content-Length`` body, so every application reads bodies one way;
* refuses a ``Content-Length`` that is not a non-negative whole number (400) and a body over the listener's
  limit (413), through the listener's own ``Refuse``, so each answers in its service's form;
* answers an exception the application did not handle with the listener's internal-error answer, logged
  once with its traceback, instead of werkzeug's HTML page;
* sends no body in answer to HEAD, keeping the headers GET would get.

The handler gives each request ``REQUEST_SECONDS`` to arrive, head and body (an idle or slow connection is
closed when they run out), and a listener serves at most ``MAX_CONNECTIONS`` connections at once, answering
503 to the rest: a caller cannot hold every thread. werkzeug closes each connection after one answer.

Chosen here, as AWS does not document its own: 30 seconds a request, 128 connections a listener.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from groupgate.local.protocol import Answer

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
REQUEST_SECONDS = 30.0
MAX_CONNECTIONS = 128
REASONS = {
    200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout",
    413: "Request Entity Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}  # fmt: skip
log = logging.getLogger("groupgate.local")


class Refuse(Protocol):
    """A listener's answers to what never reached its application."""

    def bad_request(self, environ: dict[str, Any], status: int, message: str) -> Answer: ...
    def internal_error(self, environ: dict[str, Any]) -> Answer: ...


class PlainRefusals:
    """Plain-text answers, for a listener that speaks no AWS service (the web page's)."""

    def bad_request(self, environ: dict[str, Any], status: int, message: str) -> Answer:
        return _text(status, message)

    def internal_error(self, environ: dict[str, Any]) -> Answer:
        return _text(500, "internal error of the local cloud (its log has the details)")


def _text(status: int, message: str) -> Answer:
    body = (message + "\n").encode()
    return Answer(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))], body)


PLAIN = PlainRefusals()
DEFAULT_LIMIT = 1024 * 1024


class BodyError(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request's whole body (at most ``limit`` bytes), whichever way it was framed."""
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's DechunkedInput ends at the last chunk
        data: bytes = _read(stream, limit + 1)
    else:
        declared = str(environ.get("CONTENT_LENGTH") or "0").strip()
        if not declared.isascii() or not declared.isdigit():
            raise BodyError(400, f"Content-Length {declared!r} is not a number of bytes")
        if int(declared) > limit:
            raise BodyError(413, f"the body is larger than this endpoint's limit of {limit} bytes")
        data = _read(stream, int(declared))
        if len(data) < int(declared):
            raise BodyError(400, f"the body ended after {len(data)} of its {declared} bytes")
    if len(data) > limit:
        raise BodyError(413, f"the body is larger than this endpoint's limit of {limit} bytes")
    return data


def _read(stream: Any, size: int) -> bytes:
    parts, left = [], size
    while left > 0:
        part = stream.read(min(left, 1 << 16))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def send(start_response: Callable[..., Any], answer: Answer) -> list[bytes]:
    start_response(f"{answer.status} {REASONS.get(answer.status, 'Status')}", list(answer.headers))
    return [answer.body]


def guarded(app: WsgiApp, refuse: Refuse, *, limit: int) -> WsgiApp:
    """``app`` behind the rules of the module docstring."""

    def guarded_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            body = read_body(environ, limit)
        except BodyError as error:
            return _head_aware(environ, send(start_response, refuse.bad_request(environ, error.status, str(error))))
        except OSError:  # the connection timed out or went away mid-body: nobody is left to answer
            return send(start_response, Answer(408, [("Content-Length", "0"), ("Connection", "close")], b""))
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        started: list[Any] = []

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            started[:] = [status, headers]
            return lambda data: None  # the legacy write callable: nothing here uses it

        try:
            chunks = b"".join(app(environ, record))  # whole, so a failure midway still gets one clean answer
        except Exception as error:  # noqa: BLE001 - a bug must still get the service's answer, never HTML
            log.error("local cloud error: %s", "".join(traceback.format_exception(error)))
            return _head_aware(environ, send(start_response, refuse.internal_error(environ)))
        start_response(*started)
        return _head_aware(environ, [chunks])

    return guarded_app


def _head_aware(environ: dict[str, Any], chunks: list[bytes]) -> list[bytes]:
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else chunks


class _DeadlineSocket(io.RawIOBase):
    """A socket's reading end that gives up when the request's time is spent, however the bytes trickle in."""

    def __init__(self, connection: socket.socket, deadline: float) -> None:
        super().__init__()
        self.connection, self.deadline = connection, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took longer than the listener allows")
        self.connection.settimeout(left)
        try:
            return self.connection.recv_into(buffer)
        finally:
            self.connection.settimeout(REQUEST_SECONDS)  # writing the answer gets time of its own


class _Deadline(WSGIRequestHandler):
    """werkzeug's request handler, quiet, with a deadline on each request's arrival."""

    def setup(self) -> None:
        super().setup()
        raw = _DeadlineSocket(self.connection, time.monotonic() + REQUEST_SECONDS)
        self.rfile = io.BufferedReader(raw)

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return  # the API keeps its own access log; the endpoint's requests are not worth a line each


class Handler(_Deadline):
    """For a REST API's listener."""


class MotoHandler(_Deadline, MotoRequestHandler):
    """For the endpoint, where moto's S3 needs header names with underscores as they were sent."""


class Server(ThreadedWSGIServer):
    """werkzeug's threaded server, serving at most ``MAX_CONNECTIONS`` connections at once."""

    def __init__(self, host: str, port: int, app: WsgiApp, *, handler: type[WSGIRequestHandler] = Handler) -> None:
        super().__init__(host, port, app, handler=handler)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()
