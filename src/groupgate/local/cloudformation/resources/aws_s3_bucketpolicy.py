"""AWS::S3::BucketPolicy: stored in moto's S3 as CloudFormation stores it, but not enforced (the local endpoint
is plain HTTP, so the policy's usual "deny without TLS" would refuse everything)."""

from __future__ import annotations

import json
from typing import Any

from groupgate.local.cloudformation.resources.base import Context, ResourceType, call, delete_call, names
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    document = p["PolicyDocument"]
    call(context.client("s3"), "PutBucketPolicy", logical_id, Bucket=p["Bucket"],
         Policy=document if isinstance(document, str) else json.dumps(document))  # fmt: skip
    return Deployed(p["Bucket"])


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    return create(context, logical_id, p)  # PutBucketPolicy replaces the policy whole


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    delete_call(context.client("s3"), "DeleteBucketPolicy", logical_id, Bucket=p["Bucket"])


TYPE = ResourceType("AWS::S3::BucketPolicy", names("Bucket PolicyDocument"), create, delete, update=update)
