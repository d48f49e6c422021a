"""Rule: both listeners speak HTTP/1.1 properly, so no request hangs a thread and no malformed one crashes it;
nothing a caller sends grows memory without bound (groupgate.local.http, server.CustomResponseBox). The
answers: API Gateway's gateway responses (REQUEST_TOO_LARGE is 413 "Request Too Long"), SigV4's bounds on
X-Amz-Expires in S3's words (API Gateway documents none), and, where AWS's front end gives no documented
answer to a malformed frame (a Content-Length that is not a number), a 400 that says what was wrong: chosen."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from moto.iam.models import IAMBackend
from support.hostile import Hostile

from groupgate.local import http
from groupgate.local.server import Listener

ORIGIN = "http://localhost:5173"  # the template's default AllowedOrigin


def credentials(hostile: Hostile) -> Credentials:
    tokens = hostile.tokens(hostile.member("caller"))
    identity = hostile.identity_id(tokens["IdToken"])
    issued = hostile.identity.get_credentials_for_identity(
        IdentityId=identity, Logins={hostile.provider: tokens["IdToken"]}
    )["Credentials"]
    return Credentials(issued["AccessKeyId"], issued["SecretKey"], issued["SessionToken"])


def raw(url: str, head: bytes, body: bytes = b"", timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """One request written byte for byte, as no HTTP library would write it; the answer, parsed."""
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=timeout) as connection:
        connection.sendall(head + b"\r\n" + body)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    top, _, payload = received.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, payload


def signed_headers(hostile: Hostile, creds: Credentials, body: bytes = b"") -> dict[str, str]:
    request = AWSRequest(method="GET", url=hostile.outputs["ApiUrl"], data=body)
    SigV4Auth(creds, "execute-api", hostile.outputs["Region"]).add_auth(request)
    return dict(request.headers.items())


# ---------------------------------------------------------------- the endpoint
@pytest.mark.parametrize("length", [b"abc", b"-5", b"1e3"])
def test_a_content_length_that_is_not_a_number_of_bytes_gets_a_400_that_says_so(
    hostile: Hostile, length: bytes
) -> None:
    head = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\n"
            b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: " + length + b"\r\n")  # fmt: skip

    status, headers, body = raw(hostile.outputs["Endpoint"], head, b"{}")

    assert status == 400
    assert headers["x-amzn-errortype"] == "SerializationException"
    assert b"is not a number of bytes" in body


def test_a_chunked_request_body_reaches_the_service_whole(hostile: Hostile) -> None:
    name = hostile.name("chunked")
    body = (f'{{"ClientId": "{hostile.client}", "Username": "{name}", "Password": "Correct-Horse-9-battery", '
            f'"UserAttributes": [{{"Name": "email", "Value": "{name}@example.com"}}]}}').encode()  # fmt: skip

    headers = {"X-Amz-Target": "AWSCognitoIdentityProviderService.SignUp", "Content-Type": "application/x-amz-json-1.1"}

    answer = requests.post(hostile.outputs["Endpoint"], data=iter([body[:40], body[40:]]), headers=headers, timeout=30)

    assert answer.status_code == 200, answer.text
    assert hostile.status(name) == "UNCONFIRMED"


def test_a_query_protocol_failure_answers_xml_not_an_html_page(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(IAMBackend, "list_roles", broken)
    iam = boto3.client(
        "iam", endpoint_url=hostile.outputs["Endpoint"], region_name="us-east-1", aws_access_key_id="local",
        aws_secret_access_key="local", config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )  # fmt: skip

    with pytest.raises(iam.exceptions.ClientError) as raised:
        iam.list_roles()

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert raised.value.response["Error"]["Code"] == "InternalFailure"


def test_a_response_url_takes_no_put_it_did_not_hand_out(hostile: Hostile) -> None:
    for token in ("made-up", "another"):
        answer = requests.put(
            f"{hostile.outputs['Endpoint']}/__cloudformation-response/{token}", data=b"x" * 100_000, timeout=10
        )
        assert answer.status_code == 403
    assert hostile.cloud.responses._bodies == {}
    assert hostile.cloud.responses._pending == set()  # the deploy's own URLs were forgotten once answered


# ---------------------------------------------------------------- the API
def test_a_correctly_signed_chunked_api_request_passes(hostile: Hostile) -> None:
    creds = credentials(hostile)
    body = b'{"hello": "world"}'
    headers = signed_headers(hostile, creds, body)

    answer = requests.get(hostile.outputs["ApiUrl"], data=iter([body[:5], body[5:]]), headers=headers, timeout=30)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"message": "hello!"}


def test_a_bad_content_length_at_the_api_gets_a_400_a_browser_can_read(hostile: Hostile) -> None:
    path = urlsplit(hostile.outputs["ApiUrl"]).path.encode()
    head = b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nOrigin: " + ORIGIN.encode() + b"\r\nContent-Length: abc\r\n"

    status, headers, body = raw(hostile.outputs["ApiUrl"], head)

    assert status == 400
    assert headers["access-control-allow-origin"] == ORIGIN
    assert b"is not a number of bytes" in body


def test_a_body_over_api_gateways_limit_gets_413_request_too_long(hostile: Hostile) -> None:
    answer = requests.get(hostile.outputs["ApiUrl"], data=b"x" * (10 * 1024 * 1024 + 1), timeout=60)

    assert answer.status_code == 413
    assert answer.json() == {"message": "Request Too Long"}


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        ("99999999999999999999999", "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
        ("-1", "X-Amz-Expires must be non-negative"),
        ("soon", "X-Amz-Expires should be a number"),
    ],
)
def test_a_presigned_url_with_an_impossible_lifetime_is_refused(hostile: Hostile, expires: str, message: str) -> None:
    request = AWSRequest(method="GET", url=hostile.outputs["ApiUrl"])
    SigV4QueryAuth(credentials(hostile), "execute-api", hostile.outputs["Region"], expires=300).add_auth(request)
    url = str(request.url).replace("X-Amz-Expires=300", f"X-Amz-Expires={expires}")

    answer = requests.get(url, timeout=10)

    assert (answer.status_code, answer.headers["x-amzn-ErrorType"]) == (403, "IncompleteSignatureException")
    assert answer.json() == {"message": message}


@pytest.mark.parametrize(
    ("header", "error_type"),
    [("X-Amz-Security-Token", "UnrecognizedClientException"), ("Authorization", "InvalidSignatureException")],
)
def test_a_byte_outside_ascii_in_a_signature_header_is_refused_not_crashed_on(
    hostile: Hostile, header: str, error_type: str
) -> None:
    headers = signed_headers(hostile, credentials(hostile))
    headers[header] = headers[header][:-2] + "\xff\xfe"
    path = urlsplit(hostile.outputs["ApiUrl"]).path
    head = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    status, answered, _ = raw(hostile.outputs["ApiUrl"], head.encode("latin-1"))

    assert (status, answered["x-amzn-errortype"]) == (403, error_type)


def test_head_gets_the_headers_and_no_body(hostile: Hostile) -> None:
    path = urlsplit(hostile.outputs["ApiUrl"]).path.encode()

    status, headers, body = raw(hostile.outputs["ApiUrl"], b"HEAD " + path + b" HTTP/1.1\r\nHost: x\r\n")

    assert status == 403  # the API has no HEAD method: Missing Authentication Token, as API Gateway answers
    assert int(headers["content-length"]) > 0
    assert body == b""


def test_a_failure_of_the_api_itself_gets_api_gateways_500_with_cors(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(hostile.cloud.apis, "_route", broken)
    answer = requests.get(hostile.outputs["ApiUrl"], headers={"Origin": ORIGIN}, timeout=10)

    assert answer.status_code == 500
    assert answer.json() == {"message": "Internal server error"}
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN


# ---------------------------------------------------------------- slow and many connections
def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Length", "5")])
    return [b"hello"]


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> Iterator[Listener]:
    """A listener that gives each request a second and takes two connections at once."""
    monkeypatch.setattr(http, "REQUEST_SECONDS", 1.0)
    monkeypatch.setattr(http, "MAX_CONNECTIONS", 2)
    listener = Listener(hello)
    listener.start()
    yield listener
    listener.stop()


def connect(listener: Listener) -> socket.socket:
    return socket.create_connection((listener.server.host, listener.server.port), timeout=10)


def test_an_idle_connection_is_closed_when_its_time_runs_out(quick: Listener) -> None:
    with connect(quick) as idle:
        started = time.monotonic()
        closed = idle.recv(1)
        waited = time.monotonic() - started

    assert closed == b""
    assert waited < 5


def test_a_request_that_trickles_in_is_cut_off_however_steady_the_trickle(quick: Listener) -> None:
    with connect(quick) as slow:
        started = time.monotonic()
        try:
            for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 100:
                slow.sendall(bytes([byte]))
                time.sleep(0.05)
        except OSError:
            pass  # the listener hung up
        waited = time.monotonic() - started
        answer = slow.recv(100)

    assert not answer.startswith(b"HTTP/1.1 200")
    assert waited < 5


def test_connections_beyond_the_limit_get_503_and_the_rest_are_served(quick: Listener) -> None:
    with connect(quick), connect(quick):
        time.sleep(0.2)  # both are taken
        with connect(quick) as third:
            third.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            refused = third.recv(100)
    time.sleep(1.5)  # the idle two time out and free their places

    answer = requests.get(quick.url, timeout=10)

    assert refused.startswith(b"HTTP/1.1 503")
    assert answer.text == "hello"
