"""Confirmation and password-reset codes: made, mailed to the local mailbox, and checked (moto takes any code);
and the temporary passwords of admin-created users.

A code belongs to the user's ``sub`` and one purpose (``signup`` or ``forgot``), so a user deleted and made
again under the same name cannot use the old one; a new code replaces the last; a code lasts 24 hours
(Cognito's documented lifetime of confirmation codes) and is used once. Wrong codes count toward
``attempts.CodeAttempts``' limit.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser

from groupgate.local.cognitoidp.attempts import CodeAttempts
from groupgate.local.mail import Mailbox
from groupgate.local.protocol import AwsError
from groupgate.local.timing import same_secret

CODE_SECONDS = 24 * 3600
SUBJECTS = {
    "signup": ("Your verification code", "verification"),
    "forgot": ("Your password reset code", "password reset"),
}


@dataclass(frozen=True)
class _Code:
    code: str
    expires_at: float


def temporary_password(policy: Mapping[str, Any]) -> str:
    """A password that meets ``policy``, as Cognito makes for an admin-created user (and mails to them)."""
    length = max(12, int(policy.get("MinimumLength", 8)))
    picks = [
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.digits),
        secrets.choice("^$*.[]{}()?!@#%&"),
    ]
    picks += [secrets.choice(string.ascii_letters + string.digits) for _ in range(length - len(picks))]
    secrets.SystemRandom().shuffle(picks)
    return "".join(picks)


def masked(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


class Codes:
    def __init__(self, mailbox: Mailbox, clock: Callable[[], float]) -> None:
        self.mailbox, self.clock = mailbox, clock
        self.attempts = CodeAttempts(clock)
        self._codes: dict[tuple[str, str], _Code] = {}  # (sub, purpose) -> the code

    def send(self, user: CognitoIdpUser, purpose: str) -> dict[str, str]:
        """A new code for ``user``, mailed; the CodeDeliveryDetails Cognito answers with."""
        email = user.attribute_lookup.get("email")
        if not email:
            raise AwsError(
                "InvalidParameterException", "Cannot send a code: the user has no email address to send it to."
            )
        self._sweep()
        code = f"{secrets.randbelow(1_000_000):06d}"
        self._codes[(user.id, purpose)] = _Code(code, self.clock() + CODE_SECONDS)
        subject, kind = SUBJECTS[purpose]
        self.mailbox.send(email, subject, f"Your {kind} code is {code}.")
        return {"Destination": masked(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}

    def check(self, user: CognitoIdpUser, purpose: str, code: str) -> None:
        """The right, live code is used up; anything else is Cognito's refusal, and a wrong one counts."""
        key = (user.id, purpose)
        self.attempts.check(key)
        stored = self._codes.get(key)
        if stored is None or not same_secret(stored.code, code):
            self.attempts.failed(key)
            raise AwsError("CodeMismatchException", "Invalid verification code provided, please try again.")
        if stored.expires_at <= self.clock():
            raise AwsError("ExpiredCodeException", "Invalid code provided, please request a code again.")
        del self._codes[key]
        self.attempts.succeeded(key)

    def latest(self, user: CognitoIdpUser, purpose: str = "signup") -> str | None:
        stored = self._codes.get((user.id, purpose))
        return stored.code if stored else None

    def _sweep(self) -> None:
        now = self.clock()
        self._codes = {key: code for key, code in self._codes.items() if code.expires_at > now}
        self.attempts.sweep()
