"""groupgate: sign in to a Cognito user pool, get identity-pool credentials, call an IAM-authorized API.

from groupgate import Session
session = Session.from_stack("groupgate")
session.login("alice", password)
requests.get(session.api_url, auth=session.auth())
"""

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
