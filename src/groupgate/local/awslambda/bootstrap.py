"""Runs one Lambda invocation in a fresh interpreter, as the Python runtime does. Standard library only.

Started with ``python -I`` (no site-packages, no PYTHONPATH, no user environment), it reads one JSON
request on stdin: ``path`` (the function's code, then each layer's python/ folder, then the runtime's
own packages, in Lambda's order), ``handler``, ``event``, ``timeout``, ``context`` and ``result`` (a file
to write the outcome to). The function's own output goes to stdout and stderr, as to CloudWatch.
"""

import importlib
import json
import signal
import sys
import time
import traceback
from typing import Any


class TimedOut(BaseException):
    """The function ran past its Timeout."""


def _timed_out(signum: int, frame: Any) -> None:
    raise TimedOut


class Context:
    def __init__(self, fields: dict[str, Any], deadline: float) -> None:
        self.__dict__.update(fields)
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    request = json.loads(sys.stdin.read())
    for folder in reversed(request["path"]):
        sys.path.insert(0, folder)
    outcome: dict[str, Any] = {}
    try:
        module_name, function_name = request["handler"].rsplit(".", 1)
        started = time.monotonic()
        handler = getattr(importlib.import_module(module_name), function_name)
        outcome["init_seconds"] = time.monotonic() - started
        context = Context(request["context"], time.monotonic() + request["timeout"])
        # The function's Timeout counts from here, after its init, as in Lambda.
        signal.signal(signal.SIGALRM, _timed_out)
        signal.setitimer(signal.ITIMER_REAL, float(request["timeout"]))
        outcome["payload"] = handler(request["event"], context)
        signal.setitimer(signal.ITIMER_REAL, 0)
        outcome["ok"] = True
    except TimedOut:
        seconds = float(request["timeout"])
        sys.stderr.write(f"Task timed out after {seconds:.2f} seconds\n")
        outcome.update(
            ok=False, errorType="Sandbox.Timedout", errorMessage=f"Task timed out after {seconds:.2f} seconds"
        )
    except Exception as error:  # noqa: BLE001 - whatever the function raised is its answer
        # Lambda's own error shape, and its log line.
        sys.stderr.write(f"[ERROR] {type(error).__name__}: {error}\n")
        traceback.print_exc()
        outcome.update(
            ok=False,
            errorType=type(error).__name__,
            errorMessage=str(error),
            stackTrace=traceback.format_tb(error.__traceback__.tb_next if error.__traceback__ else None),  # not ours
        )
    with open(request["result"], "w") as handle:
        json.dump(outcome, handle, default=str)


if __name__ == "__main__":
    main()
