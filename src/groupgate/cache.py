"""The session cache: tokens, identity id and temporary credentials, per user pool and user.

Files live in the user's cache directory (``GROUPGATE_CACHE_DIR`` overrides it), one JSON file per
user under a folder per user pool, readable by the user only (0600 in a 0700 folder), written whole
or not at all. Passwords are never cached.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import platformdirs

FORMAT_VERSION = 1


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
    def from_json(cls, data: dict[str, Any]) -> CachedSession:
        values = dict(data)
        values.pop("version", None)
        credentials = values.pop("credentials", None)
        session = cls(**values)
        session.credentials = CachedCredentials(**credentials) if credentials else None
        return session

    def to_json(self) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, **asdict(self)}


def default_root(environ: Mapping[str, str] | None = None) -> Path:
    override = (os.environ if environ is None else environ).get("GROUPGATE_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("groupgate", appauthor=False))


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
            return CachedSession.from_json(json.loads(path.read_text()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            return None  # unreadable or from another version: as good as no session

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
