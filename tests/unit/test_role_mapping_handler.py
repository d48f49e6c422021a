"""The custom resource's contract with CloudFormation, against a real listener on 127.0.0.1.

Every request gets exactly one answer PUT to its ResponseURL, SUCCESS or FAILED, with a stable
PhysicalResourceId, in at most 4096 bytes, sent in time even when the URL misbehaves.
"""

from __future__ import annotations

import io
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from support.events import event_names, load_event
from support.lambda_context import lambda_context
from support.listener import ResponseListener

from groupgate_common.cfn_response import MAX_BODY_BYTES, stable_physical_id
from groupgate_common.validation import InvalidInput
from role_mapping import app

PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE1:1example23456789abcdefghij"


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """What the function logs (JSON lines), as CloudWatch would receive it."""
    stream = io.StringIO()
    handler = app.logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    yield stream
    handler.setStream(previous)  # type: ignore[attr-defined]


def log_records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def invoke(event: dict[str, Any], listener: ResponseListener, timeout: float = 30.0) -> dict[str, Any]:
    event["ResponseURL"] = listener.url
    return app.lambda_handler(event, lambda_context(timeout))


def answer(listener: ResponseListener, index: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(listener.received[index].body)
    return body


@pytest.mark.parametrize("name", event_names("role_mapping_"))
def test_each_sample_event_gets_exactly_one_success_answer(name: str) -> None:
    # GIVEN a sample request from events/ and a ResponseURL that accepts the answer
    event = load_event(name)
    with ResponseListener() as listener:
        # WHEN the function handles it
        result = invoke(event, listener)

    # THEN exactly one PUT arrived, SUCCESS, echoing the request's identifiers
    assert len(listener.received) == 1
    put = listener.received[0]
    assert put.method == "PUT"
    assert put.headers["Content-Type"] == ""  # the presigned S3 URL is signed without one
    body = answer(listener)
    assert body["Status"] == "SUCCESS"
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == (
        event["StackId"],
        event["RequestId"],
        event["LogicalResourceId"],
    )
    assert len(put.body) <= MAX_BODY_BYTES
    assert result == {"Status": "SUCCESS", "PhysicalResourceId": body["PhysicalResourceId"], "Delivered": True}


def test_create_and_update_return_the_role_mappings_map_in_data() -> None:
    with ResponseListener() as listener:
        invoke(load_event("role_mapping_create"), listener)
        invoke(load_event("role_mapping_update"), listener)

    created, updated = answer(listener, 0), answer(listener, 1)
    assert created["Data"] == {"RoleMappings": {PROVIDER: {"Type": "Token", "AmbiguousRoleResolution": "Deny"}}}
    new_key = load_event("role_mapping_update")["ResourceProperties"]["Entries"][0]["Key"]
    assert list(updated["Data"]["RoleMappings"]) == [new_key]


def test_delete_answers_success_without_data() -> None:
    with ResponseListener() as listener:
        invoke(load_event("role_mapping_delete"), listener)

    body = answer(listener)
    assert body["Status"] == "SUCCESS"
    assert "Data" not in body


def test_the_physical_id_is_the_same_for_a_repeated_create_and_kept_on_update_and_delete() -> None:
    create, update, delete = (load_event(f"role_mapping_{kind}") for kind in ("create", "update", "delete"))
    with ResponseListener() as listener:
        first = invoke(create, listener)["PhysicalResourceId"]
        again = invoke(load_event("role_mapping_create"), listener)["PhysicalResourceId"]
        updated = invoke(update, listener)["PhysicalResourceId"]
        deleted = invoke(delete, listener)["PhysicalResourceId"]

    assert first == again == stable_physical_id(create["StackId"], create["LogicalResourceId"])
    assert updated == update["PhysicalResourceId"]  # a new id would mean "replaced" to CloudFormation
    assert deleted == delete["PhysicalResourceId"]


def test_malformed_properties_answer_failed_with_the_reason() -> None:
    event = load_event("role_mapping_create")
    event["ResourceProperties"]["Entries"][0]["Value"]["Type"] = "token"
    with ResponseListener() as listener:
        result = invoke(event, listener)

    assert len(listener.received) == 1
    body = answer(listener)
    assert body["Status"] == "FAILED"
    assert body["Reason"] == ("ResourceProperties.Entries[0].Value.Type must be one of Token, Rules; got 'token'")
    assert body["PhysicalResourceId"] == stable_physical_id(event["StackId"], event["LogicalResourceId"])
    assert result["Status"] == "FAILED"


def test_an_unknown_request_type_answers_failed() -> None:
    event = load_event("role_mapping_create")
    event["RequestType"] = "Replace"
    with ResponseListener() as listener:
        invoke(event, listener)

    assert answer(listener)["Reason"] == "RequestType must be one of Create, Update, Delete; got 'Replace'"


def test_delete_succeeds_even_when_the_properties_are_malformed() -> None:
    # A Create that failed on bad properties is followed by a Delete with the same properties.
    event = load_event("role_mapping_delete")
    event["ResourceProperties"]["Entries"] = "not a list"
    with ResponseListener() as listener:
        invoke(event, listener)

    assert answer(listener)["Status"] == "SUCCESS"


def test_an_exception_inside_answers_failed_and_names_the_log_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fault injection: a bug in the transformer must still produce an answer, or the stack waits.
    def broken(properties: object) -> dict[str, Any]:
        raise KeyError("bug")

    monkeypatch.setattr(app, "build_role_mappings", broken)
    with ResponseListener() as listener:
        invoke(load_event("role_mapping_create"), listener)

    assert len(listener.received) == 1
    body = answer(listener)
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("internal error (KeyError); see CloudWatch log stream 2026/11/26/")


def test_data_too_large_for_4096_bytes_becomes_failed_that_says_so() -> None:
    event = load_event("role_mapping_create")
    entry = event["ResourceProperties"]["Entries"][0]
    event["ResourceProperties"]["Entries"] = [
        {"Key": f"{entry['Key']}-{index}-" + "x" * 400, "Value": entry["Value"]} for index in range(10)
    ]
    with ResponseListener() as listener:
        invoke(event, listener)

    put = listener.received[0]
    body = answer(listener)
    assert len(put.body) <= MAX_BODY_BYTES
    assert body["Status"] == "FAILED"
    assert "over CloudFormation's 4096-byte limit" in body["Reason"]
    assert "Data" not in body


def test_a_reason_too_long_for_the_body_is_shortened_to_fit() -> None:
    event = load_event("role_mapping_create")
    event["ResourceProperties"]["é" * 3000] = "typo"  # the reason quotes the unknown field's name
    with ResponseListener() as listener:
        invoke(event, listener)

    put = listener.received[0]
    body = answer(listener)
    assert len(put.body) <= MAX_BODY_BYTES
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("ResourceProperties.éé")
    assert body["Reason"].endswith(" [...]")


def test_a_failing_put_is_retried_and_the_answer_still_arrives(logs: io.StringIO) -> None:
    with ResponseListener("error", "error", "ok") as listener:
        result = invoke(load_event("role_mapping_create"), listener)

    assert [json.loads(put.body)["Status"] for put in listener.received] == ["SUCCESS"] * 3
    assert result["Delivered"] is True
    warnings = [r for r in log_records(logs) if r["message"] == "the response URL refused the custom resource response"]
    assert [w["status_code"] for w in warnings] == [500, 500]


def test_a_put_that_keeps_failing_is_survived_and_logged(logs: io.StringIO) -> None:
    with ResponseListener("error", "error", "error", "error", "error") as listener:
        result = invoke(load_event("role_mapping_create"), listener)

    assert len(listener.received) == 4  # bounded attempts
    assert result == {"Status": "SUCCESS", "PhysicalResourceId": result["PhysicalResourceId"], "Delivered": False}
    gave_up = [r for r in log_records(logs) if r["message"] == "gave up sending the custom resource response"]
    assert gave_up
    assert "secret-signature" not in logs.getvalue()  # the presigned URL's signature is never logged


def test_a_forbidden_answer_is_not_retried() -> None:
    # An expired presigned URL answers 403 every time; retrying only wastes the invocation.
    with ResponseListener("forbidden") as listener:
        result = invoke(load_event("role_mapping_create"), listener)

    assert len(listener.received) == 1
    assert result["Delivered"] is False


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/cfn-response"  # nothing listens there once the probe is closed


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(closed_port_url(), id="connection refused"),
        pytest.param("http://127.0.0.1:notaport/cfn-response", id="unusable URL"),
        pytest.param("ftp://127.0.0.1/cfn-response", id="not http"),
    ],
)
def test_an_unusable_response_url_is_survived_and_logged(url: str, logs: io.StringIO) -> None:
    # sam local generate-event's ResponseURL does not resolve either: a local invoke must survive it.
    event = load_event("role_mapping_create")
    event["ResponseURL"] = url

    result = app.lambda_handler(event, lambda_context(5))

    assert result["Status"] == "SUCCESS"
    assert result["Delivered"] is False
    assert any(r["level"] == "ERROR" for r in log_records(logs))


