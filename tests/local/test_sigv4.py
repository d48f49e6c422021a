"""The local SigV4 check against API Gateway's own answers for each kind of bad request.

Requests are signed with botocore's signer (as the AWS SDKs sign), then altered one way each.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from groupgate.local.sigv4 import Caller, Refusal, Secret, verify

NOW = datetime(2026, 11, 26, 7, 0, 0, tzinfo=UTC)
HOST = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
KEY, SECRET, TOKEN = "ASIAEXAMPLEKEY", "secret/key+example", "session-token-example"
ROLE = "arn:aws:sts::123456789012:assumed-role/GroupRole/CognitoIdentityCredentials"
MISMATCH = "The request signature we calculated does not match the signature you provided."


@dataclass
class Signed:
    method: str = "GET"
    path: str = "/stage1/"
    query: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def sign(
    *,
    method: str = "GET",
    path: str = "/stage1/",
    query: str = "",
    body: bytes = b"",
    at: datetime = NOW,
    service: str = "execute-api",
    region: str = "us-east-1",
    key: str = KEY,
    secret: str = SECRET,
    token: str | None = TOKEN,
    extra: dict[str, str] | None = None,
) -> Signed:
    request = AWSRequest(method=method, url=f"https://{HOST}{path}" + (f"?{query}" if query else ""), data=body)
    request.headers["Host"] = HOST
    for name, value in (extra or {}).items():
        request.headers[name] = value
    signer = SigV4Auth(Credentials(key, secret, token), service, region)
    request.context["timestamp"] = at.strftime("%Y%m%dT%H%M%SZ")
    # botocore sets X-Amz-Date and the token header here, as it does before it signs a real request.
    signer._modify_request_before_signing(request)  # type: ignore[attr-defined]
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    request.headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key}/{signer.credential_scope(request)}, "
        f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(request))}, Signature={signature}"
    )
    return Signed(method, path, query, body, dict(request.headers.items()))


def lookup(access_key: str) -> Secret | None:
    if access_key == KEY:
        return Secret(SECRET, ROLE, session_token=TOKEN, expires_at=NOW + timedelta(hours=1))
    return None


def check(request: Signed, now: datetime = NOW, keys: Callable[[str], Secret | None] = lookup) -> Caller:
    return verify(
        request.method, request.path, request.query, request.headers, request.body,
        region="us-east-1", lookup=keys, now=now,
    )  # fmt: skip


def altered(request: Signed, **changes: Any) -> Signed:
    return Signed(**{**request.__dict__, **changes})


def test_a_well_signed_request_names_its_caller() -> None:
    assert check(sign()) == Caller(KEY, ROLE)


def test_a_signed_post_with_a_query_and_a_body_passes() -> None:
    request = sign(method="POST", query="b=2&a=1", body=b'{"x": 1}', extra={"Content-Type": "application/json"})
    assert check(request).principal_arn == ROLE


def without(request: Signed, name: str) -> Signed:
    return altered(request, headers={k: v for k, v in request.headers.items() if k.lower() != name.lower()})


def with_header(request: Signed, name: str, value: str) -> Signed:
    return altered(request, headers={**without(request, name).headers, name: value})


CASES: dict[str, tuple[Callable[[], Signed], datetime, str, str]] = {
    "unsigned": (lambda: without(sign(), "Authorization"), NOW, "MissingAuthenticationTokenException",
                 "Missing Authentication Token"),
    "bearer token": (
        lambda: Signed(headers={"Host": HOST, "Authorization": "Bearer x"}), NOW, "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either "
        "a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer x",
    ),
    "another service": (lambda: sign(service="s3"), NOW, "InvalidSignatureException",
                        "Credential should be scoped to correct service: 'execute-api'. "),
    "another region": (lambda: sign(region="eu-west-1"), NOW, "InvalidSignatureException",
                       "Credential should be scoped to a valid region, not 'eu-west-1'. "),
    "method changed": (lambda: altered(sign(), method="DELETE"), NOW, "InvalidSignatureException", MISMATCH),
    "path changed": (lambda: altered(sign(), path="/stage1/admin"), NOW, "InvalidSignatureException", MISMATCH),
    "query changed": (lambda: altered(sign(query="a=1"), query="a=2"), NOW, "InvalidSignatureException", MISMATCH),
    "signed header changed": (lambda: with_header(sign(), "Host", "evil.example.com"), NOW,
                              "InvalidSignatureException", MISMATCH),
    "body changed": (lambda: altered(sign(method="POST", body=b"{}"), body=b"[]"), NOW,
                     "InvalidSignatureException", MISMATCH),
    "body hash that lies": (
        lambda: altered(sign(method="POST", body=b"{}", extra={"X-Amz-Content-Sha256": "0" * 64})),
        NOW, "InvalidSignatureException", MISMATCH,
    ),
    "wrong secret": (lambda: sign(secret="not-the-secret"), NOW, "InvalidSignatureException", MISMATCH),
    "unknown key": (lambda: sign(key="ASIAUNKNOWN"), NOW, "UnrecognizedClientException",
                    "The security token included in the request is invalid."),
    "no session token": (lambda: sign(token=None), NOW, "UnrecognizedClientException",
                         "The security token included in the request is invalid."),
    "forged session token": (lambda: sign(token="forged"), NOW, "UnrecognizedClientException",
                             "The security token included in the request is invalid."),
    "six minutes old": (lambda: sign(at=NOW - timedelta(minutes=6)), NOW, "InvalidSignatureException",
                        "Signature expired: 20261126T065400Z is now earlier than 20261126T065500Z "
                        "(20261126T070000Z - 5 min.)"),
    "six minutes ahead": (lambda: sign(at=NOW + timedelta(minutes=6)), NOW, "InvalidSignatureException",
                          "Signature not yet current: 20261126T070600Z is still later than 20261126T070500Z "
                          "(20261126T070000Z + 5 min.)"),
    "expired credentials": (lambda: sign(at=NOW + timedelta(hours=2)), NOW + timedelta(hours=2),
                            "ExpiredTokenException", "The security token included in the request is expired"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_each_bad_request_gets_api_gateways_answer(case: str) -> None:
    make, now, error_type, message = CASES[case]

    with pytest.raises(Refusal) as refused:
        check(make(), now)

    assert refused.value.status == 403
    assert refused.value.error_type == error_type
    assert refused.value.body["message"].startswith(message)
    if message == MISMATCH:
        assert "The Canonical String for this request should have been" in refused.value.body["message"]


def test_four_minutes_of_clock_skew_are_accepted() -> None:
    assert check(sign(at=NOW - timedelta(minutes=4))).access_key_id == KEY
    assert check(sign(at=NOW + timedelta(minutes=4))).access_key_id == KEY


def test_unsigned_payload_is_refused_as_api_gateway_computes_the_body_hash() -> None:
    request = sign(method="POST", body=b"{}", extra={"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"})

    with pytest.raises(Refusal, match="does not match"):
        check(request)


def test_a_query_is_canonicalised_as_sigv4_says_whatever_its_encoding_on_the_wire() -> None:
    # botocore signs p=%2Fx; the wire may carry p=/x (requests leaves "/" alone in a query)
    request = sign(query="p=%2Fx&b=two%20words")

    assert check(altered(request, query="b=two%20words&p=/x")).access_key_id == KEY


def test_a_signature_that_leaves_out_host_is_refused() -> None:
    request = sign()
    authorization = request.headers["Authorization"].replace("SignedHeaders=host;", "SignedHeaders=")
    request = with_header(request, "Authorization", authorization)

    with pytest.raises(Refusal) as refused:
        check(request)

    assert refused.value.body == {"message": "'Host' must be a 'SignedHeader' in the AWS Authorization."}


def test_a_malformed_amz_date_is_refused_even_with_a_date_header() -> None:
    request = with_header(with_header(sign(), "X-Amz-Date", "yesterday"), "Date", "Thu, 26 Nov 2026 07:00:00 GMT")

    with pytest.raises(Refusal, match=re.escape("Date must be in ISO-8601 'basic format'. Got 'yesterday'")):
        check(request)


def presign(*, at: datetime = NOW, expires: int = 300) -> Signed:
    request = AWSRequest(method="GET", url=f"https://{HOST}/stage1/", data=b"")
    request.headers["Host"] = HOST
    signer = SigV4QueryAuth(Credentials(KEY, SECRET, TOKEN), "execute-api", "us-east-1", expires=expires)
    with patch("botocore.auth.get_current_datetime", return_value=at.replace(tzinfo=None)):
        signer.add_auth(request)
    url = urlsplit(str(request.url))
    return Signed(path=url.path, query=url.query, headers={"Host": HOST})


def test_a_presigned_url_is_accepted() -> None:
    assert check(presign()) == Caller(KEY, ROLE)


def test_an_expired_presigned_url_is_refused() -> None:
    with pytest.raises(Refusal, match="Signature expired"):
        check(presign(at=NOW - timedelta(minutes=4), expires=60))
