"""How many wrong guesses Cognito allows: the password lockout, and the limit on wrong codes.

Passwords (Cognito developer guide, "Lockout behavior for failed sign-in attempts"): after five failed
sign-ins with a password, the user is locked out for 1 second, and for 2^(n-5) seconds after the n-th
failure, up to about 15 minutes (900 s here). Attempts during a lockout answer NotAuthorizedException
"Password attempts exceeded" and do not count, though they are attempts: the count starts again after a
successful sign-in once no lockout is running, or after 15 minutes without any attempt. Every way a password
is tried counts: SRP's PASSWORD_VERIFIER, USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH.

Codes (confirmation and password-reset codes): AWS does not publish the count ("between 5 and 20 attempts"
an hour for reset codes, the recovery guide says; five were seen before the refusal). Chosen here: five
wrong codes for one user and purpose within an hour, and every further try in that hour, the right code
too, answers LimitExceededException "Attempt limit exceeded, please try after some time.". A new code does
not reset the count; a right code does.

Both key their counts by the user's ``sub``, and both take the clock from their owner, so tests move time
instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from groupgate.local.protocol import AwsError

FREE_FAILURES = 5
MAX_LOCKOUT_SECONDS = 900.0
QUIET_SECONDS = 15 * 60.0
CODE_FAILURES = 5
CODE_WINDOW_SECONDS = 3600.0


@dataclass(frozen=True)
class _Failures:
    count: int
    last: float  # the last attempt, counted or not
    locked_until: float = 0.0


class PasswordLockout:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._failures: dict[str, _Failures] = {}
        self._swept = 0.0

    def _current(self, key: str) -> _Failures | None:
        found = self._failures.get(key)
        if found is not None and self.clock() - found.last >= QUIET_SECONDS:
            del self._failures[key]  # 15 quiet minutes: the count starts again
            return None
        return found

    def check(self, key: str) -> None:
        """Refuses while ``key`` (a user's sub) is locked out."""
        found = self._current(key)
        if found is not None and self.clock() < found.locked_until:
            self._failures[key] = replace(found, last=self.clock())
            raise AwsError("NotAuthorizedException", "Password attempts exceeded")

    def failed(self, key: str) -> None:
        now = self.clock()
        if now - self._swept >= QUIET_SECONDS:  # counts nobody has added to for 15 minutes are over
            self._swept = now
            self.sweep()
        found = self._current(key)
        count = (found.count if found else 0) + 1
        locked = now + min(2.0 ** (count - FREE_FAILURES), MAX_LOCKOUT_SECONDS) if count >= FREE_FAILURES else 0.0
        self._failures[key] = _Failures(count, now, locked)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def sweep(self) -> None:
        now = self.clock()
        self._failures = {k: f for k, f in self._failures.items() if now - f.last < QUIET_SECONDS}


class CodeAttempts:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._failures: dict[tuple[str, str], tuple[float, ...]] = {}  # (sub, purpose) -> when each failed

    def _recent(self, key: tuple[str, str]) -> tuple[float, ...]:
        now = self.clock()
        return tuple(at for at in self._failures.get(key, ()) if now - at < CODE_WINDOW_SECONDS)

    def check(self, key: tuple[str, str]) -> None:
        if len(self._recent(key)) >= CODE_FAILURES:
            raise AwsError("LimitExceededException", "Attempt limit exceeded, please try after some time.")

    def failed(self, key: tuple[str, str]) -> None:
        self._failures[key] = (*self._recent(key), self.clock())

    def succeeded(self, key: tuple[str, str]) -> None:
        self._failures.pop(key, None)

    def sweep(self) -> None:
        self._failures = {key: kept for key in list(self._failures) if (kept := self._recent(key))}
