"""The local cloud, deployed from a template, for tests: one at a time per process (moto's state is global)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from groupgate.cli import main as groupgate
from groupgate.local.cloud import LocalCloud
from groupgate.local.users import control_plane
from support.events import ROOT

admin = control_plane  # a boto3 client at the local cloud's endpoint
BUILD_DIR = ROOT / ".local" / "build"  # layers and the runtime's boto3, built once and reused


class Clock:
    """The local Cognito's clock, for tests that must not wait: real time, moved on by ``advance``."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@contextmanager
def deployed(
    tmp: Path,
    template: Path = ROOT / "template.yaml",
    parameters: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
) -> Iterator[tuple[LocalCloud, dict[str, str]]]:
    with LocalCloud(
        template, state_dir=tmp, parameters=parameters, build_dir=BUILD_DIR, out=lambda _: None, clock=clock
    ) as cloud:
        yield cloud, cloud.deploy()


@contextmanager
def empty(tmp: Path, clock: Callable[[], float] = time.time) -> Iterator[tuple[LocalCloud, dict[str, str]]]:
    """A local cloud with no stack, as ``groupgate local start --empty`` starts one."""
    with LocalCloud(
        ROOT / "template.yaml", state_dir=tmp, build_dir=BUILD_DIR, out=lambda _: None, clock=clock
    ) as cloud:
        yield cloud, cloud.serve_empty()


def code_from_mail(cloud: LocalCloud, to: str) -> str:
    message = cloud.mailbox.latest(to)
    assert message is not None, f"no mail to {to}"
    found = re.search(r"code is (\d{6})", message.body)
    assert found, message.body
    return found.group(1)


def cli(
    outputs_file: Path | None,
    cache: Path,
    *argv: str,
    password: str | None = None,
    stdin: str = "",
    environ: Mapping[str, str] | None = None,
) -> tuple[int, str]:
    """The real groupgate CLI; returns its exit code and what it printed (stdout then stderr). It finds the
    stack from ``outputs_file``, or, without one, from ``environ`` (GROUPGATE_STACK_NAME ...)."""
    out, err = io.StringIO(), io.StringIO()
    environ = {**(environ or {}), "GROUPGATE_CACHE_DIR": str(cache)}
    if outputs_file is not None:
        environ["GROUPGATE_OUTPUTS"] = str(outputs_file)
    if password:
        environ["GROUPGATE_PASSWORD"] = password
    code = groupgate(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err, environ=environ)
    return code, out.getvalue() + err.getvalue()
