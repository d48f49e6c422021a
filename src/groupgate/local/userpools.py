"""Cognito user pools as AWS runs them, in front of moto's user pool store.

moto keeps the pools, clients, groups, users and tokens. This module answers the operations where
moto's behaviour differs from Cognito's in a way the project's flow relies on:

* USER_SRP_AUTH checks the password (moto accepts any), signs in with an email alias (moto knows only
  ``UsernameAttributes``), and meets ``FORCE_CHANGE_PASSWORD`` with ``NEW_PASSWORD_REQUIRED``;
* sign-up and forgotten-password codes are made, emailed to the local mailbox and checked (moto
  accepts any code), as are the temporary passwords of admin-created users;
* the post-confirmation trigger is called, with Cognito's event, after ConfirmSignUp, AdminConfirmSignUp
  and ConfirmForgotPassword, 5 seconds and 3 attempts at most, only if the function's resource policy
  lets ``cognito-idp.amazonaws.com`` call it for this pool;
* REFRESH_TOKEN_AUTH refuses revoked and unknown refresh tokens, RevokeToken revokes (moto has
  neither), and sign-outs are remembered for the identity pool's server-side token check;
* each pool's JSON Web Key Set is served at ``/<poolId>/.well-known/jwks.json``.

Every other operation goes to moto unchanged.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    cognitoidp_backends,
)

from groupgate.local import srp
from groupgate.local.mail import Mailbox
from groupgate.local.protocol import AwsError, moto_error

CODE_SECONDS = 24 * 3600
SRP_SECONDS = 3 * 60
TRIGGER_TIMEOUT_SECONDS = 5.0
TRIGGER_ATTEMPTS = 3
INCORRECT = "Incorrect username or password."


class TriggerInvoker(Protocol):
    def invoke_trigger(
        self, function_arn: str, event: dict[str, Any], *, source_arn: str, timeout: float
    ) -> tuple[bool, str]: ...


@dataclass
class _Code:
    code: str
    expires_at: float


def _masked(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def temporary_password(policy: Mapping[str, Any]) -> str:
    """A password that meets ``policy``, as Cognito makes for an admin-created user."""
    length = max(12, int(policy.get("MinimumLength", 8)))
    alphabet = string.ascii_letters + string.digits
    picks = [
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.digits),
        secrets.choice("^$*.[]{}()?!@#%&"),
    ]
    picks += [secrets.choice(alphabet) for _ in range(length - len(picks))]
    secrets.SystemRandom().shuffle(picks)
    return "".join(picks)


class UserPools:
    """The user pool operations answered here (``operations``); the rest goes to moto."""

    def __init__(self, *, account_id: str, region: str, mailbox: Mailbox, triggers: TriggerInvoker) -> None:
        self.account_id, self.region = account_id, region
        self.mailbox = mailbox
        self.triggers = triggers
        self._lock = threading.RLock()
        self._srp: dict[
            str, tuple[srp.Challenge, str, str, bool, float]
        ] = {}  # secret block -> (challenge, pool, client, real user?, expiry)
        self._codes: dict[tuple[str, str, str], _Code] = {}  # (pool, user, purpose) -> code
        self.revoked_origins: set[str] = set()  # origin_jti of sign-ins revoked or signed out
        self.operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "SignUp": self.sign_up,
            "ConfirmSignUp": self.confirm_sign_up,
            "ResendConfirmationCode": self.resend_confirmation_code,
            "AdminConfirmSignUp": self.admin_confirm_sign_up,
            "ForgotPassword": self.forgot_password,
            "ConfirmForgotPassword": self.confirm_forgot_password,
            "AdminCreateUser": self.admin_create_user,
            "InitiateAuth": self.initiate_auth,
            "AdminInitiateAuth": self.admin_initiate_auth,
            "RespondToAuthChallenge": self.respond_to_auth_challenge,
            "RevokeToken": self.revoke_token,
            "GlobalSignOut": self.global_sign_out,
            "AdminUserGlobalSignOut": self.admin_user_global_sign_out,
            "AdminResetUserPassword": self.admin_reset_user_password,
        }

    # ------------------------------------------------------------ moto's state
    @property
    def backend(self) -> CognitoIdpBackend:
        return cognitoidp_backends[self.account_id][self.region]

    def pool(self, pool_id: str) -> CognitoIdpUserPool:
        pool = self.backend.user_pools.get(pool_id)
        if pool is None:
            raise AwsError("ResourceNotFoundException", f"User pool {pool_id} does not exist.")
        return pool

    def client(self, client_id: str) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
        for pool in self.backend.user_pools.values():
            if client_id in pool.clients:
                return pool, pool.clients[client_id]
        raise AwsError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")

    @staticmethod
    def _prevents_existence_errors(client: CognitoIdpUserPoolClient) -> bool:
        return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"

    def find_user(self, pool: CognitoIdpUserPool, name: str) -> CognitoIdpUser | None:
        """A user by user name, or by a verified email alias or email user name, as Cognito finds them."""
        config = pool.extended_config
        case_sensitive = (config.get("UsernameConfiguration") or {}).get("CaseSensitive", True)
        for user in pool.users.values():
            if user.username == name or (not case_sensitive and user.username.lower() == name.lower()):
                return user
        attributes = set(config.get("AliasAttributes") or []) | set(config.get("UsernameAttributes") or [])
        for user in pool.users.values():
            for attribute in attributes:
                value = user.attribute_lookup.get(attribute)
                verified = attribute in (config.get("UsernameAttributes") or []) or (
                    user.attribute_lookup.get(f"{attribute}_verified") == "true"
                )
                if value and verified and value.lower() == name.lower():
                    return user
        return None

    def _admin_user(self, pool: CognitoIdpUserPool, name: str) -> CognitoIdpUser:
        user = self.find_user(pool, name)
        if user is None:
            raise AwsError("UserNotFoundException", "User does not exist.")
        return user

    def _user_or_refusal(
        self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient | None, name: str, hidden: AwsError
    ) -> CognitoIdpUser:
        user = self.find_user(pool, name)
        if user is None:
            if client is not None and self._prevents_existence_errors(client):
                raise hidden
            raise AwsError("UserNotFoundException", "Username/client id combination not found.")
        return user

    def _call(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except AwsError:
            raise
        except Exception as error:
            translated = moto_error(error)
            if translated is None:
                raise
            raise translated from error

    # ------------------------------------------------------------ codes and mail
    def _email_of(self, user: CognitoIdpUser) -> str | None:
        return user.attribute_lookup.get("email")

    def _send_code(self, pool: CognitoIdpUserPool, user: CognitoIdpUser, purpose: str) -> dict[str, str]:
        email = self._email_of(user)
        if not email:
            raise AwsError(
                "InvalidParameterException",
                "Cannot send a code: the user has no email address to send it to.",
            )
        code = _new_code()
        with self._lock:
            self._codes[(pool.id, user.username, purpose)] = _Code(code, time.time() + CODE_SECONDS)
        subject = "Your verification code" if purpose == "signup" else "Your password reset code"
        self.mailbox.send(
            email, subject, f"Your {'verification' if purpose == 'signup' else 'password reset'} code is {code}."
        )
        return {"Destination": _masked(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}

    def _check_code(self, pool: CognitoIdpUserPool, user: CognitoIdpUser, purpose: str, code: str) -> None:
        with self._lock:
            stored = self._codes.get((pool.id, user.username, purpose))
            if stored is None or not secrets.compare_digest(stored.code, code or ""):
                raise AwsError("CodeMismatchException", "Invalid verification code provided, please try again.")
            if stored.expires_at < time.time():
                raise AwsError("ExpiredCodeException", "Invalid code provided, please request a code again.")
            del self._codes[(pool.id, user.username, purpose)]

    def latest_code(self, pool_id: str, username: str, purpose: str = "signup") -> str | None:
        stored = self._codes.get((pool_id, username, purpose))
        return stored.code if stored else None

    # ------------------------------------------------------------ sign-up and confirmation
    def sign_up(self, request: dict[str, Any]) -> dict[str, Any]:
        pool, _ = self.client(request.get("ClientId", ""))
        username = request.get("Username", "")
        if "email" in (pool.extended_config.get("AliasAttributes") or []) and "@" in username:
            raise AwsError(
                "InvalidParameterException",
                "Username cannot be of email format, since user pool is configured for email alias.",
            )
        if pool.extended_config.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly"):
            raise AwsError("NotAuthorizedException", "SignUp is not permitted for this user pool")
        if self.find_user(pool, username) is not None:
            raise AwsError("UsernameExistsException", "User already exists")
        user, _ = self._call(
            lambda: self.backend.sign_up(
                request["ClientId"], username, request.get("Password", ""), request.get("UserAttributes", [])
            )
        )
        verifies_email = "email" in (pool.extended_config.get("AutoVerifiedAttributes") or [])
        delivery = self._send_code(pool, user, "signup") if verifies_email and self._email_of(user) else None
        answer: dict[str, Any] = {"UserConfirmed": False, "UserSub": user.id}
        if delivery:
            answer["CodeDeliveryDetails"] = delivery
        return answer

    def resend_confirmation_code(self, request: dict[str, Any]) -> dict[str, Any]:
        pool, client = self.client(request.get("ClientId", ""))
        fake = {"Destination": "u***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
        user = self.find_user(pool, request.get("Username", ""))
        if user is None:
            if self._prevents_existence_errors(client):
                return {"CodeDeliveryDetails": fake}
            raise AwsError("UserNotFoundException", "Username/client id combination not found.")
        if user.status != "UNCONFIRMED":
            raise AwsError("InvalidParameterException", "User is already confirmed.")
        return {"CodeDeliveryDetails": self._send_code(pool, user, "signup")}

    def confirm_sign_up(self, request: dict[str, Any]) -> dict[str, Any]:
        pool, client = self.client(request.get("ClientId", ""))
        mismatch = AwsError("CodeMismatchException", "Invalid verification code provided, please try again.")
        user = self._user_or_refusal(pool, client, request.get("Username", ""), mismatch)
        if user.status == "CONFIRMED":
            raise AwsError("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
        self._check_code(pool, user, "signup", request.get("ConfirmationCode", ""))
        self._call(lambda: self.backend.confirm_sign_up(client.id, user.username))
        if "email" in (pool.extended_config.get("AutoVerifiedAttributes") or []):
            user.update_attributes([{"Name": "email_verified", "Value": "true"}])  # the code went to this address
        self._post_confirmation(pool, user, "PostConfirmation_ConfirmSignUp", client.id, request.get("ClientMetadata"))
        return {}

    def admin_confirm_sign_up(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = self.pool(request.get("UserPoolId", ""))
        user = self._admin_user(pool, request.get("Username", ""))
        if user.status == "CONFIRMED":
            raise AwsError("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
        self._call(lambda: self.backend.admin_confirm_sign_up(pool.id, user.username))
        self._post_confirmation(
            pool, user, "PostConfirmation_ConfirmSignUp", "CLIENT_ID_NOT_APPLICABLE", request.get("ClientMetadata")
        )
        return {}

    def forgot_password(self, request: dict[str, Any]) -> dict[str, Any]:
        pool, client = self.client(request.get("ClientId", ""))
        user = self.find_user(pool, request.get("Username", ""))
        if user is None:
            if self._prevents_existence_errors(client):
                return {
                    "CodeDeliveryDetails": {
                        "Destination": "u***@e***",
                        "DeliveryMedium": "EMAIL",
                        "AttributeName": "email",
                    }
                }
            raise AwsError("UserNotFoundException", "Username/client id combination not found.")
        if user.attribute_lookup.get("email_verified") != "true":
            raise AwsError(
                "InvalidParameterException",
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            )
        return {"CodeDeliveryDetails": self._send_code(pool, user, "forgot")}

    def confirm_forgot_password(self, request: dict[str, Any]) -> dict[str, Any]:
        pool, client = self.client(request.get("ClientId", ""))
        mismatch = AwsError("CodeMismatchException", "Invalid verification code provided, please try again.")
        user = self._user_or_refusal(pool, client, request.get("Username", ""), mismatch)
        self._check_code(pool, user, "forgot", request.get("ConfirmationCode", ""))
        password = request.get("Password", "")
        self._call(lambda: self.backend._validate_password(pool.id, password))
        user.password = password
        if user.status in ("RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"):
            user.status = "CONFIRMED"
        self._post_confirmation(
            pool, user, "PostConfirmation_ConfirmForgotPassword", client.id, request.get("ClientMetadata")
        )
        return {}

    def admin_create_user(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = self.pool(request.get("UserPoolId", ""))
        action = request.get("MessageAction")
        username = request.get("Username", "")
        password = request.get("TemporaryPassword") or temporary_password(
            pool.extended_config.get("Policies", {}).get("PasswordPolicy", {})
        )
        existing = self.find_user(pool, username)
        if action == "RESEND":
            if existing is None:
                raise AwsError("UserNotFoundException", "User does not exist.")
            if existing.status != "FORCE_CHANGE_PASSWORD":
                raise AwsError(
                    "UnsupportedUserStateException", "Resend not possible. User status is not FORCE_CHANGE_PASSWORD."
                )
            existing.password = password
            user = existing
        else:
            if existing is not None:
                raise AwsError("UsernameExistsException", "User account already exists")
            self._call(lambda: self.backend._validate_password(pool.id, password))
            user = self._call(
                lambda: self.backend.admin_create_user(
                    pool.id, username, "SUPPRESS", password, request.get("UserAttributes", [])
                )
            )
        email = self._email_of(user)
        if action != "SUPPRESS" and email:
            self.mailbox.send(
                email,
                "Your temporary password",
                f"Your username is {user.username} and temporary password is {password}.",
            )
        return {"User": user.to_json(extended=True, attributes_key="Attributes")}

    # ------------------------------------------------------------ sign-in
    def initiate_auth(self, request: dict[str, Any]) -> dict[str, Any]:
        flow = request.get("AuthFlow")
        pool, client = self.client(request.get("ClientId", ""))
        parameters = request.get("AuthParameters") or {}
        if flow == "USER_SRP_AUTH":
            return self._start_srp(pool, client, parameters)
        if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return self._refresh(pool, client, parameters.get("REFRESH_TOKEN", ""))
        if flow == "USER_PASSWORD_AUTH":
            if not self._allowed(client, "USER_PASSWORD_AUTH"):
                raise AwsError("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")
            parameters = self._password_checked(pool, client, parameters)
        return self._call(lambda: self.backend.initiate_auth(client.id, str(flow), parameters))  # type: ignore[no-any-return]

    def admin_initiate_auth(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = self.pool(request.get("UserPoolId", ""))
        _, client = self.client(request.get("ClientId", ""))
        flow = str(request.get("AuthFlow"))
        parameters = request.get("AuthParameters") or {}
        if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return self._refresh(pool, client, parameters.get("REFRESH_TOKEN", ""))
        if flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
            if not (self._allowed(client, "ADMIN_USER_PASSWORD_AUTH") or self._allowed(client, "ADMIN_NO_SRP_AUTH")):
                raise AwsError("InvalidParameterException", "Auth flow not enabled for this client")
            parameters = self._password_checked(pool, client, parameters)
        return self._call(  # type: ignore[no-any-return]
            lambda: self.backend.admin_initiate_auth(pool.id, client.id, flow, parameters)
        )

    def _password_checked(
        self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, parameters: dict[str, str]
    ) -> dict[str, str]:
        """The password flows, checked as Cognito checks them; moto lets unconfirmed users in."""
        user = self.find_user(pool, parameters.get("USERNAME", ""))
        if user is None:
            if self._prevents_existence_errors(client):
                raise AwsError("NotAuthorizedException", INCORRECT)
            raise AwsError("UserNotFoundException", "User does not exist.")
        if not secrets.compare_digest(str(user.password or ""), parameters.get("PASSWORD", "")):
            raise AwsError("NotAuthorizedException", INCORRECT)
        if not user.enabled:
            raise AwsError("NotAuthorizedException", "User is disabled.")
        if user.status == "UNCONFIRMED":
            raise AwsError("UserNotConfirmedException", "User is not confirmed.")
        return {**parameters, "USERNAME": user.username}  # an alias becomes the user name moto knows

    def _allowed(self, client: CognitoIdpUserPoolClient, flow: str) -> bool:
        flows = client.extended_config.get("ExplicitAuthFlows") or []
        return not flows or f"ALLOW_{flow}" in flows or flow in flows

    def _start_srp(
        self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, parameters: dict[str, str]
    ) -> dict[str, Any]:
        if not self._allowed(client, "USER_SRP_AUTH"):
            raise AwsError("InvalidParameterException", "USER_SRP_AUTH flow not enabled for this client")
        name, srp_a = parameters.get("USERNAME", ""), parameters.get("SRP_A", "")
        if not name or not srp_a:
            raise AwsError("InvalidParameterException", "Missing required parameter USERNAME or SRP_A")
        user = self.find_user(pool, name)
        if user is None and not self._prevents_existence_errors(client):
            raise AwsError("UserNotFoundException", "User does not exist.")
        # An unknown user gets a challenge no password can answer, so the refusal looks like a wrong password.
        user_id = user.username if user else name
        password = user.password if user and user.password else secrets.token_hex(32)
        try:
            challenge = srp.start(pool.id, user_id, password, srp_a)
        except ValueError:
            raise AwsError("InvalidParameterException", "SRP_A is not valid") from None
        with self._lock:
            self._srp[challenge.secret_block] = (
                challenge,
                pool.id,
                client.id,
                user is not None,
                time.time() + SRP_SECONDS,
            )
        return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": challenge.parameters()}

    def respond_to_auth_challenge(self, request: dict[str, Any]) -> dict[str, Any]:
        if request.get("ChallengeName") != "PASSWORD_VERIFIER":
            return self._call(  # type: ignore[no-any-return]
                lambda: self.backend.respond_to_auth_challenge(
                    request.get("Session", ""), request.get("ClientId", ""), request.get("ChallengeName", ""),
                    request.get("ChallengeResponses") or {},
                )
            )  # fmt: skip
        responses = request.get("ChallengeResponses") or {}
        with self._lock:
            found = self._srp.pop(responses.get("PASSWORD_CLAIM_SECRET_BLOCK", ""), None)
        if found is None or found[4] < time.time():
            raise AwsError("NotAuthorizedException", "Invalid session for the user, session is expired.")
        challenge, pool_id, client_id, real, _ = found
        if client_id != request.get("ClientId"):
            raise AwsError("NotAuthorizedException", "Invalid session for the user.")
        pool = self.pool(pool_id)
        client = pool.clients[client_id]
        signed = srp.signature_matches(
            challenge, responses.get("TIMESTAMP", ""), responses.get("PASSWORD_CLAIM_SIGNATURE", "")
        )
        user = pool.users.get(challenge.user_id) if real else None
        if user is None or not signed:
            raise AwsError("NotAuthorizedException", INCORRECT)
        if not user.enabled:
            raise AwsError("NotAuthorizedException", "User is disabled.")
        if user.status == "UNCONFIRMED":
            raise AwsError("UserNotConfirmedException", "User is not confirmed.")
        if user.status == "RESET_REQUIRED":
            raise AwsError("PasswordResetRequiredException", "Password reset required for the user")
        if user.status == "FORCE_CHANGE_PASSWORD":
            session = str(uuid.uuid4())
            self.backend.sessions[session] = (user.username, pool)
            attributes = {a["Name"]: a["Value"] for a in user.attributes if a["Name"] not in ("sub",)}
            return {
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session,
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": "[]",
                    "userAttributes": json.dumps(attributes),
                },
            }
        return self.backend._log_user_in(pool, client, user.username)

    def _refresh(self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, token: str) -> dict[str, Any]:
        if token not in pool.refresh_tokens:
            raise AwsError("NotAuthorizedException", "Invalid Refresh Token")
        entry = pool.refresh_tokens[token]
        if entry is None or entry[2] in self.revoked_origins:
            raise AwsError("NotAuthorizedException", "Refresh Token has been revoked")
        if entry[0] != client.id:
            raise AwsError("NotAuthorizedException", "Invalid Refresh Token")
        access, id_token, expires_in = pool.create_tokens_from_refresh_token(token)
        return {
            "ChallengeParameters": {},
            "AuthenticationResult": {
                "IdToken": id_token,
                "AccessToken": access,
                "ExpiresIn": expires_in,
                "TokenType": "Bearer",
            },
        }

    # ------------------------------------------------------------ signing out
    def revoke_token(self, request: dict[str, Any]) -> dict[str, Any]:
        pool, client = self.client(request.get("ClientId", ""))
        if not client.extended_config.get("EnableTokenRevocation", True):
            raise AwsError("UnsupportedOperationException", "Token revocation is not enabled for this client.")
        token = request.get("Token", "")
        entry = pool.refresh_tokens.get(token)
        if entry is not None:
            if entry[0] != client.id:
                raise AwsError("UnauthorizedException", "Token does not belong to the client.")
            with self._lock:
                self.revoked_origins.add(entry[2])
            pool.refresh_tokens[token] = None
        return {}

    def global_sign_out(self, request: dict[str, Any]) -> dict[str, Any]:
        access = request.get("AccessToken", "")
        owner = next(
            (
                (pool, entry[1])
                for pool in self.backend.user_pools.values()
                for tok, entry in pool.access_tokens.items()
                if tok == access
            ),
            None,
        )
        if owner:
            self._sign_out(*owner)
        self._call(lambda: self.backend.global_sign_out(access))
        return {}

    def admin_user_global_sign_out(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = self.pool(request.get("UserPoolId", ""))
        user = self._admin_user(pool, request.get("Username", ""))
        self._sign_out(pool, user.username)
        self._call(lambda: self.backend.admin_user_global_sign_out(pool.id, user.username))
        return {}

    def _sign_out(self, pool: CognitoIdpUserPool, username: str) -> None:
        """Every sign-in of the user ends: their refresh tokens' origins are revoked, for the server-side check."""
        with self._lock:
            for entry in pool.refresh_tokens.values():
                if entry is not None and entry[1] == username:
                    self.revoked_origins.add(entry[2])

    def admin_reset_user_password(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = self.pool(request.get("UserPoolId", ""))
        user = self._admin_user(pool, request.get("Username", ""))
        self._sign_out(pool, user.username)
        user.status = "RESET_REQUIRED"
        self._send_code(pool, user, "forgot")
        return {}

    def token_active(self, pool_id: str, claims: Mapping[str, Any]) -> bool:
        """The server-side token check: the user still exists and is enabled, and the token's sign-in was
        neither revoked nor ended by a global sign-out."""
        pool = self.backend.user_pools.get(pool_id)
        username = str(claims.get("cognito:username", ""))
        user = pool.users.get(username) if pool else None
        if user is None or not user.enabled:
            return False
        return claims.get("origin_jti") not in self.revoked_origins

    # ------------------------------------------------------------ the trigger
    def _post_confirmation(
        self,
        pool: CognitoIdpUserPool,
        user: CognitoIdpUser,
        source: str,
        client_id: str,
        metadata: Mapping[str, str] | None,
    ) -> None:
        function = (pool.extended_config.get("LambdaConfig") or {}).get("PostConfirmation")
        if not function:
            return
        attributes = {a["Name"]: a["Value"] for a in user.attributes}
        attributes["cognito:user_status"] = user.status
        if (
            "email" in (pool.extended_config.get("AliasAttributes") or [])
            and attributes.get("email_verified") == "true"
        ):
            attributes["cognito:email_alias"] = attributes.get("email", "")
        event = {
            "version": "1",
            "region": self.region,
            "userPoolId": pool.id,
            "userName": user.username,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
            "triggerSource": source,
            "request": {"userAttributes": attributes, **({"clientMetadata": dict(metadata)} if metadata else {})},
            "response": {},
        }
        error = ""
        for _ in range(TRIGGER_ATTEMPTS):
            ok, error = self.triggers.invoke_trigger(
                function, event, source_arn=pool.arn, timeout=TRIGGER_TIMEOUT_SECONDS
            )
            if ok:
                return
        # The confirmation stands, as in Cognito; the caller learns that the trigger failed.
        raise AwsError("UserLambdaValidationException", f"PostConfirmation failed with error {error}.")
