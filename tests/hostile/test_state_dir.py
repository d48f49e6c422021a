"""Rule: a state dir is used by one local cloud at a time (groupgate.local.statedir): a second cloud on it
stops before touching anything and says which process holds it; the first cloud's outputs stay; a cloud that
was killed leaves nothing that blocks the next. AWS has no counterpart: the behaviour is chosen."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from support.events import ROOT

from groupgate.local.process import start


def test_a_second_cloud_on_a_state_dir_in_use_names_the_holder_and_leaves_the_first_alone(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = start(state, cwd=ROOT)
    try:
        outputs = (state / "outputs.json").read_text()
        second = subprocess.run(
            [str(Path(sys.executable).parent / "groupgate"), "local", "start", "--state-dir", str(state)],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

        assert second.returncode == 1
        assert f"in use by the local cloud of process {first.process.pid}" in second.stderr
        assert (state / "outputs.json").read_text() == outputs
        assert json.loads(outputs)["Endpoint"]
    finally:
        first.process.send_signal(signal.SIGKILL)  # killed, not stopped: it cannot clean up after itself
        first.process.wait()

    third = start(state, cwd=ROOT)  # returns only once this one has deployed and written its outputs
    try:
        assert third.process.poll() is None
        assert (state / "cloud.lock").read_text().strip() == str(third.process.pid)
    finally:
        assert third.stop() == 0
    assert not (state / "outputs.json").exists()
