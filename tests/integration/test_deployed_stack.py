"""Against a real deployed stack: opt in with AWS_SAM_STACK_NAME (and AWS credentials).

sam build && sam deploy --guided
AWS_SAM_STACK_NAME=groupgate make test-deployed
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.deployed
CONTRACT = ("ApiUrl", "ApiId", "StageName", "Region", "UserPoolId", "UserPoolClientId", "IdentityPoolId", "GroupName",
            "GroupRoleArn")  # fmt: skip


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    stack = os.environ.get("AWS_SAM_STACK_NAME")
    if not stack:
        pytest.skip(
            "AWS_SAM_STACK_NAME is not set: these tests need a deployed stack "
            "(sam build && sam deploy --guided, then AWS_SAM_STACK_NAME=<stack> make test-deployed)"
        )
    described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def fetch(method: str, url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def test_the_stack_outputs_keep_the_contract(outputs: dict[str, str]) -> None:
    assert set(CONTRACT) <= set(outputs)
    assert outputs["ApiUrl"].startswith("https://")
    assert outputs["ApiUrl"].endswith(f"/{outputs['StageName']}/")


def test_an_unsigned_call_is_refused_as_aws_documents_it(outputs: dict[str, str]) -> None:
    status, headers, body = fetch("GET", outputs["ApiUrl"], {"Origin": "http://localhost:5173"})

    assert status == 403
    assert json.loads(body) == {"message": "Missing Authentication Token"}
    assert headers.get("x-amzn-ErrorType", "").startswith("MissingAuthenticationTokenException")


def test_the_preflight_allows_the_headers_of_a_signed_call(outputs: dict[str, str]) -> None:
    status, headers, _ = fetch(
        "OPTIONS",
        outputs["ApiUrl"],
        {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"},
    )

    assert status == 200
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"} <= allowed
