"""Checking a SigV4-signed request as API Gateway does, with API Gateway's own refusals.

The signature is recomputed with botocore's signer (the canonical request, the string to sign, the
signing key), never by hand. What botocore leaves to the server is checked here: the credential
scope, the 5-minute clock window, the session token of temporary credentials, and that a signed
``x-amz-content-sha256`` is the body's real hash. Messages and ``x-amzn-ErrorType`` values are the
ones API Gateway sends (see shared/AWS-SEMANTICS.md, section 1). The signature may come in the
``Authorization`` header or, presigned, in the query string (``X-Amz-Signature`` and its companions).

Choices where AWS's behaviour is not documented: the payload hash is always the body's real SHA-256
(API Gateway computes it rather than trusting ``UNSIGNED-PAYLOAD``, aws/aws-sdk-js-v3 #308), and a
literal ``+`` in a query is a plus sign, as SigV4 specifies (requests-aws4auth signs it as a space).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from groupgate.local.timing import same_secret

ALGORITHM = "AWS4-HMAC-SHA256"
CLOCK_WINDOW = timedelta(minutes=5)
AMZ_DATE = "%Y%m%dT%H%M%SZ"
MAX_PRESIGNED_SECONDS = 7 * 24 * 3600


@dataclass(eq=False)
class Refusal(Exception):
    """A 403 (or other) answer: status, ``x-amzn-ErrorType`` and the JSON body API Gateway sends."""

    status: int
    error_type: str
    body: Mapping[str, str]

    def __str__(self) -> str:
        return f"{self.status} {self.error_type}: {next(iter(self.body.values()), '')}"


def missing_token() -> Refusal:
    return Refusal(403, "MissingAuthenticationTokenException", {"message": "Missing Authentication Token"})


def _incomplete(message: str) -> Refusal:
    return Refusal(403, "IncompleteSignatureException", {"message": message})


def _invalid_signature(message: str) -> Refusal:
    return Refusal(403, "InvalidSignatureException", {"message": message})


@dataclass(frozen=True)
class Secret:
    """What the local IAM knows of an access key."""

    secret_access_key: str
    principal_arn: str  # who signs with it, as AWS names the caller (assumed-role/.../CognitoIdentityCredentials)
    session_token: str | None = None  # set for temporary credentials
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Caller:
    access_key_id: str
    principal_arn: str


KeyLookup = Callable[[str], Secret | None]


def _headers(raw: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in raw.items()}


def _parse_authorization(value: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    if value.startswith(ALGORITHM + " "):
        for part in value[len(ALGORITHM) + 1 :].split(","):
            name, equals, content = part.strip().partition("=")
            if equals:
                fields[name] = content
    return fields


@dataclass(frozen=True)
class _Signature:
    """Where the request says its signature is: the Authorization header or a presigned query."""

    credential: str
    signed_headers: list[str]
    signature: str
    amz_date: str | None
    token: str | None
    query: list[tuple[str, str]]  # the query that was signed (a presigned URL's without X-Amz-Signature)
    presigned: Mapping[str, str] | None


def verify(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    region: str,
    lookup: KeyLookup,
    now: datetime,
    service: str = "execute-api",
) -> Caller:
    """The caller of a well-signed request, or a ``Refusal`` saying what API Gateway would say.

    ``path`` and ``query`` are as they arrived (percent-encoded); ``headers`` as sent.
    """
    lowered = _headers(headers)
    signature = _read_signature(lowered, _query_pairs(query))
    access_key, scope_date = _check_scope(signature.credential, region, service)
    signed_at = _signing_time(signature.amz_date, lowered.get("date"))
    _check_clock(signed_at, now)
    if signature.presigned is not None:
        _check_presigned_expiry(signature.presigned, signed_at, now)
    if scope_date != signed_at.strftime("%Y%m%d"):
        raise _invalid_signature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{scope_date}' != '{signed_at.strftime('%Y%m%d')}', from '{signed_at.strftime(AMZ_DATE)}'."
        )
    secret = _check_key(lookup(access_key), signature.token, now)

    incoming = _Incoming(method, path, _canonical_query(signature.query), lowered, body)
    signer = _Signer(Credentials(access_key, secret.secret_access_key), service, region, signature.signed_headers)
    canonical, to_sign, expected = _expected_signature(incoming, signer, signed_at)
    if not same_secret(expected, signature.signature):
        raise _invalid_signature(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String "
            f"for this request should have been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
        )
    return Caller(access_key, secret.principal_arn)


def _read_signature(headers: Mapping[str, str], pairs: list[tuple[str, str]]) -> _Signature:
    presigned = {name: value for name, value in pairs if name.startswith("X-Amz-")}
    authorization = headers.get("authorization")
    if authorization is None and "X-Amz-Signature" not in presigned:
        raise missing_token()
    if authorization is not None:
        fields = _parse_authorization(authorization)
        _require_parts(fields, headers, authorization)
        found = _Signature(
            fields["Credential"],
            [name for name in fields["SignedHeaders"].split(";") if name],
            fields["Signature"],
            headers.get("x-amz-date"),
            headers.get("x-amz-security-token"),
            pairs,
            None,
        )
    else:
        _require_query_parts(presigned)
        found = _Signature(
            presigned["X-Amz-Credential"],
            [name for name in presigned["X-Amz-SignedHeaders"].split(";") if name],
            presigned["X-Amz-Signature"],
            presigned.get("X-Amz-Date"),
            presigned.get("X-Amz-Security-Token"),
            [(name, value) for name, value in pairs if name != "X-Amz-Signature"],
            presigned,
        )
    if "host" not in found.signed_headers:
        raise _incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
    return found


def _check_scope(credential: str, region: str, service: str) -> tuple[str, str]:
    """The access key and the date of a credential scoped to this service and region."""
    access_key, _, scope = credential.partition("/")
    parts = scope.split("/")
    if len(parts) != 4 or parts[3] != "aws4_request":
        raise _invalid_signature(
            f"Credential should be scoped to a valid region, not '{parts[1] if len(parts) > 1 else ''}'. "
        )
    scope_date, scope_region, scope_service, _ = parts
    if scope_service != service:
        raise _invalid_signature(f"Credential should be scoped to correct service: '{service}'. ")
    if scope_region != region:
        raise _invalid_signature(f"Credential should be scoped to a valid region, not '{scope_region}'. ")
    return access_key, scope_date


def _check_key(secret: Secret | None, token: str | None, now: datetime) -> Secret:
    invalid = Refusal(
        403, "UnrecognizedClientException", {"message": "The security token included in the request is invalid."}
    )
    if secret is None:
        raise invalid
    if secret.session_token is not None:
        if token is None or not same_secret(secret.session_token, token):
            raise invalid
        if secret.expires_at is not None and now >= secret.expires_at:
            raise Refusal(
                403, "ExpiredTokenException", {"message": "The security token included in the request is expired"}
            )
    return secret


def _require_parts(fields: Mapping[str, str], headers: Mapping[str, str], authorization: str) -> None:
    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name)
    ]
    if "x-amz-date" not in headers and "date" not in headers:
        problems.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if problems:
        raise _incomplete(" ".join(problems) + f" Authorization={authorization}")


def _require_query_parts(presigned: Mapping[str, str]) -> None:
    missing = [
        f"AWS query-string parameters must include '{name}'."
        for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
        if not presigned.get(name)
    ]
    if missing:
        raise _incomplete(" ".join(missing) + " Re-examine the query-string parameters.")


def _check_presigned_expiry(presigned: Mapping[str, str], signed_at: datetime, now: datetime) -> None:
    # SigV4's bounds on a presigned URL's life, in the words S3 uses for them (API Gateway documents none).
    given = presigned.get("X-Amz-Expires", "900")
    if not given.isascii() or not given.lstrip("-").isdigit():
        raise _incomplete("X-Amz-Expires should be a number")
    seconds = int(given)
    if seconds < 0:
        raise _incomplete("X-Amz-Expires must be non-negative")
    if seconds > MAX_PRESIGNED_SECONDS:
        raise _incomplete(f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGNED_SECONDS}")
    if now > signed_at + timedelta(seconds=seconds):
        raise _invalid_signature(
            f"Signature expired: {signed_at.strftime(AMZ_DATE)} is now earlier than "
            f"{(now - timedelta(seconds=seconds)).strftime(AMZ_DATE)} ({now.strftime(AMZ_DATE)} - {seconds} sec.)"
        )


def _query_pairs(query: str) -> list[tuple[str, str]]:
    """The query's name/value pairs, percent-decoded; ``+`` stays a plus sign."""
    pairs = []
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def _canonical_query(pairs: list[tuple[str, str]]) -> str:
    """SigV4's canonical query: each name and value URI-encoded (RFC 3986 unreserved kept), sorted."""
    encoded = sorted((quote(name, safe="-_.~"), quote(value, safe="-_.~")) for name, value in pairs)
    return "&".join(f"{name}={value}" for name, value in encoded)


