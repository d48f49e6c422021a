"""Execution environments, as Lambda keeps them: init once per environment, module state kept between its
invocations, one invocation at a time (concurrent calls get environments of their own), and an environment
that timed out or crashed, or whose function changed, never used again."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.local_cloud import BUILD_DIR

from groupgate.local.awslambda.functions import Function, Lambdas
from groupgate.local.credentials import CredentialStore

CODE = """\
import os, time, uuid

ENVIRONMENT = uuid.uuid4().hex  # made once, at init
COUNT = 0
print("init ran")


def handler(event, context):
    global COUNT
    COUNT += 1
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("crash"):
        os._exit(3)
    return {"environment": ENVIRONMENT, "count": COUNT, "pid": os.getpid()}
"""


@pytest.fixture
def lambdas(tmp_path: Path) -> Iterator[tuple[Lambdas, Function]]:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(CODE)
    found = Lambdas(
        state_dir=tmp_path / "state", region="us-east-1", account_id="123456789012",
        credentials=CredentialStore("123456789012"), roles=lambda _: None, build_dir=BUILD_DIR,
    )  # fmt: skip
    function = Function(
        name="counter", arn="arn:aws:lambda:us-east-1:123456789012:function:counter", code_dir=code,
        handler="app.handler", runtime="python3.13", timeout=2, memory=128, environment={}, layers=[],
        role_arn="arn:aws:iam::123456789012:role/counter",
    )  # fmt: skip
    found.add_function(function)
    yield found, function
    found.stop()


def test_init_runs_once_and_module_state_survives_between_invocations(lambdas: tuple[Lambdas, Function]) -> None:
    cloud, function = lambdas
    first, second = cloud.invoke(function.name, {}), cloud.invoke(function.name, {})
    assert (first.payload["count"], second.payload["count"]) == (1, 2)
    assert first.payload["environment"] == second.payload["environment"]
    assert "INIT_START" in first.logs
    assert "init ran" in first.logs
    assert "Init Duration" in first.logs
    assert "INIT_START" not in second.logs
    assert "init ran" not in second.logs
    assert "Init Duration" not in second.logs


def test_concurrent_invocations_get_environments_of_their_own(lambdas: tuple[Lambdas, Function]) -> None:
    cloud, function = lambdas
    seen: list[str] = []

    def call() -> None:
        seen.append(cloud.invoke(function.name, {"sleep": 0.5}).payload["environment"])

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 2
    assert cloud.idle_environments(function.name) == 2  # both kept for the next invocations


def test_an_environment_that_timed_out_or_crashed_is_not_used_again(lambdas: tuple[Lambdas, Function]) -> None:
    cloud, function = lambdas
    before = cloud.invoke(function.name, {}).payload["environment"]
    timed_out = cloud.invoke(function.name, {"sleep": 5})
    assert (timed_out.ok, timed_out.error_type) == (False, "Sandbox.Timedout")
    after = cloud.invoke(function.name, {})
    assert after.payload["environment"] != before
    assert after.payload["count"] == 1
    crashed = cloud.invoke(function.name, {"crash": True})
    assert (crashed.ok, crashed.error_type) == (False, "Runtime.ExitError")
    assert cloud.invoke(function.name, {}).payload["environment"] != after.payload["environment"]


def test_a_changed_function_gets_new_environments(lambdas: tuple[Lambdas, Function]) -> None:
    cloud, function = lambdas
    before = cloud.invoke(function.name, {}).payload["environment"]
    cloud.add_function(dataclasses.replace(function, environment={"SETTING": "new"}))  # UpdateFunctionConfiguration
    assert cloud.idle_environments(function.name) == 0
    after = cloud.invoke(function.name, {})
    assert after.payload["environment"] != before
    assert after.payload["count"] == 1
