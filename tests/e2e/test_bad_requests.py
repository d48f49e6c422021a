"""Every kind of bad request to the local API gets API Gateway's status, body and x-amzn-ErrorType.

Requests are signed with the real credentials a group member gets from the local identity pool, with
botocore's signer, then spoiled one way each, and sent over HTTP to the API's listener.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from support.local_cloud import deployed

from groupgate.cache import SessionCache
from groupgate.local.users import add_user
from groupgate.session import Session

PASSWORD = "Correct-Horse-9-battery"
MISMATCH = "The request signature we calculated does not match the signature you provided."
INVALID_TOKEN = "The security token included in the request is invalid."


@dataclass
class Api:
    url: str
    credentials: Credentials
    region: str


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    state = tmp_path_factory.mktemp("bad-requests")
    with deployed(state) as (_, outputs):
        add_user(outputs, "member", PASSWORD)
        session = Session.from_outputs(state / "outputs.json", cache=SessionCache(state / "cache"))
        session.login("member", PASSWORD)
        issued = session.credentials()
        credentials = Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
        yield Api(outputs["ApiUrl"], credentials, outputs["Region"])


@dataclass
class Call:
    method: str = "GET"
    path: str = ""  # under the API's URL
    query: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def signed(
    api: Api,
    *,
    method: str = "GET",
    path: str = "",
    query: str = "",
    body: bytes = b"",
    at: datetime | None = None,
    service: str = "execute-api",
    region: str | None = None,
    credentials: Credentials | None = None,
    extra: dict[str, str] | None = None,
) -> Call:
    url = api.url + path + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers=extra or {})
    signer = SigV4Auth(credentials or api.credentials, service, region or api.region)
    request.context["timestamp"] = (at or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    signer._modify_request_before_signing(request)  # type: ignore[attr-defined]
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    key = (credentials or api.credentials).access_key
    request.headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key}/{signer.credential_scope(request)}, "
        f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(request))}, Signature={signature}"
    )
    headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
    return Call(method, path, query, body, headers)


def send(api: Api, call: Call) -> requests.Response:
    url = api.url + call.path + (f"?{call.query}" if call.query else "")
    return requests.request(call.method, url, data=call.body or None, headers=call.headers, timeout=10)


def without(call: Call, name: str) -> Call:
    return Call(
        call.method, call.path, call.query, call.body, {k: v for k, v in call.headers.items() if k.lower() != name}
    )


def changed(call: Call, **what: object) -> Call:
    return Call(**{**call.__dict__, **what})


def other_secret(api: Api) -> Credentials:
    return Credentials(api.credentials.access_key, "not-the-secret", api.credentials.token)


Case = tuple[Callable[[Api], Call], int, str, str]
CASES: dict[str, Case] = {
    "a good signed call": (signed, 200, "", "hello!"),
    "unsigned": (lambda a: Call(), 403, "MissingAuthenticationTokenException", "Missing Authentication Token"),
    "a Bearer token": (lambda a: Call(headers={"Authorization": "Bearer x"}), 403, "IncompleteSignatureException",
                       "Authorization header requires 'Credential' parameter."),
    "scoped to another service": (lambda a: signed(a, service="s3"), 403, "InvalidSignatureException",
                                  "Credential should be scoped to correct service: 'execute-api'."),
    "scoped to another region": (lambda a: signed(a, region="eu-west-1"), 403, "InvalidSignatureException",
                                 "Credential should be scoped to a valid region, not 'eu-west-1'."),
    "method changed (to one the API lacks)": (lambda a: changed(signed(a), method="DELETE"), 403,
                                              "MissingAuthenticationTokenException", "Missing Authentication Token"),
    "path changed (to one the API lacks)": (lambda a: changed(signed(a), path="admin"), 403,
                                            "MissingAuthenticationTokenException", "Missing Authentication Token"),
    "query changed": (lambda a: changed(signed(a, query="role=reader"), query="role=admin"), 403,
                      "InvalidSignatureException", MISMATCH),
    "signed header changed": (lambda a: _with(signed(a, extra={"X-Trace": "a"}), "X-Trace", "b"), 403,
                              "InvalidSignatureException", MISMATCH),
    "body changed": (lambda a: changed(signed(a, body=b'{"a": 1}'), body=b'{"a": 2}'), 403,
                     "InvalidSignatureException", MISMATCH),
    "a body hash that lies": (lambda a: signed(a, body=b"{}", extra={"X-Amz-Content-Sha256": "0" * 64}), 403,
                              "InvalidSignatureException", MISMATCH),
    "another secret": (lambda a: signed(a, credentials=other_secret(a)), 403, "InvalidSignatureException", MISMATCH),
    "an unknown key": (lambda a: signed(a, credentials=Credentials("ASIAUNKNOWN0000000", "x", "y")), 403,
                       "UnrecognizedClientException", INVALID_TOKEN),
    "no session token": (lambda a: without(signed(a), "x-amz-security-token"), 403, "UnrecognizedClientException",
                         INVALID_TOKEN),
    "a forged session token": (lambda a: _with(signed(a), "X-Amz-Security-Token", "forged"), 403,
                               "UnrecognizedClientException", INVALID_TOKEN),
    "signed ten minutes ago": (lambda a: signed(a, at=datetime.now(UTC) - timedelta(minutes=10)), 403,
                               "InvalidSignatureException", "Signature expired: "),
    "signed ten minutes ahead": (lambda a: signed(a, at=datetime.now(UTC) + timedelta(minutes=10)), 403,
                                 "InvalidSignatureException", "Signature not yet current: "),
    "an unknown path, signed": (lambda a: signed(a, path="nothing/here"), 403, "MissingAuthenticationTokenException",
                                "Missing Authentication Token"),
}  # fmt: skip


def _with(call: Call, name: str, value: str) -> Call:
    headers = {k: v for k, v in call.headers.items() if k.lower() != name.lower()}
    return changed(call, headers={**headers, name: value})


@pytest.mark.parametrize("case", list(CASES))
def test_each_request_gets_api_gateways_answer(api: Api, case: str) -> None:
    make, status, error_type, message = CASES[case]

    answer = send(api, make(api))

    assert answer.status_code == status, answer.text
    body = answer.json()
    assert (body.get("message") or body.get("Message", "")).startswith(message) or message in answer.text
    assert answer.headers.get("x-amzn-ErrorType", "").split(":")[0] == error_type
    assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"  # a browser can read it
    assert answer.headers["x-amzn-RequestId"]


def test_the_preflight_needs_no_signature_and_allows_the_signed_headers(api: Api) -> None:
    answer = requests.options(
        api.url, headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"}, timeout=10
    )

    assert answer.status_code == 200
    allowed = {h.lower() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "content-type"} <= allowed
    assert urlsplit(api.url).hostname == "127.0.0.1"
