"""``Session``: sign in once, then sign requests with credentials that refresh themselves.

session = Session.from_stack("groupgate")           # or Session.from_outputs(".local/outputs.json")
session.login("alice", getpass.getpass())
requests.get(session.api_url, auth=session.auth())  # SigV4-signed with the group role's credentials
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import requests
from requests.auth import AuthBase
from requests_aws4auth import AWS4Auth

from groupgate import settings
from groupgate.cache import CachedCredentials, CachedSession, Credentials, SessionCache
from groupgate.errors import ConfigurationError, GroupgateError, SessionExpired, Unreachable
from groupgate.settings import Settings

if TYPE_CHECKING:  # sign-in and renewal import them when they run: a signed call with valid credentials never does
    from botocore.credentials import RefreshableCredentials

    from groupgate.identitypool import IdentityPool
    from groupgate.userpool import NewPasswordSource, UserPool

logger = logging.getLogger(__name__)

# Credentials are renewed when they have less than this left, as botocore's RefreshableCredentials renews them
# (its advisory refresh); while more than MANDATORY_MARGIN_SECONDS are left, a renewal that fails leaves the
# signer with the credentials it has, as botocore's does (its mandatory refresh is 10 minutes before expiry).
CREDENTIALS_MARGIN_SECONDS = 15 * 60
MANDATORY_MARGIN_SECONDS = 10 * 60
STS_NAMESPACE = "{https://sts.amazonaws.com/doc/2011-06-15/}"
# An ID token is only sent to the identity pool with at least this much life left.
TOKEN_MARGIN_SECONDS = 60

Clock = Callable[[], float]


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, for display only: the identity pool, not this client, checks tokens."""
    try:
        payload = token.split(".")[1]
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as error:
        raise GroupgateError("the cached ID token is not a JWT: log in again") from error
    return claims


class SigV4Auth(AuthBase):
    """requests-aws4auth's signer, one request at a time, with the credentials ``credentials()`` gives at that
    moment: a new signer when they were renewed (requests-aws4auth swaps keys in place, so two threads signing at
    once could otherwise pair a new key id with the old signing key)."""

    def __init__(self, credentials: Callable[[], Credentials], region: str, service: str) -> None:
        self._credentials, self._region, self._service = credentials, region, service
        self._signer: AWS4Auth | None = None
        self._key: tuple[str, str] | None = None
        self._lock = threading.Lock()

    def __call__(self, request: Any) -> Any:
        with self._lock:
            current = self._credentials()
            if self._signer is None or self._key != (current.access_key_id, current.session_token):
                self._signer = AWS4Auth(
                    current.access_key_id, current.secret_access_key, self._region, self._service,
                    session_token=current.session_token,
                )  # fmt: skip
                self._key = (current.access_key_id, current.session_token)
            return self._signer(request)


