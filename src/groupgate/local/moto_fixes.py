"""Every change the local cloud makes to moto's own behaviour, in one place.

moto (pinned in requirements) plays Cognito user pools and IAM. Where it differs from AWS in a way
this project's flow depends on, the difference is corrected here, each fix named and tested
(tests/local/test_moto_fixes.py):

1. ``signing_key``: moto signs every user pool's tokens with one RSA key shipped inside moto, so anyone
   could forge them; each pool here gets a key of its own (made ahead, ``KeySupply``).
2. ``role_claims``: moto's ID tokens have ``cognito:groups`` (in no particular order) but neither
   ``cognito:roles`` nor ``cognito:preferred_role``; here groups come in precedence order, with the roles
   of the groups that have one and the preferred role of the group with the lowest precedence (absent
   when groups of that precedence carry different roles), as Cognito documents.
3. ``readable_attributes``: an app client without ``ReadAttributes`` reads every attribute in Cognito, so
   its ID tokens carry the user's email and the rest; moto then puts none in them.
4. ``bucket_policies_kept_not_enforced``: moto enforces a bucket policy's Deny statements, and can evaluate no
   condition, so the SAM CLI's managed bucket (which denies requests without TLS: ``aws:SecureTransport``)
   refuses every upload on the local endpoint, which is plain HTTP. Bucket policies are kept (GetBucketPolicy
   answers them) but not enforced, as the README says.

Everything else the local cloud adds (SRP password checks, challenge sessions, tokens bound to their user,
lockouts, codes, triggers, the identity pool, the API) sits in front of moto, in its own modules, and does not
change moto. The user pool package (``cognitoidp``) does read and set moto's user pool state directly
(``users``, ``groups``, ``refresh_tokens``, ``access_tokens``, ``create_refresh_token``,
``create_tokens_from_refresh_token``, ``sign_out``, ``_validate_password``): that is why moto is pinned to one
version, and why tests/local and tests/hostile cover each use.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from joserfc.jwk import RSAKey
from moto.cognitoidp.models import (
    CognitoIdpUserPool,
    CognitoIdpUserPoolAttribute,
    CognitoIdpUserPoolClient,
)
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

_applied = False


class KeySupply:
    """RSA keys for new user pools, one always made ahead on a thread of its own: making a 2048-bit key takes
    from a tenth of a second to most of one, which would otherwise be spent inside the CreateUserPool call."""

    def __init__(self) -> None:
        self._ready: queue.Queue[RSAKey] = queue.Queue(maxsize=1)
        self._started = False
        self._lock = threading.Lock()

    def _make(self) -> None:
        while True:
            self._ready.put(RSAKey.generate_key(2048, private=True))  # blocks while one is waiting

    def start(self) -> None:
        with self._lock:
            if not self._started:
                self._started = True
                threading.Thread(target=self._make, daemon=True, name="user-pool-keys").start()

    def take(self) -> RSAKey:
        self.start()
        return self._ready.get()


KEYS = KeySupply()


class GroupLike(Protocol):
    """What the claims need of a group (moto's CognitoIdpGroup has it)."""

    @property
    def group_name(self) -> str: ...
    @property
    def precedence(self) -> int | None: ...
    @property
    def role_arn(self) -> str | None: ...


def _precedence(group: GroupLike) -> tuple[int, int, str]:
    # A group without precedence ranks after every group with one.
    return (1, 0, group.group_name) if group.precedence is None else (0, int(group.precedence), group.group_name)


def role_claims(groups: Iterable[GroupLike]) -> dict[str, Any]:
    """``cognito:groups``, ``cognito:roles`` and ``cognito:preferred_role`` for a user's groups."""
    ordered = sorted(groups, key=_precedence)
    claims: dict[str, Any] = {}
    if not ordered:
        return claims
    claims["cognito:groups"] = [group.group_name for group in ordered]
    with_roles = [group for group in ordered if group.role_arn]
    if with_roles:
        claims["cognito:roles"] = list(dict.fromkeys(group.role_arn for group in with_roles))
        best = _precedence(with_roles[0])[:2]
        tied = {group.role_arn for group in with_roles if _precedence(group)[:2] == best}
        if len(tied) == 1:
            claims["cognito:preferred_role"] = tied.pop()
    return claims


def apply() -> None:
    """Apply the fixes (once per process)."""
    global _applied  # noqa: PLW0603 - patches are process-wide by nature
    if _applied:
        return
    _applied = True
    KEYS.start()

    original_init: Callable[..., None] = CognitoIdpUserPool.__init__
    original_create_jwt: Callable[..., tuple[str, int]] = CognitoIdpUserPool.create_jwt

    def init_with_own_key(self: CognitoIdpUserPool, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.json_web_key = KEYS.take()

    def create_jwt_with_roles(
        self: CognitoIdpUserPool, client_id: str, username: str, token_use: str, *args: Any, **kwargs: Any
    ) -> tuple[str, int]:
        # moto's signature: (client_id, username, token_use, expires_in=3600, extra_data=None)
        expires_in = args[0] if args else kwargs.get("expires_in", 60 * 60)
        extra = dict((args[1] if len(args) > 1 else kwargs.get("extra_data")) or {})
        claims = role_claims(self._get_user(username).groups)
        extra.pop("cognito:groups", None)
        # Access tokens carry the groups; only ID tokens carry the roles.
        extra.update(claims if token_use == "id" else {k: v for k, v in claims.items() if k == "cognito:groups"})  # noqa: S105
        return original_create_jwt(self, client_id, username, token_use, expires_in, extra)

    def readable_attributes(self: CognitoIdpUserPoolClient) -> list[str]:
        return list(self.extended_config.get("ReadAttributes") or CognitoIdpUserPoolAttribute.STANDARD_SCHEMA)

    def bucket_policies_kept_not_enforced(self: FakeBucket, action: str, resource: str) -> Any:
        return PermissionResult.NEUTRAL

    FakeBucket.get_permission = bucket_policies_kept_not_enforced  # type: ignore[method-assign]
    CognitoIdpUserPool.__init__ = init_with_own_key  # type: ignore[method-assign]
    CognitoIdpUserPool.create_jwt = create_jwt_with_roles  # type: ignore[method-assign]
    CognitoIdpUserPoolClient.get_readable_fields = readable_attributes  # type: ignore[method-assign]


def public_jwks(pool: CognitoIdpUserPool) -> dict[str, Any]:
    """The pool's JSON Web Key Set, as ``/<poolId>/.well-known/jwks.json`` serves it."""
    key = pool.json_web_key.as_dict(private=False)
    return {"keys": [{**key, "kid": "dummy", "alg": "RS256", "use": "sig"}]}  # moto's tokens name kid "dummy"