def _signing_time(amz_date: str | None, date: str | None) -> datetime:
    if amz_date is not None:
        try:
            return datetime.strptime(amz_date, AMZ_DATE).replace(tzinfo=UTC)
        except ValueError:
            raise _bad_date(amz_date) from None
    if date is not None:
        from email.utils import parsedate_to_datetime  # noqa: PLC0415 - rarely needed

        try:
            return parsedate_to_datetime(date).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    raise _bad_date(amz_date or date)


def _bad_date(given: str | None) -> Refusal:
    return _incomplete(
        f"Date must be in ISO-8601 'basic format'. Got '{given}'. See http://en.wikipedia.org/wiki/ISO_8601"
    )


def _check_clock(signed_at: datetime, now: datetime) -> None:
    stamp = signed_at.strftime(AMZ_DATE)
    if signed_at < now - CLOCK_WINDOW:
        raise _invalid_signature(
            f"Signature expired: {stamp} is now earlier than {(now - CLOCK_WINDOW).strftime(AMZ_DATE)} "
            f"({now.strftime(AMZ_DATE)} - 5 min.)"
        )
    if signed_at > now + CLOCK_WINDOW:
        raise _invalid_signature(
            f"Signature not yet current: {stamp} is still later than {(now + CLOCK_WINDOW).strftime(AMZ_DATE)} "
            f"({now.strftime(AMZ_DATE)} + 5 min.)"
        )


