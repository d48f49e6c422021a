"""The functions on arbitrary event shapes: the documented result or a clear error, nothing else.

The custom resource must answer exactly one PUT for every request it can answer at all; the trigger
returns the event, or refuses it with ``InvalidInput``, or fails with Cognito's error (logged and counted).
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.events import load_event
from support.lambda_context import lambda_context
from support.listener import ResponseListener

from groupgate_common.cfn_response import MAX_BODY_BYTES
from groupgate_common.validation import InvalidInput
from role_mapping import app

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)
entries = st.lists(
    st.fixed_dictionaries({}, optional={"Key": json_values, "Value": json_values})
    | st.fixed_dictionaries(
        {"Key": st.text(min_size=1, max_size=80), "Value": st.fixed_dictionaries(
            {"Type": st.sampled_from(["Token", "Rules", "token"])},
            optional={"AmbiguousRoleResolution": st.sampled_from(["Deny", "AuthenticatedRole", "x"]),
                      "RulesConfiguration": json_values},
        )}
    ),
    max_size=12,
)  # fmt: skip


@pytest.fixture(scope="module")
def listener() -> Iterator[ResponseListener]:
    with ResponseListener() as found:
        yield found


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    request_type=st.sampled_from(["Create", "Update", "Delete", "Replace", ""]),
    properties=json_values
    | st.fixed_dictionaries({"Entries": entries})
    | st.fixed_dictionaries({"Entries": json_values}),
    physical_id=st.none() | st.text(max_size=40),
)
def test_the_custom_resource_answers_every_request_exactly_once(
    listener: ResponseListener, request_type: str, properties: Any, physical_id: str | None
) -> None:
    event = load_event("role_mapping_update")
    event.update(RequestType=request_type, ResourceProperties=properties, ResponseURL=listener.url)
    if physical_id is None:
        del event["PhysicalResourceId"]
    else:
        event["PhysicalResourceId"] = physical_id
    before = len(listener.received)

    result = app.lambda_handler(event, lambda_context(30))

    assert len(listener.received) == before + 1
    put = listener.received[-1]
    assert len(put.body) <= MAX_BODY_BYTES
    assert result["Status"] in ("SUCCESS", "FAILED")
    assert result["Delivered"] is True
    if request_type == "Delete":
        assert result["Status"] == "SUCCESS"


@given(event=json_values)
def test_an_event_that_is_not_a_request_at_all_is_refused_clearly(event: Any) -> None:
    if isinstance(event, dict) and isinstance(event.get("ResponseURL"), str) and event["ResponseURL"]:
        return  # that one is a request (covered above)
    with pytest.raises(InvalidInput, match="not a CloudFormation custom resource request"):
        app.lambda_handler(event, lambda_context(30))


@pytest.fixture(scope="module")
def trigger(cognito_endpoint: str) -> ModuleType:
    return importlib.import_module("post_confirmation.app")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    source=st.sampled_from(
        ["PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword", "PreSignUp_SignUp", ""]
    ),
    changes=st.dictionaries(
        st.sampled_from(["userName", "userPoolId", "request", "triggerSource", "callerContext"]),
        json_values,
        max_size=3,
    ),
    drop=st.lists(st.sampled_from(["userName", "userPoolId", "request"]), max_size=2),
)
def test_the_trigger_returns_the_event_or_fails_clearly(
    trigger: ModuleType, source: str, changes: dict[str, Any], drop: list[str]
) -> None:
    event = load_event("post_confirmation_confirm_signup")
    event["triggerSource"] = source
    event.update(changes)
    for key in drop:
        event.pop(key, None)
    original = copy.deepcopy(event)

    try:
        returned = trigger.lambda_handler(event, lambda_context(5))
    except (InvalidInput, ClientError, BotoCoreError):
        return  # refused with a message naming the field, or Cognito's own error (logged and counted)
    assert returned == original


@given(event=json_values)
def test_the_trigger_refuses_what_is_not_an_event(trigger: ModuleType, event: Any) -> None:
    if isinstance(event, dict):
        return
    with pytest.raises(InvalidInput):
        trigger.lambda_handler(event, lambda_context(5))


class _AccountWithARole:
    """API Gateway's account settings, as an account that has a role answers GetAccount (nothing else is called)."""

    def get_account(self) -> dict[str, Any]:
        return {"cloudwatchRoleArn": "arn:aws:iam::123456789012:role/already-there"}


@pytest.fixture(scope="module")
def account_role_app() -> Iterator[ModuleType]:
    from cloudwatch_role import app as account_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(account_app, "apigateway", _AccountWithARole)
        yield account_app


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    request_type=st.sampled_from(["Create", "Update", "Delete", "Replace", ""]),
    properties=json_values | st.fixed_dictionaries({"RoleArn": json_values | st.text(max_size=80)}),
)
def test_the_account_role_resource_answers_every_request_exactly_once(
    listener: ResponseListener, account_role_app: ModuleType, request_type: str, properties: Any
) -> None:
    event = load_event("cloudwatch_role_create")
    event.update(RequestType=request_type, ResourceProperties=properties, ResponseURL=listener.url)
    before = len(listener.received)

    result = account_role_app.lambda_handler(event, lambda_context(30))

    assert len(listener.received) == before + 1
    assert result["Status"] in ("SUCCESS", "FAILED")
    assert result["Delivered"] is True
    if request_type in ("Create", "Update") and result["Status"] == "SUCCESS":
        assert properties["RoleArn"].startswith("arn:aws")  # only a role ARN gets as far as API Gateway
