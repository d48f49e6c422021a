"""The Cognito user pool side: sign-up, confirmation, SRP sign-in, token refresh and revocation.

pycognito does the SRP arithmetic; this module drives the challenge flow itself so that a
``NEW_PASSWORD_REQUIRED`` answer is met in the same sign-in (three round trips, not five).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pycognito.aws_srp import AWSSRP

from groupgate.aws import is_unreachable, unreachable
from groupgate.errors import (
    ConfigurationError,
    GroupgateError,
    NewPasswordRequired,
    NotConfirmed,
    SessionExpired,
    WeakPassword,
    WrongPassword,
)

PASSWORD_VERIFIER = "PASSWORD_VERIFIER"  # noqa: S105 - challenge names
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"  # noqa: S105

Clock = Callable[[], float]
NewPasswordSource = Callable[[], str | None]


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str
    expires_at: float  # when the ID and access tokens expire, by the session's clock


ErrorFactory = Callable[[str, str], GroupgateError]  # (Cognito's message, " <username>" or "") -> error

# (error codes, a fragment of the message or "", the error to raise), first match wins.
COGNITO_ERRORS: tuple[tuple[tuple[str, ...], str, ErrorFactory], ...] = (
    (
        ("NotAuthorizedException",),
        "Refresh Token",
        lambda m, who: SessionExpired(f"the session has ended ({m}): log in again with `groupgate login{who}`"),
    ),
    (
        ("NotAuthorizedException", "UserNotFoundException"),
        "",
        lambda m, who: WrongPassword(f"sign-in refused: {m or 'Incorrect username or password.'}"),
    ),
    (
        ("UserNotConfirmedException",),
        "",
        lambda m, who: NotConfirmed(
            f"user{who} has not confirmed the sign-up: `groupgate confirm{who} CODE` with the emailed code "
            f"(`groupgate resend{who}` sends a new one)"
        ),
    ),
    (("InvalidPasswordException",), "", lambda m, who: WeakPassword(f"the user pool refused the password: {m}")),
    (
        ("UsernameExistsException",),
        "",
        lambda m, who: GroupgateError(f"user{who} already exists: log in, or choose another user name"),
    ),
    (
        ("CodeMismatchException",),
        "",
        lambda m, who: GroupgateError(f"wrong confirmation code for{who}: check the email, or `groupgate resend{who}`"),
    ),
    (
        ("ExpiredCodeException",),
        "",
        lambda m, who: GroupgateError(f"the confirmation code has expired: `groupgate resend{who}` sends a new one"),
    ),
    (
        ("ResourceNotFoundException",),
        "",
        lambda m, who: ConfigurationError(f"the user pool or its app client is not there: {m}"),
    ),
    (
        ("TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException"),
        "",
        lambda m, who: GroupgateError(f"Cognito is throttling these requests ({m}); wait a little and try again"),
    ),
)


def cognito_error(error: Exception, *, username: str | None = None) -> GroupgateError:
    """The error a person can act on for a failed user pool call."""
    if isinstance(error, BotoCoreError):
        return unreachable(error, "Cognito") if is_unreachable(error) else GroupgateError(f"Cognito: {error}")
    if not isinstance(error, ClientError):
        return GroupgateError(str(error))
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    who = f" {username}" if username else ""
    for codes, fragment, make in COGNITO_ERRORS:
        if code in codes and fragment in message:
            return make(message, who)
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if status >= 500:
        return GroupgateError(f"Cognito failed to answer (HTTP {status}); try again, or --debug for more")
    return GroupgateError(f"Cognito refused the request: {code}: {message}")


class UserPool:
    """One app client of one user pool. ``client`` is a boto3 cognito-idp client (unsigned is fine)."""

    def __init__(self, client: Any, user_pool_id: str, client_id: str, *, clock: Clock) -> None:
        self.client = client
        self.user_pool_id = user_pool_id
        self.client_id = client_id
        self.clock = clock

    def sign_up(self, username: str, password: str, email: str) -> dict[str, Any]:
        """Register ``username``; returns where Cognito sent the confirmation code."""
        try:
            answer = self.client.sign_up(
                ClientId=self.client_id,
                Username=username,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": email}],
            )
        except (ClientError, BotoCoreError) as error:
            raise cognito_error(error, username=username) from error
        delivery: dict[str, Any] = answer.get("CodeDeliveryDetails", {})
        return {"confirmed": bool(answer.get("UserConfirmed")), **delivery}

    def confirm(self, username: str, code: str) -> None:
        try:
            self.client.confirm_sign_up(ClientId=self.client_id, Username=username, ConfirmationCode=code)
        except (ClientError, BotoCoreError) as error:
            raise cognito_error(error, username=username) from error

    def resend(self, username: str) -> dict[str, Any]:
        try:
            answer = self.client.resend_confirmation_code(ClientId=self.client_id, Username=username)
        except (ClientError, BotoCoreError) as error:
            raise cognito_error(error, username=username) from error
        delivery: dict[str, Any] = answer.get("CodeDeliveryDetails", {})
        return delivery

    def sign_in(self, username: str, password: str, new_password: NewPasswordSource) -> Tokens:
        """SRP sign-in; a ``NEW_PASSWORD_REQUIRED`` challenge is answered with ``new_password()``."""
        srp = AWSSRP(
            username=username,
            password=password,
            pool_id=self.user_pool_id,
            client_id=self.client_id,
            client=self.client,
        )
        try:
            auth_parameters = srp.get_auth_params()
            started = self.client.initiate_auth(
                AuthFlow="USER_SRP_AUTH", AuthParameters=auth_parameters, ClientId=self.client_id
            )
            if started.get("ChallengeName") != PASSWORD_VERIFIER:
                raise GroupgateError(
                    f"Cognito asked for {started.get('ChallengeName')!r}, which this client cannot answer"
                )
            answer = self.client.respond_to_auth_challenge(
                ClientId=self.client_id,
                ChallengeName=PASSWORD_VERIFIER,
                ChallengeResponses=srp.process_challenge(started["ChallengeParameters"], auth_parameters),
            )
            if answer.get("ChallengeName") == NEW_PASSWORD_REQUIRED:
                answer = self._set_new_password(answer, username, new_password)
        except (ClientError, BotoCoreError) as error:
            raise cognito_error(error, username=username) from error
        return self._tokens(answer, refresh_token=None)

    def _set_new_password(self, challenge: dict[str, Any], username: str, new_password: NewPasswordSource) -> Any:
        parameters = challenge.get("ChallengeParameters", {})
        required = json.loads(parameters.get("requiredAttributes") or "[]")
        if required:
            raise GroupgateError(
                f"Cognito wants these attributes set with the new password, which this client does not ask for: "
                f"{', '.join(required)}"
            )
        password = new_password()
        if not password:
            raise NewPasswordRequired(
                f"user {username} must set a new password at first sign-in: run `groupgate login {username}` on a "
                "terminal, or give it with --new-password-stdin or GROUPGATE_NEW_PASSWORD"
            )
        return self.client.respond_to_auth_challenge(
            ClientId=self.client_id,
            ChallengeName=NEW_PASSWORD_REQUIRED,
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": parameters.get("USER_ID_FOR_SRP", username), "NEW_PASSWORD": password},
        )

    def refresh(self, refresh_token: str, username: str) -> Tokens:
        """New ID and access tokens from the refresh token."""
        try:
            answer = self.client.initiate_auth(
                AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}, ClientId=self.client_id
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NotAuthorizedException":
                message = error.response["Error"].get("Message", "")
                raise SessionExpired(
                    f"the session has ended ({message}): log in again with `groupgate login {username}`"
                ) from error
            raise cognito_error(error, username=username) from error
        except BotoCoreError as error:
            raise cognito_error(error, username=username) from error
        return self._tokens(answer, refresh_token=refresh_token)

    def revoke(self, refresh_token: str) -> None:
        """Revoke the refresh token and the tokens issued from it (the app client enables revocation)."""
        try:
            self.client.revoke_token(Token=refresh_token, ClientId=self.client_id)
        except (ClientError, BotoCoreError) as error:
            raise cognito_error(error) from error

    def _tokens(self, answer: dict[str, Any], *, refresh_token: str | None) -> Tokens:
        result = answer.get("AuthenticationResult")
        if not result:
            raise GroupgateError(f"Cognito asked for {answer.get('ChallengeName')!r}, which this client cannot answer")
        return Tokens(
            id_token=result["IdToken"],
            access_token=result["AccessToken"],
            refresh_token=result.get("RefreshToken") or refresh_token or "",
            expires_at=self.clock() + int(result.get("ExpiresIn", 3600)),
        )
