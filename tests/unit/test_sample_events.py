"""events/README.md's table is the one list of sample events: every file has its row, every row names one of
the template's functions and what the function gives, and each event, run through its handler, gives that."""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest
from support.cognito import Pool
from support.events import EVENTS, GIVES, ROOT, SampleEvent, assert_gives, table
from support.lambda_context import lambda_context
from support.listener import ResponseListener

from groupgate.local.cloudformation import template as templates

HANDLERS = {
    "PostConfirmationFunction": "post_confirmation.app",
    "RoleMappingFunction": "role_mapping.app",
    "MeFunction": "me.app",
    "CloudWatchRoleFunction": "cloudwatch_role.app",
}


def test_every_event_file_has_one_row_and_every_row_a_file_a_function_and_a_result() -> None:
    rows = table()
    functions = {
        name for name, r in templates.load(ROOT / "template.yaml")["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }  # fmt: skip

    assert sorted(r.name for r in rows) == sorted(p.stem for p in EVENTS.glob("*.json") if p.name != "env.json")
    assert len({r.name for r in rows}) == len(rows)
    assert {r.function for r in rows} <= functions
    assert {r.gives for r in rows} <= set(GIVES)
    assert set(HANDLERS) == functions  # a new function needs its handler here, and its events in the table


@pytest.mark.parametrize("sample", table(), ids=lambda e: e.name)
def test_each_event_gives_what_the_table_says(sample: SampleEvent, request: pytest.FixtureRequest) -> None:
    event = sample.load()
    if sample.function == "PostConfirmationFunction":
        pool: Pool = request.getfixturevalue("pool")  # the trigger adds the user to a real (moto) pool's group
        pool.add_confirmed_user(event["userName"])
        event["userPoolId"] = pool.pool_id
    if sample.function == "CloudWatchRoleFunction":
        request.getfixturevalue("apigateway_endpoint")  # GetAccount and UpdateAccount of a real (moto) account
    handler = importlib.import_module(HANDLERS[sample.function]).lambda_handler
    sent = copy.deepcopy(event)

    with ResponseListener() as listener:
        if "ResponseURL" in event:
            event["ResponseURL"] = listener.url
        returned: Any = handler(event, lambda_context(5))

    assert_gives(sample, sent, returned)
    if sample.gives == "SUCCESS":
        assert [r.method for r in listener.received] == ["PUT"]
