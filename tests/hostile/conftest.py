"""The adversarial suites: one file a rule the local cloud adds to moto (shared/AWS-SEMANTICS.md section 10),
each case naming the answer AWS gives and where it is written down. Each file gets a cloud of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.hostile import Hostile
from support.local_cloud import Clock, admin, deployed


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    clock = Clock()
    with deployed(tmp_path_factory.mktemp("hostile"), clock=clock) as (cloud, outputs):
        yield Hostile(cloud, outputs, clock, admin(outputs), admin(outputs, "cognito-identity"))


@pytest.fixture
def later(hostile: Hostile) -> Iterator[Clock]:
    """The cloud's clock, put back after the test (tokens minted now must not look expired to the next)."""
    yield hostile.clock
    hostile.clock.offset = 0.0
