"""The field's own judges, each run as a real subprocess from the venv the project made for it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.events import ROOT

TOOLS = ROOT / ".tools"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Fail under CI, where every judge must run; elsewhere skip, saying how to get it."""
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


def tool(venv: str, command: str) -> Path:
    path = TOOLS / venv / "bin" / command
    if not path.exists():
        unavailable(f"{path} is missing: `make tools` installs it")
    return path


def project_tool(command: str) -> Path:
    """A command installed in the project's own venv, next to the interpreter running the tests."""
    path = Path(sys.executable).parent / command
    if not path.exists():
        found = shutil.which(command)
        if found is None:
            unavailable(f"{command} is not installed: `make venv` installs it")
        return Path(str(found))
    return path


def python313_dir() -> str:
    completed = subprocess.run([str(ROOT / "scripts" / "find-python313")], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        unavailable(completed.stderr.strip())
    return completed.stdout.strip()


def run(
    command: list[str | Path], *, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
