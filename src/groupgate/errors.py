"""Errors a person can act on: each one line of text and an exit code of its own.

Every failure the client expects (a wrong password, a user outside the group, an endpoint that
does not answer) becomes one of these, raised with the message the CLI prints. ``--debug`` shows
the AWS error underneath.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The CLI's exit codes; scripts may rely on them."""

    OK = 0
    ERROR = 1  # anything else, said in words
    USAGE = 2  # argparse's own
    CONFIGURATION = 3  # no API URL, user pool, client or identity pool to talk to
    WRONG_PASSWORD = 4  # "Incorrect username or password."
    NOT_CONFIRMED = 5  # signed up, but the emailed code was never confirmed
    NEW_PASSWORD_REQUIRED = 6  # admin-created user, and no new password was given
    WEAK_PASSWORD = 7  # the user pool's password policy refused it
    NOT_ALLOWED = 8  # signed in, but not in the group: the identity pool or the API refused
    GUESTS_NOT_ALLOWED = 9  # the identity pool takes no unauthenticated identities
    SESSION_EXPIRED = 10  # not logged in, or the refresh token is dead: log in again
    UNREACHABLE = 11  # the endpoint did not answer
    HTTP_ERROR = 12  # `call` got a 4xx or 5xx other than 403


class GroupgateError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = ExitCode.ERROR


class ConfigurationError(GroupgateError):
    exit_code = ExitCode.CONFIGURATION


class WrongPassword(GroupgateError):
    exit_code = ExitCode.WRONG_PASSWORD


class NotConfirmed(GroupgateError):
    exit_code = ExitCode.NOT_CONFIRMED


class NewPasswordRequired(GroupgateError):
    exit_code = ExitCode.NEW_PASSWORD_REQUIRED


class WeakPassword(GroupgateError):
    exit_code = ExitCode.WEAK_PASSWORD


class NotAllowed(GroupgateError):
    exit_code = ExitCode.NOT_ALLOWED


class GuestsNotAllowed(GroupgateError):
    exit_code = ExitCode.GUESTS_NOT_ALLOWED


class SessionExpired(GroupgateError):
    exit_code = ExitCode.SESSION_EXPIRED


class Unreachable(GroupgateError):
    exit_code = ExitCode.UNREACHABLE
