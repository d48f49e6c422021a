"""Cognito identity pools (the enhanced flow), played here in full: moto's are a stub.

GetId and GetCredentialsForIdentity check each login token as Cognito does (the user pool's
signature, issuer, audience, expiry, a provider this pool lists, and, with ServerSideTokenCheck, that
the user pool still holds the sign-in), give each user one stable identity id, pick the role by the
pool's role mapping (Token or Rules, with AmbiguousRoleResolution), check the role's trust policy
(``aud`` and ``amr``), and issue credentials of that role that the local STS and API know.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import jwt
from jwt import PyJWK

from groupgate.local import iam, journal
from groupgate.local.credentials import CredentialStore
from groupgate.local.protocol import Answer, AwsError, json_answer

INVALID_CONFIGURATION = "Invalid identity pool configuration. Check assigned IAM roles for this pool."
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"


class UserPoolDirectory(Protocol):
    """What the identity pools ask of the user pools."""

    def jwks(self, pool_id: str) -> Mapping[str, Any] | None: ...
    def id_token_active(self, pool_id: str, claims: Mapping[str, Any]) -> bool: ...


class RoleDirectory(Protocol):
    """What the identity pools ask of IAM: a role's trust policy and id, by ARN."""

    def role(self, role_arn: str) -> tuple[str, str] | None: ...  # (trust policy JSON, role id)


@dataclass
class Pool:
    id: str
    name: str
    allow_unauthenticated: bool
    allow_classic: bool
    providers: list[dict[str, Any]]
    login_providers: dict[str, str]
    roles: dict[str, str] = field(default_factory=dict)
    role_mappings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "IdentityPoolId": self.id,
            "IdentityPoolName": self.name,
            "AllowUnauthenticatedIdentities": self.allow_unauthenticated,
            "AllowClassicFlow": self.allow_classic,
            "CognitoIdentityProviders": self.providers,
            "SupportedLoginProviders": self.login_providers,
        }


def _not_authorized(message: str) -> AwsError:
    return AwsError("NotAuthorizedException", message)


