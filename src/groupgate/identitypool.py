"""The Cognito identity pool side (enhanced flow): an identity id, then temporary AWS credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from groupgate.aws import is_unreachable, unreachable
from groupgate.cache import Credentials
from groupgate.errors import ConfigurationError, GroupgateError, GuestsNotAllowed, NotAllowed, SessionExpired

__all__ = ["Credentials", "IdentityPool", "provider_name"]


def provider_name(region: str, user_pool_id: str) -> str:
    """The ``Logins`` key of a user pool: ``cognito-idp.<region>.amazonaws.com/<poolId>``."""
    return f"cognito-idp.{region}.amazonaws.com/{user_pool_id}"


ErrorFactory = Callable[[str, str], GroupgateError]  # (the identity pool's message, who) -> error

# (error code, a fragment of the message or "", the error to raise), first match wins.
IDENTITY_ERRORS: tuple[tuple[str, str, ErrorFactory], ...] = (
    (
        "NotAuthorizedException",
        "ambiguous role mapping",
        lambda m, who: NotAllowed(
            f"signed in as {who}, but the identity pool gives this user no role: the user is not in the API's "
            f"group (the identity pool said: {m})"
        ),
    ),
    (
        "NotAuthorizedException",
        "Unauthenticated access is not supported",
        lambda m, who: GuestsNotAllowed(f"this identity pool does not let guests in: log in first ({m})"),
    ),
    (
        "NotAuthorizedException",
        "Token expired",
        lambda m, who: SessionExpired(f"the ID token has expired ({m}): log in again"),
    ),
    (
        "NotAuthorizedException",
        "not from a supported provider",
        lambda m, who: ConfigurationError(f"the identity pool does not accept this user pool and client ({m})"),
    ),
    (
        "InvalidIdentityPoolConfigurationException",
        "",
        lambda m, who: GroupgateError(f"the identity pool's roles are misconfigured, ask its owner: {m}"),
    ),
    ("ResourceNotFoundException", "", lambda m, who: ConfigurationError(f"the identity pool is not there: {m}")),
)


def identity_error(error: Exception, *, username: str | None) -> GroupgateError:
    """The error a person can act on for a failed identity pool call."""
    if isinstance(error, BotoCoreError):
        if is_unreachable(error):
            return unreachable(error, "the Cognito identity pool")
        return GroupgateError(f"Cognito identity pool: {error}")
    if not isinstance(error, ClientError):
        return GroupgateError(str(error))
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    for rule_code, fragment, make in IDENTITY_ERRORS:
        if code == rule_code and fragment in message:
            return make(message, username or "this user")
    return GroupgateError(f"the identity pool refused the request: {code}: {message}")


class IdentityPool:
    """One identity pool, used with ID tokens of one user pool."""

    def __init__(self, client: Any, identity_pool_id: str, provider: str) -> None:
        self.client = client
        self.identity_pool_id = identity_pool_id
        self.provider = provider

    def identity_id(self, id_token: str, *, username: str | None = None) -> str:
        try:
            answer = self.client.get_id(IdentityPoolId=self.identity_pool_id, Logins={self.provider: id_token})
        except (ClientError, BotoCoreError) as error:
            raise identity_error(error, username=username) from error
        identity: str = answer["IdentityId"]
        return identity

    def guest_credentials(self) -> tuple[str, Credentials]:
        """Credentials of the pool's guest (unauthenticated) role, if the pool lets guests in."""
        try:
            identity_id = self.client.get_id(IdentityPoolId=self.identity_pool_id)["IdentityId"]
            answer = self.client.get_credentials_for_identity(IdentityId=identity_id)
        except (ClientError, BotoCoreError) as error:
            raise identity_error(error, username="a guest") from error
        return answer["IdentityId"], _credentials(answer["Credentials"])

    def credentials(
        self, identity_id: str, id_token: str, *, username: str | None = None, get_id: Callable[[], str] | None = None
    ) -> tuple[str, Credentials]:
        """Credentials of the role the pool's role mapping picks; returns (identity id, credentials).

        A cached identity id the pool no longer knows is replaced once through ``get_id``.
        """
        try:
            answer = self.client.get_credentials_for_identity(IdentityId=identity_id, Logins={self.provider: id_token})
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code != "ResourceNotFoundException" or get_id is None:
                raise identity_error(error, username=username) from error
            return self.credentials(get_id(), id_token, username=username)
        except BotoCoreError as error:
            raise identity_error(error, username=username) from error
        return answer["IdentityId"], _credentials(answer["Credentials"])


def _credentials(raw: dict[str, Any]) -> Credentials:
    expiration = raw["Expiration"]
    return Credentials(
        access_key_id=raw["AccessKeyId"],
        secret_access_key=raw["SecretKey"],
        session_token=raw["SessionToken"],
        expires_at=expiration.timestamp() if hasattr(expiration, "timestamp") else float(expiration),
    )
