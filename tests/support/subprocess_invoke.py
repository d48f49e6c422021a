"""Invoke a handler in a process of its own, with only the function's and the layer's code on its
path and the environment given, so import-time settings and cold-start behaviour are real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from support.events import ROOT

# Runs inside the child: reads the event on stdin, calls the handler with a Lambda-like context,
# prints one JSON line for the outcome (Lambda's own shape for errors: errorType, errorMessage).
_RUNNER = """
import importlib, json, sys, time
from support.lambda_context import FakeLambdaContext
module_name, function_name, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
event = json.load(sys.stdin)
try:
    handler = getattr(importlib.import_module(module_name), function_name)
    result = {"result": handler(event, FakeLambdaContext(timeout_seconds=timeout))}
except Exception as error:
    result = {"errorType": type(error).__name__, "errorMessage": str(error)}
print("RESULT " + json.dumps(result))
"""


@dataclass(frozen=True)
class Invocation:
    outcome: dict[str, Any]
    stdout: str
    stderr: str

    def log_records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


def invoke_in_subprocess(
    handler: str,
    code_dir: str,
    event: dict[str, Any],
    env: dict[str, str],
    timeout: float = 30.0,
) -> Invocation:
    """Run ``handler`` (``package.module.function``) from ``functions/<code_dir>`` with the shared layer."""
    module_name, function_name = handler.rsplit(".", 1)
    paths = [ROOT / "functions" / code_dir, ROOT / "layers" / "shared", ROOT / "tests"]
    child_env = {key: value for key, value in os.environ.items() if not key.startswith(("GROUP_NAME", "POWERTOOLS"))}
    child_env.update(env)
    child_env["PYTHONPATH"] = os.pathsep.join(str(path) for path in paths)
    completed = subprocess.run(
        [sys.executable, "-c", _RUNNER, module_name, function_name, str(timeout)],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env=child_env,
        timeout=timeout + 30,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise AssertionError(f"the handler process printed no result:\n{completed.stdout}\n{completed.stderr}")
    return Invocation(json.loads(lines[-1].removeprefix("RESULT ")), completed.stdout, completed.stderr)
