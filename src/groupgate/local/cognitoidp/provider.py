"""Cognito user pools as AWS runs them, in front of moto's user pool store (see the package's docstring).

``UserPools.call`` is the one door every ``AWSCognitoIdentityProviderService`` operation comes through, its
request already checked against botocore's model (``shapes``): under the pools' lock, with a ``Snapshot``
taken before a write, every ``AccessToken`` checked by ``tokens``, then the operation answered here or by
moto. What must happen after the write (the post-confirmation trigger, which calls back into the pools)
happens once the lock is let go.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    cognitoidp_backends,
)

from groupgate.local import journal
from groupgate.local.cognitoidp import attributes, srp
from groupgate.local.cognitoidp.attempts import PasswordLockout
from groupgate.local.cognitoidp.codes import Codes, temporary_password
from groupgate.local.cognitoidp.sessions import Sessions
from groupgate.local.cognitoidp.tokens import Caller, Tokens
from groupgate.local.cognitoidp.triggers import TriggerInvoker, post_confirmation
from groupgate.local.mail import Mailbox
from groupgate.local.protocol import Answer, AwsError, json_answer, moto_error
from groupgate.local.timing import same_secret

INCORRECT = "Incorrect username or password."
PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED = "PASSWORD_VERIFIER", "NEW_PASSWORD_REQUIRED"
READS = ("Get", "List", "Describe", "AdminGet", "AdminList")
HIDDEN_DELIVERY = {"Destination": "u***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
# An app client without ExplicitAuthFlows allows these (CreateUserPoolClient's reference).
DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH")
LEGACY_FLOWS = {"ADMIN_NO_SRP_AUTH": "ADMIN_USER_PASSWORD_AUTH", "CUSTOM_AUTH_FLOW_ONLY": "CUSTOM_AUTH"}
NOT_ENABLED = {
    "USER_SRP_AUTH": "USER_SRP_AUTH is not enabled for the client.",
    "USER_PASSWORD_AUTH": "USER_PASSWORD_AUTH flow not enabled for this client",
}
CHALLENGE_PARAMETERS = {
    PASSWORD_VERIFIER: ("USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP"),
    NEW_PASSWORD_REQUIRED: ("USERNAME", "NEW_PASSWORD"),
}
Result = Mapping[str, Any]
Handler = Callable[[dict[str, Any], Caller | None], "Result | Later | None"]  # None: moto answers


@dataclass(frozen=True)
class Later:
    """An answer, and what to do once the write is made and the lock let go."""

    result: Result
    then: Callable[[], None] | None


def _signed(caller: Caller | None) -> Caller:
    if caller is None:  # cannot happen: the model requires AccessToken, and call() has checked it
        raise AwsError("NotAuthorizedException", "Invalid Access Token")
    return caller


def _missing(name: str) -> AwsError:
    return AwsError("InvalidParameterException", f"Missing required parameter {name}")


class UserPools:
    """The user pool operations answered here (``operations``); moto answers the rest."""

    def __init__(
        self,
        *,
        account_id: str,
        region: str,
        mailbox: Mailbox,
        triggers: TriggerInvoker,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.account_id, self.region, self.triggers, self.clock = account_id, region, triggers, clock
        self._lock = threading.RLock()
        self.sessions = Sessions(clock)
        self.tokens = Tokens(clock, lambda: self.backend.user_pools)
        self.codes = Codes(mailbox, clock)
        self.lockout = PasswordLockout(clock)
        self.operations: dict[str, Handler] = {
            "SignUp": self.sign_up,
            "ConfirmSignUp": self.confirm_sign_up,
            "ResendConfirmationCode": self.resend_confirmation_code,
            "AdminConfirmSignUp": self.admin_confirm_sign_up,
            "ForgotPassword": self.forgot_password,
            "ConfirmForgotPassword": self.confirm_forgot_password,
            "AdminCreateUser": self.admin_create_user,
            "AdminUpdateUserAttributes": self.admin_update_user_attributes,
            "UpdateUserAttributes": self.update_user_attributes,
            "InitiateAuth": self.initiate_auth,
            "AdminInitiateAuth": self.admin_initiate_auth,
            "RespondToAuthChallenge": self.respond_to_auth_challenge,
            "AdminRespondToAuthChallenge": self.admin_respond_to_auth_challenge,
            "RevokeToken": self.revoke_token,
            "GlobalSignOut": self.global_sign_out,
            "AdminUserGlobalSignOut": self.admin_user_global_sign_out,
            "AdminResetUserPassword": self.admin_reset_user_password,
            "AdminDisableUser": self.admin_disable_user,
        }

    # ------------------------------------------------------------ the door
    def call(self, operation: str, request: dict[str, Any], moto: Callable[[], Answer]) -> Answer:
        """Answer one operation (``moto`` answers those not answered here)."""
        with self._lock:
            snapshot = None if operation.startswith(READS) else journal.Snapshot(self._state())
            try:
                caller = self.tokens.check_access(request["AccessToken"]) if "AccessToken" in request else None
                handler = self.operations.get(operation)
                result = handler(request, caller) if handler else None
                answer = (
                    moto() if result is None else json_answer(result.result if isinstance(result, Later) else result)
                )
            except AwsError:
                raise  # a refusal keeps what the operation meant to keep (a failed password counts)
            except Exception:
                if snapshot is not None:
                    snapshot.restore()
                raise
        if isinstance(result, Later) and result.then is not None:
            result.then()
        return answer

    def _state(self) -> list[Any]:
        pools = list(self.backend.user_pools.values())
        people = [item for p in pools for item in (*p.users.values(), *p.groups.values(), *p.clients.values())]
        stores = (self.sessions, self.tokens, self.codes, self.codes.attempts, self.lockout)
        return [self.backend, *pools, *people, *stores]

    # ------------------------------------------------------------ moto's state
    @property
    def backend(self) -> CognitoIdpBackend:
        return cognitoidp_backends[self.account_id][self.region]

    def pool(self, pool_id: str) -> CognitoIdpUserPool:
        pool = self.backend.user_pools.get(pool_id)
        if pool is None:
            raise AwsError("ResourceNotFoundException", f"User pool {pool_id} does not exist.")
        return pool

    def client(
        self, client_id: str, pool: CognitoIdpUserPool | None = None
    ) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
        for candidate in [pool] if pool else self.backend.user_pools.values():
            if client_id in candidate.clients:
                return candidate, candidate.clients[client_id]
        raise AwsError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")

    @staticmethod
    def _hides_users(client: CognitoIdpUserPoolClient) -> bool:
        return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"

    def find_user(self, pool: CognitoIdpUserPool, name: str) -> CognitoIdpUser | None:
        """A user by user name, or by a verified email alias or email user name, as Cognito finds them."""
        config = pool.extended_config
        case_sensitive = (config.get("UsernameConfiguration") or {}).get("CaseSensitive", True)
        found = pool.users.get(name)
        if found is not None:
            return found
        for user in pool.users.values():
            if not case_sensitive and user.username.lower() == name.lower():
                return user
        names = config.get("UsernameAttributes") or []
        for user in pool.users.values():
            for attribute in {*(config.get("AliasAttributes") or []), *names}:
                value = user.attribute_lookup.get(attribute)
                verified = attribute in names or user.attribute_lookup.get(f"{attribute}_verified") == "true"
                if value and verified and value.lower() == name.lower():
                    return user
        return None

    def _admin_user(self, pool: CognitoIdpUserPool, name: str) -> CognitoIdpUser:
        user = self.find_user(pool, name)
        if user is None:
            raise AwsError("UserNotFoundException", "User does not exist.")
        return user

    def _recipient(
        self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, name: str
    ) -> CognitoIdpUser | None:
        """The user a code is for; None for an unknown one when the client hides users (the caller answers as
        if a code went out)."""
        user = self.find_user(pool, name)
        if user is None and not self._hides_users(client):
            raise AwsError("UserNotFoundException", "Username/client id combination not found.")
        return user

    def _user_or_refusal(
        self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, name: str, hidden: AwsError
    ) -> CognitoIdpUser:
        user = self.find_user(pool, name)
        if user is None:
            if self._hides_users(client):
                raise hidden
            raise AwsError("UserNotFoundException", "Username/client id combination not found.")
        return user

    def _moto(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except AwsError:
            raise
        except Exception as error:
            translated = moto_error(error)
            if translated is None:
                raise
            raise translated from error

    def _check_password(self, pool: CognitoIdpUserPool, password: str) -> None:
        self._moto(lambda: self.backend._validate_password(pool.id, password))

    # ------------------------------------------------------------ sign-up and confirmation
    def sign_up(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool, client = self.client(request["ClientId"])
        username, given = request["Username"], request.get("UserAttributes") or []
        if pool.extended_config.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly"):
            raise AwsError("NotAuthorizedException", "SignUp is not permitted for this user pool")
        if "email" in (pool.extended_config.get("AliasAttributes") or []) and "@" in username:
            raise AwsError(
                "InvalidParameterException",
                "Username cannot be of email format, since user pool is configured for email alias.",
            )
        if self.find_user(pool, username) is not None:
            raise AwsError("UsernameExistsException", "User already exists")
        attributes.check(pool, given, client=client, creating=True)
        self._check_password(pool, request.get("Password", ""))
        user, _ = self._moto(lambda: self.backend.sign_up(client.id, username, request.get("Password", ""), given))
        verifies = "email" in (pool.extended_config.get("AutoVerifiedAttributes") or [])
        answer: dict[str, Any] = {"UserConfirmed": False, "UserSub": user.id}
        if verifies and user.attribute_lookup.get("email"):
            answer["CodeDeliveryDetails"] = self.codes.send(user, "signup")
        return answer

    def resend_confirmation_code(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool, client = self.client(request["ClientId"])
        user = self._recipient(pool, client, request["Username"])
        if user is None:
            return {"CodeDeliveryDetails": HIDDEN_DELIVERY}
        if user.status != "UNCONFIRMED":
            raise AwsError("InvalidParameterException", "User is already confirmed.")
        return {"CodeDeliveryDetails": self.codes.send(user, "signup")}

    def confirm_sign_up(self, request: dict[str, Any], _: Caller | None) -> Later:
        pool, client = self.client(request["ClientId"])
        mismatch = AwsError("CodeMismatchException", "Invalid verification code provided, please try again.")
        user = self._user_or_refusal(pool, client, request["Username"], mismatch)
        if user.status == "CONFIRMED":
            raise AwsError("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
        self.codes.check(user, "signup", request["ConfirmationCode"])
        self._moto(lambda: self.backend.confirm_sign_up(client.id, user.username))
        if "email" in (pool.extended_config.get("AutoVerifiedAttributes") or []):
            user.update_attributes([{"Name": "email_verified", "Value": "true"}])  # the code went to this address
        return self._confirmed(pool, user, "PostConfirmation_ConfirmSignUp", client.id, request)

    def admin_confirm_sign_up(self, request: dict[str, Any], _: Caller | None) -> Later:
        pool = self.pool(request["UserPoolId"])
        user = self._admin_user(pool, request["Username"])
        if user.status == "CONFIRMED":
            raise AwsError("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
        self._moto(lambda: self.backend.admin_confirm_sign_up(pool.id, user.username))
        return self._confirmed(pool, user, "PostConfirmation_ConfirmSignUp", "CLIENT_ID_NOT_APPLICABLE", request)

    def forgot_password(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool, client = self.client(request["ClientId"])
        user = self._recipient(pool, client, request["Username"])
        if user is None:
            return {"CodeDeliveryDetails": HIDDEN_DELIVERY}
        if user.attribute_lookup.get("email_verified") != "true":
            raise AwsError(
                "InvalidParameterException",
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            )
        return {"CodeDeliveryDetails": self.codes.send(user, "forgot")}

    def confirm_forgot_password(self, request: dict[str, Any], _: Caller | None) -> Later:
        pool, client = self.client(request["ClientId"])
        mismatch = AwsError("CodeMismatchException", "Invalid verification code provided, please try again.")
        user = self._user_or_refusal(pool, client, request["Username"], mismatch)
        self._check_password(pool, request["Password"])
        self.codes.check(user, "forgot", request["ConfirmationCode"])
        user.password = request["Password"]
        if user.status in ("RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"):
            user.status = "CONFIRMED"
        return self._confirmed(pool, user, "PostConfirmation_ConfirmForgotPassword", client.id, request)

    def _confirmed(
        self, pool: CognitoIdpUserPool, user: CognitoIdpUser, source: str, client_id: str, request: Mapping[str, Any]
    ) -> Later:
        """The empty answer of a confirmation, and the post-confirmation trigger to call once it is made."""
        metadata = request.get("ClientMetadata")
        then = post_confirmation(
            self.triggers, self.region, pool, user, source=source, client_id=client_id, metadata=metadata
        )
        return Later({}, then)

    def admin_create_user(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool = self.pool(request["UserPoolId"])
        action, username = request.get("MessageAction"), request["Username"]
        given = request.get("UserAttributes") or []
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
            attributes.check(pool, given, client=None, creating=True)
            self._check_password(pool, password)
            user = self._moto(lambda: self.backend.admin_create_user(pool.id, username, "SUPPRESS", password, given))
        email = user.attribute_lookup.get("email")
        if action != "SUPPRESS" and email:
            self.codes.mailbox.send(
                email,
                "Your temporary password",
                f"Your username is {user.username} and temporary password is {password}.",
            )
        return {"User": user.to_json(extended=True, attributes_key="Attributes")}

    def admin_update_user_attributes(self, request: dict[str, Any], _: Caller | None) -> None:
        pool = self.pool(request["UserPoolId"])
        self._admin_user(pool, request["Username"])
        attributes.check(pool, request["UserAttributes"], client=None, creating=False)

    def update_user_attributes(self, request: dict[str, Any], caller: Caller | None) -> None:
        caller = _signed(caller)
        _, client = self.client(caller.client_id, caller.pool)
        attributes.check(caller.pool, request["UserAttributes"], client=client, creating=False)

    # ------------------------------------------------------------ sign-in
    def initiate_auth(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool, client = self.client(request["ClientId"])
        return self._sign_in(pool, client, request["AuthFlow"], request.get("AuthParameters") or {}, admin=False)

    def admin_initiate_auth(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool, client = self.client(request["ClientId"], self.pool(request["UserPoolId"]))
        return self._sign_in(pool, client, request["AuthFlow"], request.get("AuthParameters") or {}, admin=True)

    def _sign_in(
        self,
        pool: CognitoIdpUserPool,
        client: CognitoIdpUserPoolClient,
        flow: str,
        parameters: Mapping[str, str],
        *,
        admin: bool,
    ) -> Result:
        flow = {"REFRESH_TOKEN": "REFRESH_TOKEN_AUTH", "ADMIN_NO_SRP_AUTH": "ADMIN_USER_PASSWORD_AUTH"}.get(flow, flow)
        if flow == "CUSTOM_AUTH":
            raise AwsError(
                "InvalidParameterException", "Custom auth lambda trigger is not configured for the user pool."
            )
        if flow not in (
            "USER_SRP_AUTH",
            "REFRESH_TOKEN_AUTH",
            "ADMIN_USER_PASSWORD_AUTH" if admin else "USER_PASSWORD_AUTH",
        ):
            raise AwsError("InvalidParameterException", "Initiate Auth method not supported.")
        if not self._allows(client, flow):
            raise AwsError("InvalidParameterException", NOT_ENABLED.get(flow, "Auth flow not enabled for this client"))
        if flow == "REFRESH_TOKEN_AUTH":
            if not parameters.get("REFRESH_TOKEN"):
                raise _missing("REFRESH_TOKEN")
            return self.tokens.refresh(pool, client, parameters["REFRESH_TOKEN"])
        if flow == "USER_SRP_AUTH":
            return self._start_srp(pool, client, parameters)
        for name in ("USERNAME", "PASSWORD"):
            if not parameters.get(name):
                raise _missing(name)
        user = self.find_user(pool, parameters["USERNAME"])
        if user is None:
            if self._hides_users(client):
                raise AwsError("NotAuthorizedException", INCORRECT)
            raise AwsError("UserNotFoundException", "User does not exist.")
        self._prove(user, same_secret(str(user.password or ""), parameters["PASSWORD"]))
        return self._signed_in(pool, client, user)

    @staticmethod
    def _allows(client: CognitoIdpUserPoolClient, flow: str) -> bool:
        flows = client.extended_config.get("ExplicitAuthFlows") or DEFAULT_FLOWS
        names = {LEGACY_FLOWS.get(f, f).removeprefix("ALLOW_") for f in flows}
        if any(not f.startswith("ALLOW_") for f in flows):
            names |= {"USER_SRP_AUTH", "REFRESH_TOKEN_AUTH"}  # legacy settings always allowed these two
        return flow in names

    def _prove(self, user: CognitoIdpUser, password_matches: bool) -> None:
        """A password tried for ``user``: the lockout first, then the password, then the user's state."""
        self.lockout.check(user.id)
        if not password_matches:
            self.lockout.failed(user.id)
            raise AwsError("NotAuthorizedException", INCORRECT)
        self.lockout.succeeded(user.id)
        if not user.enabled:
            raise AwsError("NotAuthorizedException", "User is disabled.")
        if user.status == "UNCONFIRMED":
            raise AwsError("UserNotConfirmedException", "User is not confirmed.")
        if user.status == "RESET_REQUIRED":
            raise AwsError("PasswordResetRequiredException", "Password reset required for the user")

    def _signed_in(self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser) -> Result:
        """The tokens of a proven user, or the new-password challenge of an admin-created one."""
        if user.status != "FORCE_CHANGE_PASSWORD":
            return self.tokens.sign_in(pool, client, user)
        session = self.sessions.open(
            NEW_PASSWORD_REQUIRED, pool_id=pool.id, client=client, username=user.username, sub=user.id
        )
        shown = {a["Name"]: a["Value"] for a in user.attributes if a["Name"] != "sub"}
        return {
            "ChallengeName": NEW_PASSWORD_REQUIRED,
            "Session": session,
            "ChallengeParameters": {
                "USER_ID_FOR_SRP": user.username,
                "requiredAttributes": "[]",
                "userAttributes": json.dumps(shown),
            },
        }

    def _start_srp(
        self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, parameters: Mapping[str, str]
    ) -> Result:
        for name in ("USERNAME", "SRP_A"):
            if not parameters.get(name):
                raise _missing(name)
        user = self.find_user(pool, parameters["USERNAME"])
        if user is None and not self._hides_users(client):
            raise AwsError("UserNotFoundException", "User does not exist.")
        # An unknown user gets a challenge no password can answer, so the refusal looks like a wrong password.
        user_id = user.username if user else parameters["USERNAME"]
        try:
            challenge = srp.start(
                pool.id, user_id, (user.password if user else None) or secrets.token_hex(32), parameters["SRP_A"]
            )
        except ValueError:
            raise AwsError("InvalidParameterException", "SRP_A is not valid") from None
        self.sessions.open(
            PASSWORD_VERIFIER, pool_id=pool.id, client=client, username=user_id, sub=user.id if user else "",
            key=challenge.secret_block, data=challenge,
        )  # fmt: skip
        return {"ChallengeName": PASSWORD_VERIFIER, "ChallengeParameters": challenge.parameters()}

    def respond_to_auth_challenge(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool, client = self.client(request["ClientId"])
        return self._respond(pool, client, request)

    def admin_respond_to_auth_challenge(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool, client = self.client(request["ClientId"], self.pool(request["UserPoolId"]))
        return self._respond(pool, client, request)

    def _respond(self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, request: dict[str, Any]) -> Result:
        """A challenge answered: only with the session issued for this user, client and challenge."""
        name, responses = request["ChallengeName"], request.get("ChallengeResponses") or {}
        for parameter in CHALLENGE_PARAMETERS.get(name, ()):
            if not responses.get(parameter):
                raise _missing(parameter)
        key = (
            responses.get("PASSWORD_CLAIM_SECRET_BLOCK", "")
            if name == PASSWORD_VERIFIER
            else request.get("Session", "")
        )
        session = self.sessions.find(key, name, client_id=client.id, pool_id=pool.id)
        named = self.find_user(pool, responses.get("USERNAME", ""))
        if session.sub and (named is None or named.id != session.sub):
            raise Sessions.another_user()
        user = pool.users.get(session.username)
        if name == PASSWORD_VERIFIER:
            self.sessions.close(key)  # its SRP values answer once, right or wrong
            real = user is not None and user.id == session.sub
            signed = srp.signature_matches(session.data, responses["TIMESTAMP"], responses["PASSWORD_CLAIM_SIGNATURE"])
            if not real:
                raise AwsError("NotAuthorizedException", INCORRECT)
            self._prove(user, signed)  # type: ignore[arg-type]
            return self._signed_in(pool, client, user)  # type: ignore[arg-type]
        if user is None or user.id != session.sub or user.status != "FORCE_CHANGE_PASSWORD":
            self.sessions.close(key)
            raise AwsError("NotAuthorizedException", "Invalid session for the user.")
        return self._new_password(pool, client, user, responses, key)

    def _new_password(
        self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser,
        responses: Mapping[str, str], key: str,
    ) -> Result:  # fmt: skip
        """NEW_PASSWORD_REQUIRED: a refused password leaves the session open for another try."""
        given = [
            {"Name": k.removeprefix("userAttributes."), "Value": v}
            for k, v in responses.items()
            if k.startswith("userAttributes.")
        ]
        attributes.check(pool, given, client=client, creating=False)
        self._check_password(pool, responses["NEW_PASSWORD"])
        self.sessions.close(key)
        if given:
            user.update_attributes(given)
        user.password, user.status = responses["NEW_PASSWORD"], "CONFIRMED"
        return self.tokens.sign_in(pool, client, user)

    # ------------------------------------------------------------ signing out
    def revoke_token(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool, client = self.client(request["ClientId"])
        if not client.extended_config.get("EnableTokenRevocation", True):
            raise AwsError("UnsupportedOperationException", "Token revocation is not enabled for this client.")
        self.tokens.revoke(pool, client, request["Token"])
        return {}

    def global_sign_out(self, request: dict[str, Any], caller: Caller | None) -> Result:
        caller = _signed(caller)
        self.tokens.sign_out(caller.pool, caller.user)
        return {}

    def admin_user_global_sign_out(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool = self.pool(request["UserPoolId"])
        self.tokens.sign_out(pool, self._admin_user(pool, request["Username"]))
        return {}

    def admin_disable_user(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool = self.pool(request["UserPoolId"])
        user = self._admin_user(pool, request["Username"])
        user.enabled = False
        self.tokens.disable(pool, user)
        return {}

    def admin_reset_user_password(self, request: dict[str, Any], _: Caller | None) -> Result:
        pool = self.pool(request["UserPoolId"])
        user = self._admin_user(pool, request["Username"])
        self.codes.send(user, "forgot")  # first: a user with no address to send it to is refused unchanged
        self.tokens.sign_out(pool, user)
        user.status = "RESET_REQUIRED"
        return {}

    # ------------------------------------------------------------ what the identity pools ask
    def id_token_active(self, pool_id: str, claims: Mapping[str, Any]) -> bool:
        """The server-side token check: the ID token's user and sign-in still stand."""
        with self._lock:
            pool = self.backend.user_pools.get(pool_id)
            return pool is not None and self.tokens.id_token_active(pool, claims)