class IdentityPools:
    def __init__(
        self,
        *,
        region: str,
        account_id: str,
        user_pools: UserPoolDirectory,
        roles: RoleDirectory,
        credentials: CredentialStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.region, self.account_id = region, account_id
        self.user_pools, self.roles, self.credentials = user_pools, roles, credentials
        self.clock = clock
        self._pools: dict[str, Pool] = {}
        self._identities: dict[str, tuple[str, str | None]] = {}  # identity id -> (pool id, login key or None)
        self._by_login: dict[tuple[str, str], str] = {}  # (pool id, "provider|sub") -> identity id
        self._lock = threading.RLock()
        self.operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "CreateIdentityPool": self.create_identity_pool,
            "DescribeIdentityPool": self.describe_identity_pool,
            "UpdateIdentityPool": self.update_identity_pool,
            "DeleteIdentityPool": self.delete_identity_pool,
            "ListIdentityPools": self.list_identity_pools,
            "SetIdentityPoolRoles": self.set_identity_pool_roles,
            "GetIdentityPoolRoles": self.get_identity_pool_roles,
            "GetId": self.get_id,
            "GetCredentialsForIdentity": self.get_credentials_for_identity,
            "GetOpenIdToken": self.get_open_id_token,
        }

    # ------------------------------------------------------------ the door
    def call(self, operation: str, request: dict[str, Any], moto: Callable[[], Answer]) -> Answer:
        """Answer one operation, its request already checked against botocore's model (``shapes``): under
        the lock, with every write undone if it fails unexpectedly (``journal``). moto's identity pools are a
        stub, so what is not answered here is refused, not passed on."""
        handler = self.operations.get(operation)
        if handler is None:
            raise AwsError("UnknownOperationException", f"{operation} is not served by the local identity pool")
        with self._lock:
            snapshot = journal.Snapshot([self, *self._pools.values(), self.credentials])
            try:
                return json_answer(handler(request))
            except AwsError:
                raise
            except Exception:
                snapshot.restore()
                raise

    # ------------------------------------------------------------ pools
    def _pool(self, pool_id: str) -> Pool:
        pool = self._pools.get(pool_id)
        if pool is None:
            raise AwsError("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")
        return pool

    def create_identity_pool(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = Pool(
            id=f"{self.region}:{uuid.uuid4()}",
            name=request.get("IdentityPoolName", ""),
            allow_unauthenticated=bool(request.get("AllowUnauthenticatedIdentities", False)),
            allow_classic=bool(request.get("AllowClassicFlow", False)),
            providers=[dict(p) for p in request.get("CognitoIdentityProviders", [])],
            login_providers=dict(request.get("SupportedLoginProviders") or {}),
        )
        with self._lock:
            self._pools[pool.id] = pool
        return pool.describe()

    def describe_identity_pool(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._pool(request.get("IdentityPoolId", "")).describe()

    def update_identity_pool(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool(request.get("IdentityPoolId", ""))
        pool.name = request.get("IdentityPoolName", pool.name)
        pool.allow_unauthenticated = bool(request.get("AllowUnauthenticatedIdentities", pool.allow_unauthenticated))
        pool.allow_classic = bool(request.get("AllowClassicFlow", pool.allow_classic))
        pool.providers = [dict(p) for p in request.get("CognitoIdentityProviders", pool.providers)]
        return pool.describe()

    def delete_identity_pool(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._pools.pop(self._pool(request.get("IdentityPoolId", "")).id)
        return {}

    def list_identity_pools(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"IdentityPools": [{"IdentityPoolId": p.id, "IdentityPoolName": p.name} for p in self._pools.values()]}

    def set_identity_pool_roles(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool(request.get("IdentityPoolId", ""))
        roles = dict(request.get("Roles") or {})
        for kind, arn in roles.items():
            if kind not in ("authenticated", "unauthenticated"):
                raise AwsError(
                    "InvalidParameterException", f"Roles key {kind!r} must be authenticated or unauthenticated"
                )
            if self.roles.role(arn) is None:
                raise AwsError("InvalidParameterException", f"Role {arn} does not exist")
        mappings = dict(request.get("RoleMappings") or {})
        for provider, mapping in mappings.items():
            if mapping.get("Type") not in ("Token", "Rules"):
                raise AwsError("InvalidParameterException", f"RoleMapping for {provider}: Type must be Token or Rules")
            if mapping.get("AmbiguousRoleResolution") not in ("AuthenticatedRole", "Deny"):
                raise AwsError(
                    "InvalidParameterException",
                    f"RoleMapping for {provider}: AmbiguousRoleResolution must be AuthenticatedRole or Deny",
                )
        pool.roles, pool.role_mappings = roles, mappings
        return {}

    def get_identity_pool_roles(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool(request.get("IdentityPoolId", ""))
        return {"IdentityPoolId": pool.id, "Roles": pool.roles, "RoleMappings": pool.role_mappings}

    # ------------------------------------------------------------ identities
    def _login(self, pool: Pool, logins: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        """(provider, verified claims) of the one login given."""
        if len(logins) != 1:
            raise AwsError("InvalidParameterException", "Exactly one login is supported by this local identity pool")
        provider, token = next(iter(logins.items()))
        listed = [p for p in pool.providers if p.get("ProviderName") == provider]
        if not listed:
            raise _not_authorized("Token is not from a supported provider of this identity pool.")
        claims = self._verified(provider, token, listed)
        return provider, claims

    def _verified(self, provider: str, token: str, listed: list[dict[str, Any]]) -> dict[str, Any]:
        pool_id = provider.rsplit("/", 1)[-1]
        jwks = self.user_pools.jwks(pool_id)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _not_authorized("Invalid login token. Not a valid OpenId Connect identity token.") from None
        key = next((k for k in (jwks or {}).get("keys", []) if k.get("kid") == header.get("kid")), None)
        if key is None:
            raise _not_authorized("Invalid login token. Couldn't verify signed token.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token, PyJWK(key).key, algorithms=["RS256"], options={"verify_exp": False, "verify_aud": False}
            )
        except jwt.PyJWTError:
            raise _not_authorized("Invalid login token. Couldn't verify signed token.") from None
        if claims.get("iss") != f"https://{provider}":
            raise _not_authorized("Invalid login token. Issuer doesn't match providerName")
        now = int(self.clock())
        if int(claims.get("exp", 0)) <= now:
            raise _not_authorized(f"Invalid login token. Token expired: {now} >= {claims.get('exp')}")
        if claims.get("token_use") != "id":
            raise _not_authorized("Invalid login token. Not a valid OpenId Connect identity token.")
        entry = next((p for p in listed if p.get("ClientId") == claims.get("aud")), None)
        if entry is None:
            raise _not_authorized("Invalid login token. Incorrect token audience.")
        if entry.get("ServerSideTokenCheck") and not self.user_pools.id_token_active(pool_id, claims):
            # AWS does not document this message; the refusal itself is documented.
            raise _not_authorized(
                "Invalid login token. The user pool no longer honours this token (signed out or revoked)."
            )
        return claims

    def get_id(self, request: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool(request.get("IdentityPoolId", ""))
        logins = request.get("Logins") or {}
        if not logins:
            if not pool.allow_unauthenticated:
                raise _not_authorized("Unauthenticated access is not supported for this identity pool.")
            guest = f"{self.region}:{uuid.uuid4()}"
            with self._lock:
                self._identities[guest] = (pool.id, None)
            return {"IdentityId": guest}
        provider, claims = self._login(pool, logins)
        login_key = f"{provider}|{claims['sub']}"
        with self._lock:
            known = self._by_login.get((pool.id, login_key))
            if known is None:
                known = f"{self.region}:{uuid.uuid4()}"
                self._by_login[(pool.id, login_key)] = known
                self._identities[known] = (pool.id, login_key)
        return {"IdentityId": known}

    def get_credentials_for_identity(self, request: dict[str, Any]) -> dict[str, Any]:
        identity = request.get("IdentityId", "")
        with self._lock:
            found = self._identities.get(identity)
        if found is None:
            raise AwsError("ResourceNotFoundException", f"Identity '{identity}' not found.")
        pool = self._pool(found[0])
        logins = request.get("Logins") or {}
        if not logins:
            if found[1] is not None:
                raise _not_authorized(
                    "Logins don't match. Please include at least one valid login for this identity or identity pool."
                )
            if not pool.allow_unauthenticated:
                raise _not_authorized("Unauthenticated access is not supported for this identity pool.")
            role = pool.roles.get("unauthenticated")
            if not role:
                raise AwsError("InvalidIdentityPoolConfigurationException", INVALID_CONFIGURATION)
            return self._issue(pool, identity, role, ["unauthenticated"])
        provider, claims = self._login(pool, logins)
        if found[1] != f"{provider}|{claims['sub']}":
            raise _not_authorized(
                "Logins don't match. Please include at least one valid login for this identity or identity pool."
            )
        role = self._choose_role(pool, provider, claims, request.get("CustomRoleArn"))
        # The amr values Cognito puts in the web identity for a user pool sign-in.
        amr = ["authenticated", provider, f"{provider}:CognitoSignIn:{claims['sub']}"]
        return self._issue(pool, identity, role, amr)

    def get_open_id_token(self, request: dict[str, Any]) -> dict[str, Any]:
        raise AwsError(
            "InvalidParameterException",
            "Basic (classic) authflow is not supported by the local identity pool; AllowClassicFlow is off here, as "
            "it should be",
        )

    # ------------------------------------------------------------ the role
    def _choose_role(self, pool: Pool, provider: str, claims: Mapping[str, Any], custom: str | None) -> str:
        key = f"{provider}:{claims.get('aud')}"
        mapping = pool.role_mappings.get(key)
        if mapping is None:
            default = pool.roles.get("authenticated")
            if not default:
                raise AwsError("InvalidIdentityPoolConfigurationException", INVALID_CONFIGURATION)
            return default
        if mapping["Type"] == "Token" and custom and custom not in _roles(claims):
            # A custom role the token does not offer is refused, whatever the ambiguous resolution.
            raise _not_authorized(f"The role mapping rules for: {provider} do not allow the custom role {custom}.")
        chosen = _token_role(claims, custom) if mapping["Type"] == "Token" else _rules_role(mapping, claims)
        if chosen and mapping["Type"] == "Rules" and custom and custom != chosen:
            raise _not_authorized(f"The role mapping rules for: {provider} do not allow the custom role {custom}.")
        if chosen:
            return chosen
        if mapping["AmbiguousRoleResolution"] == "AuthenticatedRole" and pool.roles.get("authenticated"):
            return pool.roles["authenticated"]
        raise _not_authorized(f"The ambiguous role mapping rules for: {provider} denied this request.")

    def _issue(self, pool: Pool, identity: str, role_arn: str, amr: list[str]) -> dict[str, Any]:
        found = self.roles.role(role_arn)
        context = {f"{COGNITO_IDENTITY}:aud": [pool.id], f"{COGNITO_IDENTITY}:amr": amr}
        if found is None or not iam.trusts(found[0], federated=COGNITO_IDENTITY, action=WEB_IDENTITY, context=context):
            raise AwsError("InvalidIdentityPoolConfigurationException", INVALID_CONFIGURATION)
        issued = self.credentials.issue(
            role_arn,
            found[1],
            now=datetime.fromtimestamp(self.clock(), UTC),
            identity=(identity, pool.id),
            amr=tuple(amr),
        )
        return {
            "IdentityId": identity,
            "Credentials": {
                "AccessKeyId": issued.access_key_id,
                "SecretKey": issued.secret_access_key,
                "SessionToken": issued.session_token,
                "Expiration": issued.expires_at.timestamp(),
            },
        }


def _roles(claims: Mapping[str, Any]) -> list[str]:
    roles = claims.get("cognito:roles") or []
    return [roles] if isinstance(roles, str) else [str(r) for r in roles]


def _token_role(claims: Mapping[str, Any], custom: str | None) -> str | None:
    """Role mapping Type Token: the custom role if the token offers it, else the preferred role, else the
    only role; None when that is ambiguous."""
    roles = _roles(claims)
    if custom:
        return custom if custom in roles else None
    preferred = claims.get("cognito:preferred_role")
    if preferred:
        return str(preferred)
    return str(roles[0]) if len(roles) == 1 else None


def _rules_role(mapping: Mapping[str, Any], claims: Mapping[str, Any]) -> str | None:
    """Role mapping Type Rules: the first rule whose claim matches."""
    for rule in (mapping.get("RulesConfiguration") or {}).get("Rules", []):
        value = claims.get(rule.get("Claim", ""))
        if value is None:
            continue  # a rule on a claim the token lacks is not evaluated (Cognito developer guide)
        values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        wanted, match = str(rule.get("Value", "")), rule.get("MatchType")
        matched = (
            (match == "Equals" and wanted in values and len(values) == 1)
            or (match == "Contains" and any(wanted in v for v in values))
            or (match == "StartsWith" and any(v.startswith(wanted) for v in values))
            or (match == "NotEqual" and values != [wanted])
        )
        if matched:
            return str(rule.get("RoleARN"))
    return None
