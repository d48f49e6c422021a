"""An execution environment of a Lambda function, as the Python runtime keeps one: one interpreter that imports the
function once (its init) and then runs its invocations one at a time. Standard library only.

Started with ``python -I -S`` (no site-packages, no PYTHONPATH, no user environment). The first line on stdin
is the environment's: ``path`` (the function's code, then each layer's python/ folder, then the runtime's own
packages, in Lambda's order), ``handler`` and ``marker``. Each later line is an invocation: ``event``,
``timeout`` and ``context``. The init, and then each invocation, is answered on stdout by the function's own
output (stdout and stderr, as to CloudWatch) followed by one line: the marker, a space and the outcome as JSON.
An invocation that runs past its Timeout ends the environment, as Lambda discards it.
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


def _failure(error: BaseException) -> dict[str, Any]:
    """Lambda's own error shape, and its log line."""
    sys.stderr.write(f"[ERROR] {type(error).__name__}: {error}\n")
    traceback.print_exc()
    return {
        "ok": False,
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_tb(error.__traceback__.tb_next if error.__traceback__ else None),  # not ours
    }


def _answer(marker: str, outcome: dict[str, Any]) -> None:
    sys.stderr.flush()
    sys.stdout.flush()
    sys.stdout.write(f"{marker} {json.dumps(outcome, default=str)}\n")
    sys.stdout.flush()


def _invoke(handler: Any, request: dict[str, Any]) -> dict[str, Any]:
    seconds = float(request["timeout"])
    context = Context(request["context"], time.monotonic() + seconds)
    signal.signal(signal.SIGALRM, _timed_out)
    signal.setitimer(signal.ITIMER_REAL, seconds)  # the function's Timeout counts from here, as in Lambda
    try:
        return {"ok": True, "payload": handler(request["event"], context)}
    except TimedOut:
        sys.stderr.write(f"Task timed out after {seconds:.2f} seconds\n")
        message = f"Task timed out after {seconds:.2f} seconds"
        return {"ok": False, "errorType": "Sandbox.Timedout", "errorMessage": message}
    except Exception as error:  # noqa: BLE001 - whatever the function raised is its answer
        return _failure(error)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main() -> None:
    setup = json.loads(sys.stdin.readline())
    marker = setup["marker"]
    for folder in reversed(setup["path"]):
        sys.path.insert(0, folder)
    started = time.monotonic()
    try:
        module_name, function_name = setup["handler"].rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:  # noqa: BLE001 - a failed init is the first invocation's answer
        _answer(marker, {**_failure(error), "init": True})
        return
    _answer(marker, {"ok": True, "init": True, "init_seconds": time.monotonic() - started})
    for line in sys.stdin:
        outcome = _invoke(handler, json.loads(line))
        _answer(marker, outcome)
        if outcome.get("errorType") == "Sandbox.Timedout":
            return


if __name__ == "__main__":
    main()
