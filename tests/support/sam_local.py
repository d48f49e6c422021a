"""The real ``sam local invoke`` and ``sam local start-lambda``, in containers of the Docker daemon ``make
sam-local`` starts (``scripts/sam-local``), for the template's own architecture.

What a test needs of it: the daemon's socket (skip where a Docker engine cannot run here, fail under CI), the
address of the daemon's bridge (where a container finds this machine), a listener of the test's own on it
(a custom resource's ResponseURL), and the SAM CLI's environment."""

from __future__ import annotations

import http.server
import json
import os
import platform
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.events import ROOT
from support.tools import python313_dir, tool, unavailable

STATE = ROOT / ".local" / "docker"
SOCKET = STATE / "docker.sock"
# Under qemu, arm64 Python runs 20 to 50 times slower than on the machine itself (BENCHMARKS.md): the trigger's
# cold start, a few hundred milliseconds on arm64, takes about 15 s here. Where the template's Timeout is shorter
# than that, a test invokes a copy of the built template with the Timeout raised to this; on an arm64 machine the
# template runs as it is.
EMULATED_TIMEOUT_SECONDS = 120


def docker_host() -> str:
    """``DOCKER_HOST`` for the daemon of ``make sam-local``; skips (fails under CI) where there is none."""
    reason_file = STATE / "unavailable"
    if reason_file.exists():
        unavailable(f"sam local cannot run here: {reason_file.read_text().strip()}")
    host = f"unix://{SOCKET}"
    answered = subprocess.run(
        ["docker", "-H", host, "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True,
        check=False, timeout=30,
    )  # fmt: skip
    if answered.returncode != 0:
        unavailable(f"no Docker daemon answers on {SOCKET}: `make sam-local` starts one ({answered.stderr.strip()})")
    return host


def emulated() -> bool:
    """Whether the template's arm64 functions run under qemu here."""
    return platform.machine() != "aarch64"


def bridge_address() -> str:
    """This machine's address on the daemon's bridge: what a container reaches it by."""
    shown = subprocess.run(["ip", "-4", "-o", "addr", "show", "docker0"], capture_output=True, text=True, check=False)
    found = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", shown.stdout)
    if found is None:
        unavailable(f"the Docker daemon's bridge docker0 has no address: {shown.stderr.strip() or shown.stdout}")
        raise AssertionError  # unavailable() does not return
    return found.group(1)


def environment(home: Path, docker: str, **extra: str) -> dict[str, str]:
    """The SAM CLI's environment: no AWS credentials at all, so that its look-up of the account id (STS
    GetCallerIdentity, before every local invoke) fails at once instead of trying AWS; the containers then get
    SAM CLI's placeholder keys, which the local cloud accepts as it accepts any."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    return {
        **kept,
        "PATH": f"{python313_dir()}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(home),
        "SAM_CLI_TELEMETRY": "0",
        "DOCKER_HOST": docker,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        **extra,
    }


def sam(env: dict[str, str], *argv: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """A SAM CLI command with the project's samconfig.toml (SAM CLI looks for one beside the template it is
    given, and the tests give it built templates and copies elsewhere)."""
    command = [str(tool("sam", "sam")), *argv, "--config-file", str(ROOT / "samconfig.toml")]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def result_of(done: subprocess.CompletedProcess[str]) -> Any:
    """The function's result: the last line of ``sam local invoke``'s standard output, as JSON."""
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, f"sam local invoke printed no result:\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1])


def with_timeout(template: Path, function: str, seconds: int, out: Path) -> Path:
    """A copy of a built template whose ``function`` has ``Timeout: seconds``, beside the original (so its
    CodeUri and layer paths still resolve)."""
    text = template.read_text()
    pattern = re.compile(rf"(\n  {function}:\n(?:    .*\n|\n)*?    Properties:\n(?:      .*\n)*?      Timeout: )\d+")
    changed, count = pattern.subn(rf"\g<1>{seconds}", text)
    assert count == 1, f"no Timeout of {function} in {template}"
    out.write_text(changed)
    return out


@dataclass
class Listener:
    """A plain HTTP listener of the test's own: it keeps every PUT it is sent (a custom resource's answer)."""

    host: str
    bodies: list[tuple[str, bytes]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"


@contextmanager
def listener(host: str) -> Iterator[Listener]:
    found = Listener(host)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            found.bodies.append((self.path, self.rfile.read(length)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer((host, 0), Handler)
    found.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
