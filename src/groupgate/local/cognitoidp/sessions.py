"""Challenge sessions, as Cognito keeps them: each belongs to one user, one app client and one challenge,
expires after the app client's ``AuthSessionValidity`` (3 minutes unless set, 3 to 15), and answers once.

moto keeps a session as a bare user name and believes whichever ``USERNAME`` and ``ChallengeName`` come with
it; every challenge the local cloud issues goes through here instead, and moto never sees a session.

What the key is: ``Session`` for every challenge, except PASSWORD_VERIFIER, where the client sends back the
``SECRET_BLOCK`` (as ``PASSWORD_CLAIM_SECRET_BLOCK``) and no session.

Answers (``shared/AWS-SEMANTICS.md`` section 10; the messages are the ones Cognito was seen to give): an unknown
session, or one issued for another client, pool or challenge, "Invalid session for the user."; one of
another user "Invalid session provided for the user."; an expired one "Invalid session for the user,
session is expired."; one already answered "Invalid session for the user, session can only be used once.".
A wrong answer (a password the policy refuses) leaves the session open for another try within its time, as
a wrong code does in Cognito; PASSWORD_VERIFIER's is the exception, used up by any answer, since its SRP
values must not be tried twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from groupgate.local.protocol import AwsError

DEFAULT_MINUTES = 3
SWEEP_SECONDS = 60.0


def _refused(detail: str = "") -> AwsError:
    return AwsError("NotAuthorizedException", f"Invalid session for the user{detail}.")


@dataclass(frozen=True)
class Challenge:
    name: str  # NEW_PASSWORD_REQUIRED, PASSWORD_VERIFIER
    pool_id: str
    client_id: str
    username: str
    sub: str
    expires_at: float
    data: Any = None  # what answering needs (PASSWORD_VERIFIER: the server's SRP values)


class Sessions:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._open: dict[str, Challenge] = {}
        self._used: dict[str, float] = {}  # answered session -> when it would have expired
        self._swept = 0.0

    def open(
        self,
        name: str,
        *,
        pool_id: str,
        client: Any,
        username: str,
        sub: str,
        key: str | None = None,
        data: Any = None,
    ) -> str:
        """A new session for challenge ``name``; returns its key (a new random one unless given)."""
        self._sweep()
        minutes = int(client.extended_config.get("AuthSessionValidity") or DEFAULT_MINUTES)
        key = key or secrets.token_urlsafe(96)
        expires = self.clock() + 60 * minutes
        self._open[key] = Challenge(name, pool_id, client.id, username, sub, expires, data)
        return key

    def find(self, key: str, name: str, *, client_id: str, pool_id: str | None = None) -> Challenge:
        """The open session ``key`` for challenge ``name`` from ``client_id``, or Cognito's refusal."""
        found = self._open.get(key)
        if found is None:
            raise _refused(", session can only be used once" if key in self._used else "")
        if found.expires_at <= self.clock():
            self._open.pop(key, None)
            raise _refused(", session is expired")
        if found.name != name or found.client_id != client_id or (pool_id is not None and found.pool_id != pool_id):
            raise _refused()
        return found

    def close(self, key: str) -> None:
        """The session has been answered: it answers no more."""
        found = self._open.pop(key, None)
        if found is not None:
            self._used[key] = found.expires_at

    def _sweep(self) -> None:
        now = self.clock()
        if now - self._swept < SWEEP_SECONDS:
            return
        self._swept = now
        self._open = {key: found for key, found in self._open.items() if found.expires_at > now}
        self._used = {key: until for key, until in self._used.items() if until > now}

    @staticmethod
    def another_user() -> AwsError:
        return AwsError("NotAuthorizedException", "Invalid session provided for the user.")
