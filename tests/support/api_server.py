"""A real HTTP listener on 127.0.0.1 that checks SigV4 the way API Gateway does.

It answers ``GET /<stage>/`` with ``{"message": "hello!"}`` to a caller whose signature and session
token are right, and refuses everything else with API Gateway's 403s, so a client test can fail.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from groupgate.local.sigv4 import Refusal, Secret, missing_token, verify
from support.aws_server import MOTO_ACCESS_KEY, MOTO_SECRET_KEY, MOTO_SESSION_TOKEN
from support.background import Background, QuietHandler

ROLE_ARN = "arn:aws:sts::123456789012:assumed-role/groupgate-GroupRole-ABC/CognitoIdentityCredentials"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class SigV4Api(Background):
    def __init__(
        self,
        *,
        stage: str = "stage1",
        region: str = "us-east-1",
        secret_key: str = MOTO_SECRET_KEY,
        allow: bool = True,
        broken: str = "broken",
        known_key: str = MOTO_ACCESS_KEY,
        expired: bool = False,
    ) -> None:
        self.known_key, self.expired = known_key, expired
        self.stage, self.region, self.secret_key, self.allow = stage, region, secret_key, allow
        self.broken_path = f"/{stage}/{broken}"  # a route whose backend fails: 502, as a failing integration
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        api = self

        class Handler(QuietHandler):
            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path, _, query = self.path.partition("?")
                with api._lock:
                    api.seen.append(Seen(self.command, path, dict(self.headers.items()), body))
                status, error_type, answer = api.answer(self.command, path, query, dict(self.headers.items()), body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if error_type:
                    self.send_header("x-amzn-ErrorType", error_type)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._serve_http(Handler)

    @property
    def url(self) -> str:
        """The ApiUrl, as the stack's output writes it."""
        return f"{self.base_url}/{self.stage}/"

    def answer(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> tuple[int, str, Any]:
        def lookup(access_key: str) -> Secret | None:
            if access_key != self.known_key:
                return None
            expires = datetime.now(UTC) - timedelta(minutes=1) if self.expired else None
            return Secret(self.secret_key, ROLE_ARN, session_token=MOTO_SESSION_TOKEN, expires_at=expires)

        try:
            routes = (("GET", f"/{self.stage}/"), ("GET", self.broken_path), ("POST", f"/{self.stage}/echo"))
            if (method, path) not in routes:
                raise missing_token()
            caller = verify(
                method, path, query, headers, body, region=self.region, lookup=lookup, now=datetime.now(UTC)
            )
        except Refusal as refusal:
            return refusal.status, refusal.error_type, dict(refusal.body)
        if not self.allow:
            resource = f"arn:aws:execute-api:{self.region}:********9012:a1b2c3d4e5/{self.stage}/GET/"
            message = (
                f"User: {caller.principal_arn} is not authorized to perform: execute-api:Invoke on resource: {resource}"
            )
            return 403, "AccessDeniedException", {"Message": message}
        if path.endswith("/echo"):  # what arrived, for tests of bodies and headers
            return 200, "", {"body": json.loads(body or b"null"), "headers": {k.lower(): v for k, v in headers.items()}}
        if path == self.broken_path:
            return 502, "", {"message": "Internal server error"}
        return 200, "", {"message": "hello!"}
