"""The session cache: tokens, identity id and temporary credentials, per user pool and user.

Files live in the user's cache directory (``GROUPGATE_CACHE_DIR`` overrides it), one JSON file per
user under a folder per user pool, readable by the user only (0600 in a 0700 folder), written whole
or not at all. Passwords are never cached. A file that is not a session of this format, field by field, is
no session; one that other users could read or change is refused and removed, as ssh refuses a private key
others can read (its tokens and keys may be someone else's by now, or another's to read).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from groupgate.errors import SessionExpired

FORMAT_VERSION = 1
NUMBER = (int, float)
SESSION_FIELDS: dict[str, Any] = {
    "username": str, "user_pool_id": str, "client_id": str, "identity_pool_id": str, "region": str,
    "id_token": str, "access_token": str, "refresh_token": str, "tokens_expire_at": NUMBER,
}  # fmt: skip
CREDENTIAL_FIELDS: dict[str, Any] = {"access_key_id": str, "secret_access_key": str, "session_token": str,
                                     "expires_at": NUMBER}  # fmt: skip
OTHERS = 0o077  # group and other permission bits: none may be set on a session file


class DamagedSession(ValueError):
    """A cached file that is not a session of this format; the message names the field."""


def _fields(data: Any, wanted: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``data``'s ``wanted`` fields, each of its type (a number finite, never a boolean)."""
    if not isinstance(data, dict):
        raise DamagedSession(f"{where} is not an object")
    found = {}
    for name, kind in wanted.items():
        value = data.get(name)
        bad = isinstance(value, bool) or not isinstance(value, kind)
        if bad or (kind is NUMBER and not math.isfinite(value)):  # type: ignore[arg-type]
            raise DamagedSession(f"{where}.{name} is {value!r}")
        found[name] = value
    return found


@dataclass(frozen=True)
class Credentials:
    """Temporary AWS credentials, as the identity pool gives them and requests are signed with."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: float  # epoch seconds


@dataclass
class CachedCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: float


@dataclass
class CachedSession:
    username: str  # the user pool's user name (cognito:username)
    user_pool_id: str
    client_id: str
    identity_pool_id: str
    region: str
    id_token: str
    access_token: str
    refresh_token: str
    tokens_expire_at: float
    identity_id: str | None = None
    credentials: CachedCredentials | None = None
    login_names: list[str] = field(default_factory=list)  # names the user signed in with (an email alias...)

    @classmethod
    def from_json(cls, data: Any) -> CachedSession:
        """The session a file holds, or ``DamagedSession`` if any field is missing or of another type."""
        values = _fields(data, SESSION_FIELDS, "session")
        if data.get("version") != FORMAT_VERSION:
            raise DamagedSession(f"session.version is {data.get('version')!r}, not {FORMAT_VERSION}")
        identity_id, names, credentials = data.get("identity_id"), data.get("login_names", []), data.get("credentials")
        if identity_id is not None and not isinstance(identity_id, str):
            raise DamagedSession(f"session.identity_id is {identity_id!r}")
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise DamagedSession(f"session.login_names is {names!r}")
        return cls(
            **values, identity_id=identity_id, login_names=names,
            credentials=None if credentials is None else CachedCredentials(
                **_fields(credentials, CREDENTIAL_FIELDS, "session.credentials")),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, **asdict(self)}


def default_root(environ: Mapping[str, str] | None = None) -> Path:
    override = (os.environ if environ is None else environ).get("GROUPGATE_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs  # noqa: PLC0415 - only where GROUPGATE_CACHE_DIR does not say

    return Path(platformdirs.user_cache_dir("groupgate", appauthor=False))


class SessionCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_root()

    def _pool_dir(self, user_pool_id: str) -> Path:
        return self.root / quote(user_pool_id, safe="")

    def path(self, user_pool_id: str, username: str) -> Path:
        return self._pool_dir(user_pool_id) / f"user-{quote(username.lower(), safe='')}.json"

    def load(self, user_pool_id: str, name: str) -> CachedSession | None:
        """The session of user ``name`` (a user name or a name they signed in with), if one is cached."""
        direct = self._read(self.path(user_pool_id, name))
        if direct is not None:
            return direct
        pool_dir = self._pool_dir(user_pool_id)
        for candidate in sorted(pool_dir.glob("user-*.json")) if pool_dir.is_dir() else []:
            session = self._read(candidate)
            if session is not None and name.lower() in (n.lower() for n in session.login_names):
                return session
        return None

    def _read(self, path: Path) -> CachedSession | None:
        try:
            _refuse_if_shared(path)
            return CachedSession.from_json(json.loads(path.read_text()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # unreadable, damaged or from another version: as good as no session

    def save(self, session: CachedSession) -> Path:
        path = self.path(session.user_pool_id, session.username)
        self._write(path, json.dumps(session.to_json(), indent=1))
        return path

    def delete(self, session: CachedSession) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(session.user_pool_id, session.username).unlink()
        if self.current(session.user_pool_id) == session.username:
            with contextlib.suppress(FileNotFoundError):
                (self._pool_dir(session.user_pool_id) / "current").unlink()

    def current(self, user_pool_id: str) -> str | None:
        """The user who signed in last in this user pool."""
        try:
            return (self._pool_dir(user_pool_id) / "current").read_text().strip() or None
        except OSError:
            return None

    def set_current(self, user_pool_id: str, username: str) -> None:
        self._write(self._pool_dir(user_pool_id) / "current", username)

    def _write(self, path: Path, text: str) -> None:
        # Folders this creates are the user's only; a folder that exists (GROUPGATE_CACHE_DIR, say) is
        # left as it is, but the pool folder inside it is made 0700.
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700)
        if path.parent != self.root:
            path.parent.chmod(0o700)
        # Created 0600 from the start, filled, then renamed over the old file: never readable by
        # others, never half written.
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


def _refuse_if_shared(path: Path) -> None:
    """A session file other users could read or change is removed, and refused in one line (``SessionExpired``)."""
    if os.name == "nt":  # Windows keeps access in ACLs, which the mode does not show
        return
    found = os.stat(path)  # FileNotFoundError: no session
    if found.st_mode & OTHERS or found.st_uid != os.getuid():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        whose = "" if found.st_uid == os.getuid() else f", owned by user {found.st_uid}"
        raise SessionExpired(
            f"{path} could be read or changed by other users (mode {found.st_mode & 0o777:04o}{whose}), so it was "
            "removed: log in again"
        )
