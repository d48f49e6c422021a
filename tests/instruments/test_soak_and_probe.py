"""The benchmark's own instruments, kept honest in CI: a short soak must find every answer right, and
the cold-start probe must see the custom resource start without boto3 (the figure BENCHMARKS.md keeps).

The soak runs as ``make soak`` runs it, for a few seconds instead of minutes (``SOAK_SECONDS``); its
full run is ``make soak``. No timing is asserted here: speed is measured by ``make bench``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support.events import ROOT
from support.local_cloud import BUILD_DIR

from groupgate.local.awslambda.functions import Lambdas, find_python
from groupgate.local.credentials import CredentialStore


def test_a_short_soak_gets_every_kind_of_answer_right_hostile_ones_too_and_no_5xx() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--clients", "3"],
        env={**os.environ, "SOAK_SECONDS": "6"}, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    counts = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if line[:1].isalpha()}
    kinds = ("member", "unsigned", "tampered", "unknown-key", "guest", "outsider", "member-sign-in", "malformed",
             "wrong-password", "abandoned-srp", "bad-length", "bad-token-bytes", "stray-response",
             "chunked-member")  # fmt: skip
    for kind in kinds:
        calls, wrong = (int(n) for n in counts[kind])
        assert calls > 0, f"the soak never played {kind}"
        assert wrong == 0, done.stdout
    assert "5xx answers: 0" in done.stdout
    assert "verdict: every answer right, no 5xx" in done.stdout


def test_a_soak_refuses_a_bound_that_is_not_positive() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--seconds", "0"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip

    assert done.returncode == 2
    assert "--seconds, --requests and --clients must be positive" in done.stderr


def test_the_custom_resource_starts_without_boto3_and_the_trigger_with_it(tmp_path: Path) -> None:
    version = "3.13" if find_python("3.13") else f"{sys.version_info.major}.{sys.version_info.minor}"
    python = find_python(version) or sys.executable

    # The layer built from layers/shared as it is now, and the runtime's boto3, as the local cloud's Lambda has them
    # (its build folder keeps earlier builds of the layer too).
    lambdas = Lambdas(state_dir=tmp_path, region="us-east-1", account_id="123456789012",
                      credentials=CredentialStore("123456789012"), roles=lambda _: None, build_dir=BUILD_DIR,
                      warn=lambda _: None)  # fmt: skip
    lambdas.add_layer("layer", ROOT / "layers" / "shared", f"python{version}")
    layer, runtime = lambdas.layers["layer"], lambdas._runtime_packages(version)
    paths = [str(ROOT / "functions" / "role_mapping"), str(ROOT / "functions" / "post_confirmation"),
             str(ROOT / "functions" / "cloudwatch_role"), str(layer), str(runtime)]  # fmt: skip

    def probe(statement: str) -> dict[str, object]:
        done = subprocess.run(
            [python, "-I", "-S", str(ROOT / "bench" / "coldstart_probe.py"), statement, *paths],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return dict(json.loads(done.stdout))

    assert probe("import role_mapping.app")["boto3"] is False
    assert probe("import cloudwatch_role.app")["boto3"] is False  # imported by its first Create or Update
    assert probe("import post_confirmation.app")["boto3"] is True
