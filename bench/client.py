"""The client from a user's side (``make bench``'s client rows): a warm ``groupgate call GET /`` from a new process
beside awscurl making the same signed call with the same kind of credentials (temporary ones, with a session
token), interleaved; what the warm call's start-up still imports, module by module; and the round trips and time
of a sign-in, a re-login and the two kinds of renewal, counted at the local cloud's listeners."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from groupgate.cache import SessionCache
from groupgate.session import CREDENTIALS_MARGIN_SECONDS, Session

ROOT = Path(__file__).resolve().parents[1]
AWSCURL = ROOT / ".tools" / "awscurl" / "bin" / "awscurl"
SCRIPT = Path(sys.executable).parent / "groupgate"


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our tools
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0 or "hello!" not in done.stdout:
        raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")
    return elapsed


def compiled() -> None:
    """groupgate's modules byte-compiled, as pip leaves an installed package (and awscurl's): this machine sets
    PYTHONDONTWRITEBYTECODE, so the editable install would otherwise compile them anew in every process."""
    import compileall  # noqa: PLC0415

    compileall.compile_dir(ROOT / "src" / "groupgate", quiet=1)


def warm_against_awscurl(outputs_file: Path, cache: Path, session: Session, runs: int) -> dict[str, list[float]]:
    """Each tool ``runs`` times, alternately, from a new process: milliseconds from start to exit. awscurl signs
    with the session's own temporary credentials."""
    compiled()
    credentials = session.credentials()
    ours = [str(SCRIPT), "--outputs", str(outputs_file), "call", "GET", "/"]
    theirs = [str(AWSCURL), "--service", "execute-api", "--region", session.region,
              "--access_key", credentials.access_key_id, "--secret_key", credentials.secret_access_key,
              "--session_token", credentials.session_token, session.api_url]  # fmt: skip
    env = {**os.environ, "GROUPGATE_CACHE_DIR": str(cache)}
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    times: dict[str, list[float]] = {"groupgate": [], "awscurl": []}
    _run(ours, env), _run(theirs, env)  # once each, unmeasured: the page cache, .pyc files
    for _ in range(runs):
        times["groupgate"].append(_run(ours, env))
        times["awscurl"].append(_run(theirs, env))
    return times


def import_profile(outputs_file: Path, cache: Path, runs: int = 5) -> list[tuple[str, float]]:
    """What a warm call imports, by top-level package: the median over ``runs`` of the microseconds each one's
    modules took themselves (``python -X importtime``'s self column), largest first."""
    compiled()
    totals: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        done = subprocess.run(  # noqa: S603 - the console script under importtime
            [sys.executable, "-X", "importtime", str(SCRIPT), "--outputs", str(outputs_file), "call", "GET", "/"],
            env={**os.environ, "GROUPGATE_CACHE_DIR": str(cache)}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        run: dict[str, float] = defaultdict(float)
        for line in done.stderr.splitlines():
            if line.startswith("import time:") and "imported package" not in line:
                own, _, name = line.removeprefix("import time:").split("|")
                package = name.strip().split(".")[0]
                run[
                    "groupgate." + name.strip().split(".")[1] if package == "groupgate" and "." in name else package
                ] += float(own)
        for package, micros in run.items():
            totals[package].append(micros)
    return sorted(((p, statistics.median(v)) for p, v in totals.items()), key=lambda item: -item[1])


def round_trips(outputs_file: Path, username: str, password: str, answered: Callable[[], int]) -> list[dict[str, Any]]:
    """Sign-in, re-login and renewal, each followed by one signed GET: its round trips (every listener of the
    local cloud, the API's included) and milliseconds."""
    found = []

    def measure(what: str, step: Callable[[], Any], caller: Session) -> None:
        before, started = answered(), time.perf_counter()
        step()
        status = requests.get(caller.api_url, auth=caller.auth(), timeout=10).status_code
        found.append({"what": what, "trips": answered() - before, "ms": (time.perf_counter() - started) * 1000,
                      "status": status})  # fmt: skip

    with tempfile.TemporaryDirectory() as folder:
        cache = SessionCache(Path(folder))

        def now() -> Session:  # a new process's session, on the real clock: it finds what the step cached
            return Session.from_outputs(outputs_file, cache=cache)

        first = now()
        measure("sign-in (no cached session)", lambda: first.login(username, password), first)
        again = now()
        measure("re-login (the identity id cached)", lambda: again.login(username, password), again)
        expires = again.credentials().expires_at
        near = Session.from_outputs(outputs_file, cache=cache, clock=lambda: expires - CREDENTIALS_MARGIN_SECONDS + 60)
        measure("renewal, ID token still valid", near.credentials, now())
        late = expires + 24 * 3600  # the ID token (60 min) has expired too; the refresh token (7 days) has not
        stale = Session.from_outputs(outputs_file, cache=cache, clock=lambda: late)
        measure("renewal, ID token expired", stale.credentials, now())
    return found
