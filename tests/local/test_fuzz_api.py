"""The local API on arbitrary requests: only the statuses API Gateway gives such input, never a 5xx or a hang."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.local_cloud import deployed

from groupgate.local.apigateway.restapis import Incoming

# What API Gateway answers input it cannot accept: 403 (no such route, or a refused signature), 415 (a
# content type the MOCK templates do not take), 429 (throttled); a preflight or a good call: 200.
ALLOWED = {200, 403, 415, 429}
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
sendable_text = header_text.map(str.strip)  # what an HTTP client sends: no value starts or ends with a space
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) | st.text(
    min_size=1, max_size=8
)
UNDER_STAGE = st.text(max_size=40).map(lambda t: "/stage1/" + t)
HEADER_NAMES = st.sampled_from(
    ["Authorization", "X-Amz-Date", "X-Amz-Security-Token", "Content-Type", "X-Amz-Content-Sha256", "Host", "Date"]
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, str]]:
    parameters = {"ThrottlingRateLimit": "100000", "ThrottlingBurstLimit": "100000"}
    with deployed(tmp_path_factory.mktemp("fuzz"), parameters=parameters) as (cloud, outputs):
        [api_id] = list(cloud.apis.apis)
        yield cloud, api_id, outputs["ApiUrl"]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=METHODS,
    path=st.one_of(st.just("/stage1/"), st.text(max_size=40).map(lambda t: "/" + t), UNDER_STAGE),
    query=st.text(max_size=40),
    headers=st.dictionaries(HEADER_NAMES | header_text, header_text, max_size=6),
    body=st.binary(max_size=200),
)
def test_any_request_gets_an_api_gateway_status(api: tuple[Any, str, str], **request: Any) -> None:
    cloud, api_id, _ = api
    method, path, query, headers, body = (request[k] for k in ("method", "path", "query", "headers", "body"))

    response = cloud.apis.handle(api_id, Incoming(method, path, query, headers, body, "127.0.0.1"))

    assert response.status in ALLOWED, (response.status, response.body)
    assert dict(response.headers)["x-amzn-RequestId"]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(
    method=st.sampled_from(["GET", "POST", "DELETE", "OPTIONS"]),
    path=st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="?#"), max_size=30),
    headers=st.dictionaries(
        st.sampled_from(["Authorization", "X-Amz-Date", "Content-Type"]), sendable_text, max_size=3
    ),
    body=st.binary(max_size=100),
)
def test_over_http_too(api: tuple[Any, str, str], method: str, path: str, headers: dict[str, str], body: bytes) -> None:
    _, _, url = api

    answer = requests.request(method, url + path, headers=headers, data=body, timeout=10)

    assert answer.status_code in ALLOWED, answer.text
