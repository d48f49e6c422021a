"""groupgate: sign in to a Cognito user pool, get identity-pool credentials, call an IAM-authorized API.

from groupgate import Session
session = Session.from_stack("groupgate")
session.login("alice", password)
requests.get(session.api_url, auth=session.auth())
"""

from typing import TYPE_CHECKING, Any

from groupgate.errors import (
    ConfigurationError,
    ExitCode,
    GroupgateError,
    GuestsNotAllowed,
    NewPasswordRequired,
    NotAllowed,
    NotConfirmed,
    SessionExpired,
    Unreachable,
    WeakPassword,
    WrongPassword,
)

if TYPE_CHECKING:
    from groupgate.session import Session
    from groupgate.settings import Settings

__all__ = [
    "ConfigurationError",
    "ExitCode",
    "GroupgateError",
    "GuestsNotAllowed",
    "NewPasswordRequired",
    "NotAllowed",
    "NotConfirmed",
    "Session",
    "SessionExpired",
    "Settings",
    "Unreachable",
    "WeakPassword",
    "WrongPassword",
]


def __getattr__(name: str) -> Any:
    """``Session`` and ``Settings`` are imported when first asked for: ``import groupgate.cli`` (every command)
    then loads only what its command needs."""
    if name == "Session":
        from groupgate.session import Session  # noqa: PLC0415

        return Session
    if name == "Settings":
        from groupgate.settings import Settings  # noqa: PLC0415

        return Settings
    raise AttributeError(f"module 'groupgate' has no attribute {name!r}")
