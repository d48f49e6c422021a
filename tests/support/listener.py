"""A real HTTP listener on 127.0.0.1 that plays CloudFormation's presigned ResponseURL.

It records every request it gets and answers each with the next scripted behaviour: ``ok``
(200, as S3 does), ``error`` (500), ``forbidden`` (403, as an expired presigned URL gets), or
``stall`` (reads the request, then holds the connection without answering), or ``garbage`` (an
answer that is not HTTP).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

from support.background import Background, QuietHandler

Behaviour = Literal["ok", "error", "forbidden", "stall", "garbage"]


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class ResponseListener(Background):
    def __init__(self, *behaviours: Behaviour, stall_seconds: float = 10.0) -> None:
        self._script: deque[Behaviour] = deque(behaviours)
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.stall_seconds = stall_seconds
        self.received: list[Received] = []
        listener = self

        class Handler(QuietHandler):
            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with listener._lock:
                    listener.received.append(
                        Received("PUT", self.path, dict(self.headers.items()), body, time.monotonic())
                    )
                    behaviour = listener._script.popleft() if listener._script else "ok"
                if behaviour == "stall":
                    listener._release.wait(listener.stall_seconds)
                    self.close_connection = True
                    return
                if behaviour == "garbage":
                    self.wfile.write(b"garbage\r\n\r\n")
                    self.close_connection = True
                    return
                status = {"ok": 200, "error": 500, "forbidden": 403}[behaviour]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._serve_http(Handler)

    @property
    def url(self) -> str:
        # A query like a presigned URL's, which must never reach a log line.
        return f"{self.base_url}/cfn-response?X-Amz-Signature=secret-signature"

    def _stopping(self) -> None:
        self._release.set()


class SilentServer:
    """A TCP listener on 127.0.0.1 that accepts connections, reads, and never answers.

    It plays an AWS endpoint that has stalled; ``connections`` counts the attempts a client made.
    """

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self.connections = 0

    @property
    def url(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            self._held.append(connection)

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self._held:
            connection.close()
        self._socket.close()
