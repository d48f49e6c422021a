"""A moto server on 127.0.0.1 that counts the AWS calls it answers.

moto stands in for cognito-idp, cognito-identity, STS and CloudFormation. One difference from AWS is
corrected here, in one place: moto's identity pool issues credentials that last 90 seconds, AWS's
last an hour (cognito-identity API reference, GetCredentialsForIdentity), and the client's refresh
logic is tested against AWS's lifetime.
"""

from __future__ import annotations

import datetime
import io
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from moto.cognitoidentity.models import CognitoIdentityBackend
from moto.core.utils import utcnow
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from support.background import Background

CREDENTIALS_SECONDS = 3600
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _credentials_for_an_hour(self: CognitoIdentityBackend, identity_id: str) -> str:
    expiration = utcnow() + datetime.timedelta(seconds=CREDENTIALS_SECONDS)
    return json.dumps(
        {
            "Credentials": {
                "AccessKeyId": "TESTACCESSKEY12345",
                "Expiration": expiration.timestamp(),
                "SecretKey": "ABCSECRETKEY",
                "SessionToken": "ABC12345",
            },
            "IdentityId": identity_id,
        }
    )


CognitoIdentityBackend.get_credentials_for_identity = _credentials_for_an_hour  # type: ignore[method-assign]

# What moto's identity pool hands out (see above): the API listener in tests knows this key.
MOTO_ACCESS_KEY = "TESTACCESSKEY12345"
MOTO_SECRET_KEY = "ABCSECRETKEY"
MOTO_SESSION_TOKEN = "ABC12345"


class _Counting:
    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            target = parse_qs(body.decode(errors="replace")).get("Action", [environ.get("PATH_INFO", "")])[0]
        with self.lock:
            self.calls.append(target.rsplit(".", 1)[-1])
        return self.app(environ, start_response)


class CountingMotoServer(Background):
    """``with CountingMotoServer() as aws: aws.url ... aws.calls``"""

    def __init__(self) -> None:
        self._counter = _Counting(DomainDispatcherApplication(create_backend_app))
        self._serve(make_server("127.0.0.1", 0, self._counter, threaded=True, request_handler=MotoRequestHandler))

    @property
    def url(self) -> str:
        return self.base_url

    @property
    def calls(self) -> list[str]:
        """The operations answered so far, in order (``InitiateAuth``, ``GetId`` ...)."""
        with self._counter.lock:
            return list(self._counter.calls)

    def reset_calls(self) -> None:
        with self._counter.lock:
            self._counter.calls.clear()


class ScriptedAws(Background):
    """A listener that answers JSON-protocol AWS calls (``X-Amz-Target``) as scripted, for the refusals
    moto cannot produce: ``ScriptedAws({"GetCredentialsForIdentity": (400, {"__type": ..., "message": ...})})``.
    """

    def __init__(self, answers: dict[str, tuple[int, dict[str, Any]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            operation = environ.get("HTTP_X_AMZ_TARGET", "").rsplit(".", 1)[-1]
            self.calls.append(operation)
            status, body = self.answers.get(operation, (400, {"__type": "UnknownOperationException"}))
            payload = json.dumps(body).encode()
            start_response(
                f"{status} {'OK' if status == 200 else 'Bad Request'}",
                [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload)))],
            )
            return [payload]

        self._serve(make_server("127.0.0.1", 0, app, threaded=True))

    @property
    def url(self) -> str:
        return self.base_url
