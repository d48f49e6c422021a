"""Tokens bound to the user they were issued to, following that user's state, as Cognito's do.

moto issues the tokens (its JWTs, signed with each pool's own key: ``moto_fixes``) and remembers them by
user *name*; a user deleted and created again under the same name would inherit every old token. Here each
sign-in is a ``SignIn``: its ``origin_jti`` (the claim every token of that sign-in carries), the user's
``sub``, the app client, when its refresh token expires and whether it was revoked. Every check goes
through ``Tokens``: the access-token operations, REFRESH_TOKEN_AUTH, and the identity pool's server-side
check of an ID token. A token stops working when:

* its user is gone, or is another user now under the same name (another ``sub``);
* its sign-in was revoked: RevokeToken (the refresh token and every access token issued from it),
  GlobalSignOut, AdminUserGlobalSignOut, AdminResetUserPassword;
* its user was disabled: AdminDisableUser revokes the user's access tokens (the API reference says so), and
  the refresh token answers "User is disabled." until the user is enabled again;
* it expired (access and ID tokens after an hour, refresh tokens after the client's
  ``RefreshTokenValidity``).

Messages are the ones Cognito was seen to give: "Invalid Access Token", "Access Token has expired",
"Access Token has been revoked", "Invalid Refresh Token.", "Refresh Token has been revoked", "Refresh Token
has different Client", and UserNotFoundException "User does not exist." for a deleted user (not documented;
it is what clients holding a deleted user's tokens were seen to get).

Expired sign-ins, and moto's copies of expired access and ID tokens, are dropped at most once a minute, so
signing in again and again does not grow memory beyond what the tokens' lifetimes keep.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import jwt
from jwt import PyJWK
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, CognitoIdpUserPoolClient

from groupgate.local.moto_fixes import public_jwks
from groupgate.local.protocol import AwsError

ACCESS_SECONDS = 3600  # moto's tokens, like Cognito's defaults and the template's, live an hour
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
SWEEP_SECONDS = 60.0


def _not_authorized(message: str) -> AwsError:
    return AwsError("NotAuthorizedException", message)


def _gone() -> AwsError:
    return AwsError("UserNotFoundException", "User does not exist.")


@dataclass(frozen=True)
class SignIn:
    origin_jti: str
    pool_id: str
    client_id: str
    username: str
    sub: str
    refresh_token: str
    refresh_expires_at: float
    revoked: bool = False
    access_cut: int = 0  # the access tokens of issued[:access_cut] are revoked (AdminDisableUser)
    issued: tuple[tuple[float, str, str], ...] = ()  # (when, access, id) of the tokens moto remembers


@dataclass(frozen=True)
class Caller:
    """Who an access token speaks for."""

    pool: CognitoIdpUserPool
    user: CognitoIdpUser
    client_id: str


def refresh_seconds(client: CognitoIdpUserPoolClient) -> int:
    config = client.extended_config
    unit = (config.get("TokenValidityUnits") or {}).get("RefreshToken", "days")
    return int(config.get("RefreshTokenValidity") or 30) * UNIT_SECONDS.get(unit, 86400)


class Tokens:
    def __init__(self, clock: Callable[[], float], pools: Callable[[], Mapping[str, CognitoIdpUserPool]]) -> None:
        self.clock, self.pools = clock, pools
        self._sign_ins: dict[str, SignIn] = {}  # origin_jti -> the sign-in
        self._by_refresh: dict[str, str] = {}  # refresh token -> origin_jti
        self._swept = 0.0

    # ------------------------------------------------------------ issuing
    def sign_in(
        self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser
    ) -> dict[str, Any]:
        """A new sign-in's tokens, as InitiateAuth or RespondToAuthChallenge answer them."""
        self._sweep()
        refresh, origin = pool.create_refresh_token(client.id, user.username)
        now = self.clock()
        found = SignIn(origin, pool.id, client.id, user.username, user.id, refresh, now + refresh_seconds(client))
        self._sign_ins[origin] = found
        self._by_refresh[refresh] = origin
        result = self._mint(pool, found)
        result["AuthenticationResult"]["RefreshToken"] = refresh
        return result

    def refresh(self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, token: str) -> dict[str, Any]:
        """REFRESH_TOKEN_AUTH: new access and ID tokens for the same sign-in."""
        found = self._sign_ins.get(self._by_refresh.get(token, ""))
        if found is None or found.pool_id != pool.id or found.refresh_expires_at <= self.clock():
            raise _not_authorized("Invalid Refresh Token.")
        if found.client_id != client.id:
            raise _not_authorized("Refresh Token has different Client")
        if found.revoked:
            raise _not_authorized("Refresh Token has been revoked")
        user = self._owner(pool, found)
        if not user.enabled:
            raise _not_authorized("User is disabled.")
        return self._mint(pool, found)

    def _mint(self, pool: CognitoIdpUserPool, found: SignIn) -> dict[str, Any]:
        access, id_token, expires_in = pool.create_tokens_from_refresh_token(found.refresh_token)
        self._sign_ins[found.origin_jti] = replace(found, issued=(*found.issued, (self.clock(), access, id_token)))
        return {
            "ChallengeParameters": {},
            "AuthenticationResult": {
                "IdToken": id_token,
                "AccessToken": access,
                "ExpiresIn": expires_in,
                "TokenType": "Bearer",
            },
        }

    # ------------------------------------------------------------ ending sign-ins
    def revoke(self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, token: str) -> None:
        """RevokeToken: the sign-in of this refresh token ends; an unknown token changes nothing (200)."""
        found = self._sign_ins.get(self._by_refresh.get(token, ""))
        if found is None or found.pool_id != pool.id:
            return
        if found.client_id != client.id:
            raise AwsError("UnauthorizedException", "Token does not belong to the client.")  # not documented
        self._sign_ins[found.origin_jti] = replace(found, revoked=True)

    def sign_out(self, pool: CognitoIdpUserPool, user: CognitoIdpUser) -> None:
        """Every sign-in of ``user`` ends, its refresh and access tokens with it."""
        for origin, found in self._sign_ins.items():
            if found.pool_id == pool.id and found.sub == user.id:
                self._sign_ins[origin] = replace(found, revoked=True)
        pool.sign_out(user.username)  # moto forgets them too, so its own checks agree

    def disable(self, pool: CognitoIdpUserPool, user: CognitoIdpUser) -> None:
        """AdminDisableUser: the user's access tokens are revoked; refresh tokens wait for AdminEnableUser."""
        for origin, found in self._sign_ins.items():
            if found.pool_id == pool.id and found.sub == user.id:
                self._sign_ins[origin] = replace(found, access_cut=len(found.issued))

    # ------------------------------------------------------------ checking
    def check_access(self, token: str) -> Caller:
        """Who a live access token speaks for, or Cognito's refusal."""
        pool, claims = self._verified(self.pools(), token, "Invalid Access Token")
        if claims.get("token_use") != "access":
            raise _not_authorized("Invalid Access Token")
        if int(claims.get("exp", 0)) <= self.clock():
            raise _not_authorized("Access Token has expired")
        found = self._sign_ins.get(str(claims.get("origin_jti", "")))
        if found is None or found.pool_id != pool.id or found.sub != claims.get("sub"):
            raise _not_authorized("Invalid Access Token")
        user = self._owner(pool, found)
        issued = next((i for i, entry in enumerate(found.issued) if entry[1] == token), None)
        if issued is None:
            raise _not_authorized("Invalid Access Token")
        if found.revoked or issued < found.access_cut:
            raise _not_authorized("Access Token has been revoked")
        return Caller(pool, user, found.client_id)

    def id_token_active(self, pool: CognitoIdpUserPool, claims: Mapping[str, Any]) -> bool:
        """The identity pool's server-side check of a (signature-checked) ID token."""
        found = self._sign_ins.get(str(claims.get("origin_jti", "")))
        if found is None or found.pool_id != pool.id or found.sub != claims.get("sub") or found.revoked:
            return False
        user = pool.users.get(found.username)
        return user is not None and user.id == found.sub and bool(user.enabled)

    def _owner(self, pool: CognitoIdpUserPool, found: SignIn) -> CognitoIdpUser:
        user = pool.users.get(found.username)
        if user is None or user.id != found.sub:
            raise _gone()
        return user

    @staticmethod
    def _verified(
        pools: Mapping[str, CognitoIdpUserPool], token: str, refusal: str
    ) -> tuple[CognitoIdpUserPool, dict[str, Any]]:
        try:
            issuer = str(jwt.decode(token, options={"verify_signature": False}).get("iss", ""))
            pool = pools.get(issuer.rsplit("/", 1)[-1])
            if pool is None or issuer != f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}":
                raise _not_authorized(refusal)
            key = PyJWK(public_jwks(pool)["keys"][0]).key
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=["RS256"], options={"verify_exp": False, "verify_aud": False}
            )
        except jwt.PyJWTError:
            raise _not_authorized(refusal) from None
        return pool, claims

    # ------------------------------------------------------------ memory
    def _sweep(self) -> None:
        now = self.clock()
        if now - self._swept < SWEEP_SECONDS:
            return
        self._swept = now
        pools = self.pools()
        for origin, found in list(self._sign_ins.items()):
            pool = pools.get(found.pool_id)
            expired = [entry for entry in found.issued if entry[0] <= now - ACCESS_SECONDS]
            for _, access, id_token in expired if pool else ():
                pool.access_tokens.pop(access, None)  # type: ignore[union-attr]
                pool.id_tokens.pop(id_token, None)  # type: ignore[union-attr]
            if pool is None or found.refresh_expires_at <= now:
                del self._sign_ins[origin]
                self._by_refresh.pop(found.refresh_token, None)
                if pool is not None:
                    pool.refresh_tokens.pop(found.refresh_token, None)
            elif expired:
                cut = max(0, found.access_cut - len(expired))
                self._sign_ins[origin] = replace(found, issued=found.issued[len(expired) :], access_cut=cut)