def test_a_garbled_answer_is_retried(logs: io.StringIO) -> None:
    with ResponseListener("garbage", "ok") as listener:
        result = invoke(load_event("role_mapping_create"), listener)

    assert len(listener.received) == 2
    assert result["Delivered"] is True


def test_retries_are_bounded_by_the_time_left_in_the_invocation(logs: io.StringIO) -> None:
    # GIVEN a ResponseURL that holds the first attempts without answering, and 2 seconds left
    with ResponseListener("stall", "stall", "stall", stall_seconds=10) as listener:
        started = time.monotonic()
        # WHEN the function answers
        result = invoke(load_event("role_mapping_create"), listener, timeout=2.0)
        elapsed = time.monotonic() - started

    # THEN it returns before Lambda would stop it, and logs what it could not send
    assert elapsed < 2.0
    assert result["Delivered"] is False
    assert listener.received  # it did try
    messages = [r["message"] for r in log_records(logs)]
    assert "no time left to send the custom resource response" in messages


def test_an_event_without_response_url_is_refused_clearly() -> None:
    event = load_event("role_mapping_create")
    del event["ResponseURL"]

    with pytest.raises(InvalidInput, match="not a CloudFormation custom resource request: it has no ResponseURL"):
        app.lambda_handler(event, lambda_context())