class Session:
    """A user's session with one stack: user pool, identity pool and API."""

    def __init__(
        self,
        config: Settings,
        *,
        cache: SessionCache | None = None,
        clock: Clock = time.time,
        username: str | None = None,
    ) -> None:
        self.settings = config
        self.cache = cache if cache is not None else SessionCache()
        self.clock = clock
        self._username = username
        self._state: CachedSession | None = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.RLock()  # one renewal at a time when threads share a session

    # ------------------------------------------------------------ construction
    @classmethod
    def from_outputs(cls, path: str | Path, **kwargs: Any) -> Session:
        """A session for the stack described by an outputs file (the local cloud writes one)."""
        return cls(settings.resolve(outputs_file=Path(path)), **kwargs)

    @classmethod
    def from_stack(cls, stack_name: str, *, region: str | None = None, **kwargs: Any) -> Session:
        """A session for a deployed stack, found by name with CloudFormation."""
        return cls(settings.resolve(stack_name=stack_name, options={"region": region}), **kwargs)

    @classmethod
    def from_environment(cls, **kwargs: Any) -> Session:
        """A session configured by ``GROUPGATE_*`` environment variables."""
        return cls(settings.resolve(), **kwargs)

    # ------------------------------------------------------------ parts
    @property
    def api_url(self) -> str:
        self.settings.require("api_url")
        return str(self.settings.api_url)

    @property
    def region(self) -> str:
        region = self.settings.aws_region
        if not region:
            raise ConfigurationError("no Region: give --region, or an outputs file or stack with a Region output")
        return region

    def _client(self, service: str) -> Any:
        from groupgate import aws  # noqa: PLC0415 - boto3, for sign-in and renewal only

        if service not in self._clients:
            self._clients[service] = aws.client(
                service, region=self.settings.aws_region, endpoint_url=self.settings.endpoint_url
            )
        return self._clients[service]

    def user_pool(self) -> UserPool:
        from groupgate.userpool import UserPool  # noqa: PLC0415 - pycognito and boto3, for sign-in only

        self.settings.require("user_pool_id", "client_id")
        return UserPool(
            self._client("cognito-idp"), str(self.settings.user_pool_id), str(self.settings.client_id), clock=self.clock
        )

    def identity_pool(self) -> IdentityPool:
        from groupgate.identitypool import IdentityPool, provider_name  # noqa: PLC0415 - boto3, for renewal only

        self.settings.require("user_pool_id", "identity_pool_id")
        provider = provider_name(self.region, str(self.settings.user_pool_id))
        return IdentityPool(self._client("cognito-identity"), str(self.settings.identity_pool_id), provider)

    # ------------------------------------------------------------ signing in and out
    def login(self, username: str, password: str, *, new_password: str | NewPasswordSource | None = None) -> None:
        """Sign in with SRP, then get an identity and credentials; the session is cached for next time.

        ``new_password`` answers Cognito's NEW_PASSWORD_REQUIRED challenge (an admin-created user's first
        sign-in): a string, or a function asked only when Cognito requires it.
        """
        self.settings.require("user_pool_id", "client_id", "identity_pool_id")
        source: NewPasswordSource = new_password if callable(new_password) else (lambda: new_password)
        tokens = self.user_pool().sign_in(username, password, source)
        canonical = str(unverified_claims(tokens.id_token).get("cognito:username", username))
        try:
            previous = self.cache.load(str(self.settings.user_pool_id), canonical)
        except SessionExpired:  # a file others could read: the cache removed it, and this sign-in replaces it
            previous = None
        names = {canonical, username, *(previous.login_names if previous else [])}
        state = CachedSession(
            username=canonical,
            user_pool_id=str(self.settings.user_pool_id),
            client_id=str(self.settings.client_id),
            identity_pool_id=str(self.settings.identity_pool_id),
            region=self.region,
            id_token=tokens.id_token,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            tokens_expire_at=tokens.expires_at,
            identity_id=previous.identity_id if previous else None,
            login_names=sorted(names),
        )
        self._state = state
        self._username = canonical
        self._renew_credentials(state)  # fails here, not at the first call, when the user may not have any
        self.cache.set_current(state.user_pool_id, canonical)

    def logout(self) -> str | None:
        """Forget the cached session and revoke its refresh token; returns why revoking failed, if it did."""
        state = self._load()
        problem = None
        try:
            self.user_pool().revoke(state.refresh_token)
        except GroupgateError as error:
            problem = str(error)
        self.cache.delete(state)
        self._state = None
        return problem

    # ------------------------------------------------------------ the signed-in state
    @property
    def username(self) -> str:
        return self._load().username

    @property
    def identity_id(self) -> str:
        self.credentials()
        return str(self._load().identity_id)

    def claims(self) -> dict[str, Any]:
        """The ID token's claims (groups, roles, email...), not verified: for display."""
        return unverified_claims(self._load().id_token)

    def credentials_expire_at(self) -> float | None:
        """When the cached credentials expire (epoch seconds), without renewing anything."""
        try:
            credentials = self._load().credentials
        except GroupgateError:
            return None
        return credentials.expires_at if credentials else None

    def credentials(self) -> Credentials:
        """The group role's temporary credentials, renewed when fewer than 15 minutes are left."""
        with self._lock:
            state = self._load()
            cached = state.credentials
            if cached is None or cached.expires_at - self.clock() <= CREDENTIALS_MARGIN_SECONDS:
                self._renew_credentials(state)
                cached = state.credentials
        assert cached is not None
        return Credentials(cached.access_key_id, cached.secret_access_key, cached.session_token, cached.expires_at)

    def _signing_credentials(self) -> Credentials:
        """The credentials to sign with now: renewed within the margin, and while more than the mandatory margin
        is left, the ones there are if renewing fails (botocore's RefreshableCredentials does the same)."""
        try:
            return self.credentials()
        except GroupgateError:
            cached = self._state.credentials if self._state is not None else None
            if cached is None or cached.expires_at - self.clock() <= MANDATORY_MARGIN_SECONDS:
                raise
            logger.warning("renewing the credentials failed; signing with the current ones", exc_info=True)
            return Credentials(cached.access_key_id, cached.secret_access_key, cached.session_token, cached.expires_at)

    def guest_auth(self, service: str = "execute-api") -> AuthBase:
        """A ``requests`` auth signing with the identity pool's guest credentials (no sign-in)."""
        _, credentials = self.identity_pool().guest_credentials()
        return SigV4Auth(lambda: credentials, self.region, service)

    def refreshable_credentials(self) -> RefreshableCredentials:
        """botocore credentials that ask this session for new ones before they expire (for boto3 clients)."""
        from botocore.credentials import RefreshableCredentials  # noqa: PLC0415 - botocore only when asked for

        def metadata() -> dict[str, str]:
            credentials = self.credentials()
            return {
                "access_key": credentials.access_key_id,
                "secret_key": credentials.secret_access_key,
                "token": credentials.session_token,
                "expiry_time": datetime.fromtimestamp(credentials.expires_at, UTC).isoformat(),
            }

        first = metadata()
        return RefreshableCredentials(
            access_key=first["access_key"],
            secret_key=first["secret_key"],
            token=first["token"],
            expiry_time=datetime.fromisoformat(first["expiry_time"]),
            refresh_using=metadata,
            method="groupgate-cognito-identity",
            # botocore decides when to ask for new credentials by this clock: the session's own.
            time_fetcher=lambda: datetime.fromtimestamp(self.clock(), UTC),
        )

    def auth(self, service: str = "execute-api") -> AuthBase:
        """A ``requests`` auth that signs each request with SigV4, renewing the credentials as needed."""
        return SigV4Auth(self._signing_credentials, self.region, service)

    def caller_arn(self) -> str:
        """Who AWS says these credentials are (STS GetCallerIdentity): the role actually in use. One signed POST
        of STS's query protocol, the request botocore would send, without loading botocore for it."""
        credentials = self.credentials()
        signer = AWS4Auth(credentials.access_key_id, credentials.secret_access_key, self.region, "sts",
                          session_token=credentials.session_token)  # fmt: skip
        url = self._sts_url()
        try:
            answer = requests.post(url, data={"Action": "GetCallerIdentity", "Version": "2011-06-15"}, auth=signer,
                                   timeout=(5, 15))  # fmt: skip
        except requests.RequestException as error:
            raise Unreachable(f"STS did not answer ({error}); check the network or the endpoint") from error

        try:
            document = ElementTree.fromstring(answer.content)  # noqa: S314 - STS's answer; expat refuses entity bombs
        except ElementTree.ParseError:
            raise GroupgateError(f"STS answered GetCallerIdentity with HTTP {answer.status_code}, not XML") from None
        arn = document.findtext(f".//{STS_NAMESPACE}Arn")
        if answer.ok and arn:
            return arn
        code = document.findtext(f".//{STS_NAMESPACE}Code") or f"HTTP {answer.status_code}"
        raise GroupgateError(
            f"STS refused GetCallerIdentity: {code}: {document.findtext(f'.//{STS_NAMESPACE}Message')}"
        )

    def _sts_url(self) -> str:
        """STS's endpoint as botocore picks it: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the settings' Endpoint, or
        the region's own (``sts.<region>.amazonaws.com``, ``.com.cn`` in China)."""
        for variable in ("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"):
            if os.environ.get(variable):
                return os.environ[variable]
        if self.settings.endpoint_url:
            return self.settings.endpoint_url
        suffix = "amazonaws.com.cn" if self.region.startswith("cn-") else "amazonaws.com"
        return f"https://sts.{self.region}.{suffix}/"

    # ------------------------------------------------------------ internals
    def _load(self) -> CachedSession:
        if self._state is not None:
            return self._state
        self.settings.require("user_pool_id")
        pool = str(self.settings.user_pool_id)
        name = self._username or self.cache.current(pool)
        if name is None:
            raise SessionExpired("not logged in: `groupgate login USER` first")
        state = self.cache.load(pool, name)
        if state is None:
            raise SessionExpired(f"{name} is not logged in: `groupgate login {name}` first")
        for cached, wanted, what in (
            (state.client_id, self.settings.client_id, "app client"),
            (state.identity_pool_id, self.settings.identity_pool_id, "identity pool"),
            (state.region, self.settings.aws_region, "region"),
        ):
            if wanted and cached != wanted:
                raise SessionExpired(f"{name} logged in with another {what}: `groupgate login {name}` again")
        self._state = state
        return state

    def _renew_credentials(self, state: CachedSession) -> None:
        if state.tokens_expire_at - self.clock() <= TOKEN_MARGIN_SECONDS:
            tokens = self.user_pool().refresh(state.refresh_token, state.username)
            state.id_token, state.access_token = tokens.id_token, tokens.access_token
            state.refresh_token, state.tokens_expire_at = tokens.refresh_token, tokens.expires_at
        identity = self.identity_pool()

        def new_identity() -> str:
            return identity.identity_id(state.id_token, username=state.username)

        identity_id = state.identity_id or new_identity()
        state.identity_id, credentials = identity.credentials(
            identity_id, state.id_token, username=state.username, get_id=new_identity
        )
        state.credentials = CachedCredentials(
            credentials.access_key_id, credentials.secret_access_key, credentials.session_token, credentials.expires_at
        )
        self.cache.save(state)
