"""Execution environments, as Lambda keeps them: a function's interpreter, initialised once (its module imported),
then reused for invocation after invocation, one at a time; a new one when every one is busy; an idle one
reclaimed after a while; one that crashed or timed out thrown away.

Each is a process running ``bootstrap.py``, which answers each request with the function's output and then one
line that starts with the environment's own random marker (``bootstrap.py`` says how).
"""

from __future__ import annotations

import contextlib
import json
import queue
import secrets
import subprocess
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Lambda does not publish how long it keeps an idle environment (minutes, in practice); these are the local
# cloud's choices. MAX_AGE_SECONDS keeps an environment well inside its role credentials' hour.
IDLE_SECONDS = 300.0
MAX_AGE_SECONDS = 1800.0


class Environment:
    """One execution environment of one function (the exact configuration it was started with)."""

    def __init__(self, key: object, command: Sequence[str], *, environment: dict[str, str], cwd: Path,
                 setup: dict[str, Any], stream: str, holds: object = None) -> None:  # fmt: skip
        # ``holds``: what the key names (a function), kept alive so that an id in the key is not reused meanwhile
        self.key, self.stream, self.holds = key, stream, holds
        self.marker = secrets.token_hex(16)
        self.created = self.used = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - the runtime's interpreter and our bootstrap
            list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=environment, cwd=cwd, bufsize=1,
        )  # fmt: skip
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name="lambda-environment").start()
        self._send({**setup, "marker": self.marker})

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _send(self, message: dict[str, Any]) -> bool:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message, default=str) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return False
        return True

    def exchange(self, request: dict[str, Any] | None, limit: float) -> tuple[list[str], dict[str, Any] | None, bool]:
        """Send ``request`` (None: wait for the init's answer) and collect the output until the answer, for at
        most ``limit`` seconds. Returns the output's lines, the outcome (None if the process ended without one)
        and whether the limit ran out (the environment is then stopped)."""
        if request is not None and not self._send(request):
            return [], None, False
        deadline = time.monotonic() + limit
        lines: list[str] = []
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                return lines, None, False
            if line.startswith(self.marker + " "):
                self.used = time.monotonic()
                outcome: dict[str, Any] = json.loads(line[len(self.marker) + 1 :])
                return lines, outcome, False
            lines.append(line)
        self.close()
        return lines, None, True

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


class Pool:
    """Every function's idle environments, and every live one (so that stop() ends them all)."""

    def __init__(self) -> None:
        self._idle: dict[object, list[Environment]] = {}
        self._live: set[Environment] = set()
        self._lock = threading.Lock()
        self._reaper: threading.Thread | None = None
        self._stopped = threading.Event()

    def take(self, key: object) -> Environment | None:
        """An idle, living environment started for ``key``, the most recently used first (None: start one)."""
        now = time.monotonic()
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                found = idle.pop()
                if found.alive and now - found.created < MAX_AGE_SECONDS:
                    return found
                self._discard(found)
        return None

    def started(self, environment: Environment) -> None:
        with self._lock:
            self._live.add(environment)
            if self._reaper is None:
                self._reaper = threading.Thread(target=self._reap, daemon=True, name="lambda-environments-reaper")
                self._reaper.start()

    def give_back(self, environment: Environment, *, current: object) -> None:
        """Keep ``environment`` for its function's next invocation, unless it ended or its function changed."""
        with self._lock:
            if environment.alive and environment.key == current and not self._stopped.is_set():
                self._idle.setdefault(environment.key, []).append(environment)
                return
            self._discard(environment)

    def forget(self, key: object) -> None:
        """A function updated or deleted: its idle environments go (busy ones go when they finish)."""
        with self._lock:
            for environment in self._idle.pop(key, []):
                self._discard(environment)

    def discard(self, environment: Environment) -> None:
        with self._lock:
            self._discard(environment)

    def _discard(self, environment: Environment) -> None:
        self._live.discard(environment)
        environment.close()

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            live, self._live, self._idle = list(self._live), set(), {}
        for environment in live:
            environment.close()

    def _reap(self) -> None:
        while not self._stopped.wait(10):
            now = time.monotonic()
            with self._lock:
                for key, idle in list(self._idle.items()):
                    kept = [e for e in idle if now - e.used < IDLE_SECONDS and now - e.created < MAX_AGE_SECONDS]
                    for environment in idle:
                        if environment not in kept:
                            self._discard(environment)
                    self._idle[key] = kept

    def count(self, key: object) -> int:
        """How many environments of ``key`` are idle (for the tests)."""
        with self._lock:
            return len(self._idle.get(key, []))


def stream_name() -> str:
    """A log stream name as Lambda gives each execution environment."""
    return f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
