"""``groupgate local start`` as a child process, as a person runs it: for scripts, tests and the soak that
want the local cloud in a process of its own. It is ready when its ``outputs.json`` appears."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class NotReady(RuntimeError):
    """The local cloud exited, or did not write its outputs in time; the message holds its output."""


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    outputs: dict[str, str]
    state: Path

    def stop(self, timeout: float = 30) -> int:
        """Ctrl-C, as a person stops it; killed if it has not exited within ``timeout``. Returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


def start(
    state: Path,
    parameters: Sequence[str] = (),
    *,
    cwd: Path,
    ready_within: float = 300,
    empty: bool = False,
    host: str | None = None,
    region: str | None = None,
    cloudwatch_role: bool = False,
) -> Running:
    """Start the local cloud with its state in ``state`` (its output goes to ``state/cloud.log``, never a pipe
    nobody reads) and the template parameters ``KEY=VALUE``; return once it has deployed (``empty``: once it is
    up with no stack, for the SAM CLI to deploy into)."""
    command = [str(Path(sys.executable).parent / "groupgate"), "local", "start", "--state-dir", str(state)]
    if empty:
        command.append("--empty")
    if host:
        command += ["--host", host]
    if region:
        command += ["--region", region]
    if cloudwatch_role:
        command.append("--cloudwatch-role")
    for parameter in parameters:
        command += ["--parameter-overrides", parameter]
    state.mkdir(parents=True, exist_ok=True)
    log = state / "cloud.log"
    outputs = state / "outputs.json"
    stale = _identity(outputs)  # a cloud that was killed leaves its outputs behind: wait for new ones
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own CLI
            command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + ready_within
    while _identity(outputs) in (None, stale):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise NotReady(f"groupgate local start did not get ready:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    return Running(process, json.loads(outputs.read_text()), state)


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file ``path`` is now (the cloud writes its outputs anew, by rename), or None if there is none."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_mtime_ns