@dataclass(frozen=True)
class _Incoming:
    method: str
    path: str
    query: str  # canonical already
    headers: Mapping[str, str]  # lower-cased names
    body: bytes


def _expected_signature(incoming: _Incoming, signer: _Signer, signed_at: datetime) -> tuple[str, str, str]:
    """The canonical request, string to sign and signature the client should have made."""
    headers = incoming.headers
    # The payload hash is the body's real one: a signed x-amz-content-sha256 that lies does not match.
    payload = hashlib.sha256(incoming.body).hexdigest()
    url = f"http://{headers.get('host', 'localhost')}{incoming.path}"
    request = AWSRequest(method=incoming.method.upper(), url=url, data=incoming.body)
    request.context["canonical_query"] = incoming.query
    # Only the headers the client signed take part, exactly as sent.
    for name in signer.signed_names:
        request.headers[name] = headers.get(name, "")
    # botocore takes the canonical request's last line from this header (HTTPHeaders appends on
    # assignment, so the sent value is removed first).
    del request.headers["X-Amz-Content-SHA256"]
    request.headers["X-Amz-Content-SHA256"] = payload
    request.context["timestamp"] = signed_at.strftime(AMZ_DATE)
    canonical = signer.canonical_request(request)
    to_sign = signer.string_to_sign(request, canonical)
    return canonical, to_sign, signer.signature(to_sign, request)


class _Signer(SigV4Auth):
    """botocore's SigV4 signer, told which headers the client signed."""

    def __init__(self, credentials: Credentials, service: str, region: str, signed_names: list[str]) -> None:
        super().__init__(credentials, service, region)
        self.signed_names = signed_names

    def canonical_query_string(self, request: AWSRequest) -> str:
        query: str = request.context["canonical_query"]
        return query

    def headers_to_sign(self, request: AWSRequest) -> Any:
        selected = HTTPHeaders()
        for name in self.signed_names:
            selected[name] = request.headers.get(name, "")
        return selected


def parse_amz_date(value: str) -> datetime:
    return datetime.strptime(value, AMZ_DATE).replace(tzinfo=UTC)
