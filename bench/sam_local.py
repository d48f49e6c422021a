"""``sam local invoke`` of each function, warm (the base image built, SAM CLI's image of the function made by a
first invoke that is not counted), beside the in-process ``groupgate local invoke`` of the same event, in the
same run and interleaved; and ``make sam-local`` again with its daemon and image ready.

The same events as the tests, chosen to make no AWS call: the custom resource's Create (its ResponseURL
refused at once on the container's loopback, as the committed event has it) and the trigger's
ConfirmForgotPassword. Under emulation the trigger runs from a copy of the built template with its Timeout
raised, as in the tests (tests/support/sam_local.py says why).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "tests"))  # the tests' own SAM CLI helpers, so both run sam local the same way

from support.sam_local import (  # noqa: E402
    EMULATED_TIMEOUT_SECONDS,
    SOCKET,
    emulated,
    environment,
    result_of,
    sam,
    with_timeout,
)

EVENTS = {
    "RoleMappingFunction": "role_mapping_create",
    "PostConfirmationFunction": "post_confirmation_confirm_forgot_password",
}


def say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _timed(command: list[str], **kwargs: object) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]  # noqa: S603
    return time.perf_counter() - started, done


def figures(runs: int) -> dict[str, list[float]]:
    """Seconds per run: ``sam local invoke <function>``, ``groupgate local invoke <function>``, ``sam-local up``."""
    up = [sys.executable, str(ROOT / "scripts" / "sam_local.py"), "up"]
    if subprocess.run(up, capture_output=True, check=False).returncode != 0:  # noqa: S603 - ours
        raise RuntimeError("make sam-local cannot run here (a Docker engine needs Linux and root)")
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="groupgate-sam-local-bench-") as scratch_name:
        scratch = Path(scratch_name)
        (scratch / "home").mkdir()
        env = environment(scratch / "home", f"unix://{SOCKET}")
        say("sam local: sam build")
        built = sam(env, "build", "--build-dir", str(scratch / "build"))
        assert built.returncode == 0, built.stdout + built.stderr
        template = scratch / "build" / "template.yaml"
        if emulated():
            template = with_timeout(
                template, "PostConfirmationFunction", EMULATED_TIMEOUT_SECONDS, template.parent / "emulated.yaml"
            )
        groupgate = str(Path(sys.executable).parent / "groupgate")
        for function, event in EVENTS.items():
            event_file, env_vars = str(ROOT / "events" / f"{event}.json"), str(ROOT / "events" / "env.json")
            ours = [groupgate, "local", "invoke", function, "-e", event_file, "--env-vars", env_vars,
                    "--state-dir", str(scratch / "state")]  # fmt: skip
            for run in range(runs + 1):  # the first of each is the warm-up
                say(f"sam local: {function} run {run}")
                started = time.perf_counter()
                result_of(sam(env, "local", "invoke", function, "-t", str(template), "-e", event_file))
                took = time.perf_counter() - started
                if run:
                    times.setdefault(f"sam local invoke {function}", []).append(took)
                took, done = _timed(ours, cwd=ROOT)
                assert done.returncode == 0, done.stdout + done.stderr
                if run:
                    times.setdefault(f"groupgate local invoke {function}", []).append(took)
        for _ in range(runs):
            took, done = _timed(up)
            assert done.returncode == 0, done.stderr
            times.setdefault("make sam-local, ready", []).append(took)
    return times


if __name__ == "__main__":
    import statistics

    for name, values in figures(int(sys.argv[1]) if len(sys.argv) > 1 else 3).items():
        print(f"{name:50} {statistics.median(values):6.2f} s  ({min(values):.2f}-{max(values):.2f})")
