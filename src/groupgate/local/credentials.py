"""Temporary AWS credentials the local cloud issues, known to its STS and its API."""

from __future__ import annotations

import base64
import secrets
import string
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from groupgate.local.sigv4 import Secret

SESSION_NAME = "CognitoIdentityCredentials"
LIFETIME = timedelta(hours=1)
# Expired credentials are still known for a while, so a caller gets "expired" rather than "invalid"; then
# they are forgotten, so issuing credentials again and again does not grow memory without end.
REMEMBERED = timedelta(hours=12)
SWEEP_EVERY = 256


@dataclass(frozen=True)
class Issued:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: datetime
    role_arn: str
    principal_arn: str  # arn:aws:sts::<account>:assumed-role/<role name>/CognitoIdentityCredentials
    role_id: str
    identity_id: str = ""  # the Cognito identity the credentials were issued to, if any
    identity_pool_id: str = ""
    amr: tuple[str, ...] = ()  # how that identity signed in: "authenticated" or "unauthenticated", then the logins


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class CredentialStore:
    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self._issued: dict[str, Issued] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        role_arn: str,
        role_id: str,
        *,
        now: datetime | None = None,
        identity: tuple[str, str] = ("", ""),
        amr: tuple[str, ...] = (),
    ) -> Issued:
        """Credentials of ``role_arn`` for one hour, as the identity pool gets them from STS."""
        now = now or datetime.now(UTC)
        role_name = role_arn.rsplit("/", 1)[-1]
        issued = Issued(
            access_key_id="ASIA" + _random(string.ascii_uppercase + string.digits, 16),
            secret_access_key=_random(string.ascii_letters + string.digits + "+/", 40),
            session_token=base64.b64encode(secrets.token_bytes(96)).decode(),
            expires_at=(now + LIFETIME).replace(microsecond=0),
            role_arn=role_arn,
            principal_arn=f"arn:aws:sts::{self.account_id}:assumed-role/{role_name}/{SESSION_NAME}",
            role_id=role_id,
            identity_id=identity[0],
            identity_pool_id=identity[1],
            amr=amr,
        )
        with self._lock:
            self._issued[issued.access_key_id] = issued
            if len(self._issued) % SWEEP_EVERY == 0:
                self._issued = {k: v for k, v in self._issued.items() if v.expires_at + REMEMBERED > now}
        return issued

    def get(self, access_key_id: str) -> Issued | None:
        with self._lock:
            return self._issued.get(access_key_id)

    def secret(self, access_key_id: str) -> Secret | None:
        """What the SigV4 check needs to know of a key this store issued."""
        issued = self.get(access_key_id)
        if issued is None:
            return None
        return Secret(issued.secret_access_key, issued.principal_arn, issued.session_token, issued.expires_at)
