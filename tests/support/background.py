"""A server that serves in a thread for the length of a ``with`` block, on 127.0.0.1."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps its access log out of the test output."""

    def log_message(self, format: str, *args: object) -> None:
        return


class Background:
    """Base of the test listeners: subclasses make ``self._server`` (a socketserver-style server)."""

    _server: Any

    def _serve(self, server: Any) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _serve_http(self, handler: type[BaseHTTPRequestHandler]) -> None:
        """Serve ``handler`` on a free port of 127.0.0.1, a thread per request."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._serve(server)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _stopping(self) -> None:
        """Anything a subclass must release before the server stops."""

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping()
        self._server.shutdown()
        self._server.server_close()
