"""A CloudFormation client's view of an account (the local cloud's, in the tests), and CloudFormation's
refusals as (code, message)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from groupgate.local.cloud import LocalCloud

# An API whose stage logs (or not), for what API Gateway's account settings allow.
MOCK_GET = {"get": {"responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": {
    "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
    "responses": {"default": {"statusCode": "200"}}}}}  # fmt: skip


def stage_template(**stage: Any) -> dict[str, Any]:
    """A MOCK ``GET /`` and its stage "live", with ``stage``'s settings (an access log, execution logging ...)."""
    return {
        "Resources": {
            "Logs": {"Type": "AWS::Logs::LogGroup"},
            "Api": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {
                    "Name": "logged",
                    "Body": {"openapi": "3.0.1", "info": {"title": "logged", "version": "1"}, "paths": {"/": MOCK_GET}},
                },
            },
            "Deployment": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}},
            "Stage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "DeploymentId": {"Ref": "Deployment"},
                    "StageName": "live",
                    **stage,
                },
            },
        }
    }


ACCESS_LOG = {"AccessLogSetting": {"DestinationArn": {"Fn::Sub": "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:"
              "log-group:${Logs}"}, "Format": "$context.requestId"}}  # fmt: skip
EXECUTION_LOG = {"MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "LoggingLevel": "INFO"}]}
DATA_TRACE = {"MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "DataTraceEnabled": True}]}
METRICS_ONLY = {"MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True,
                                    "LoggingLevel": "OFF", "ThrottlingRateLimit": 10}]}  # fmt: skip


@dataclass
class Account:
    outputs: dict[str, str]
    cfn: Any
    iam: Any
    s3: Any
    cloud: LocalCloud

    def create(self, name: str, template: dict[str, Any] | str, **extra: Any) -> str:
        body = template if isinstance(template, str) else json.dumps(template)
        stack_id: str = self.cfn.create_stack(
            StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_IAM"], **extra
        )["StackId"]
        return stack_id

    def wait(self, waiter: str, **arguments: Any) -> None:
        self.cfn.get_waiter(waiter).wait(**arguments, WaiterConfig={"Delay": 1, "MaxAttempts": 60})

    def settle(self, name: str) -> str:
        """The stack's status once no operation runs on it."""
        for _ in range(300):
            status = str(self.stack(name)["StackStatus"])
            if not status.endswith("_IN_PROGRESS"):
                return status
            time.sleep(0.1)
        return status

    def stack(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.cfn.describe_stacks(StackName=name)["Stacks"][0]
        return found

    def events(self, name: str) -> list[dict[str, Any]]:
        pages = self.cfn.get_paginator("describe_stack_events").paginate(StackName=name)
        return [event for page in pages for event in page["StackEvents"]]

    def physical_id(self, stack: str, logical_id: str) -> str:
        detail = self.cfn.describe_stack_resource(StackName=stack, LogicalResourceId=logical_id)["StackResourceDetail"]
        return str(detail["PhysicalResourceId"])

    def upload(self, bucket: str, key: str, files: dict[str, str]) -> None:
        """A zip of ``files`` (name: text) at s3://bucket/key, as ``sam package`` uploads code."""
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as packed:
            for name, text in files.items():
                packed.writestr(name, text)
        buckets = {b["Name"] for b in self.s3.list_buckets()["Buckets"]}
        if bucket not in buckets:
            self.s3.create_bucket(Bucket=bucket)
        self.s3.put_object(Bucket=bucket, Key=key, Body=archive.getvalue())


def refused(call: Any, **arguments: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**arguments)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]
