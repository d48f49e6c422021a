"""AWS::S3::Bucket, in moto's S3 at the local endpoint (which holds what ``sam deploy`` uploads)."""

from __future__ import annotations

from typing import Any

from groupgate.local.cloudformation.resources.base import (
    Context,
    ResourceType,
    call,
    delete_call,
    names,
    undone_on_failure,
)
from groupgate.local.cloudformation.template import Deployed


def create(context: Context, logical_id: str, p: dict[str, Any]) -> Deployed:
    s3 = context.client("s3")
    bucket = p.get("BucketName") or context.physical_name(logical_id, 63).lower()
    placed = {} if context.stack.region == "us-east-1" else {"LocationConstraint": context.stack.region}
    call(s3, "CreateBucket", logical_id, Bucket=bucket, CreateBucketConfiguration=placed or None)
    with undone_on_failure(lambda: call(s3, "DeleteBucket", logical_id, Bucket=bucket)):
        _configure(s3, logical_id, bucket, p)
    domain = f"{bucket}.s3.amazonaws.com"
    return Deployed(
        bucket,
        {
            "Arn": f"arn:aws:s3:::{bucket}",
            "DomainName": domain,
            "RegionalDomainName": f"{bucket}.s3.{context.stack.region}.amazonaws.com",
            "DualStackDomainName": f"{bucket}.s3.dualstack.{context.stack.region}.amazonaws.com",
            "WebsiteURL": f"http://{bucket}.s3-website-{context.stack.region}.amazonaws.com",
        },
    )


def update(context: Context, logical_id: str, deployed: Deployed, old: dict[str, Any], p: dict[str, Any]) -> Deployed:
    """Its settings put again; those no longer set taken away; its objects stay."""
    s3 = context.client("s3")
    removed = {
        "BucketEncryption": "DeleteBucketEncryption",
        "PublicAccessBlockConfiguration": "DeletePublicAccessBlock",
        "Tags": "DeleteBucketTagging",
    }
    for key, operation in removed.items():
        if key in old and key not in p:
            delete_call(s3, operation, logical_id, Bucket=deployed.ref)
    _configure(s3, logical_id, deployed.ref, p)
    return deployed


def _configure(s3: Any, logical_id: str, bucket: str, p: dict[str, Any]) -> None:
    """The bucket's settings, each in the API's own words (CloudFormation's ServerSideEncryptionByDefault is
    the API's ApplyServerSideEncryptionByDefault)."""
    if "VersioningConfiguration" in p:
        call(s3, "PutBucketVersioning", logical_id, Bucket=bucket, VersioningConfiguration=p["VersioningConfiguration"])
    if "PublicAccessBlockConfiguration" in p:
        call(s3, "PutPublicAccessBlock", logical_id, Bucket=bucket,
             PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])  # fmt: skip
    if "BucketEncryption" in p:
        rules = [
            {("ApplyServerSideEncryptionByDefault" if k == "ServerSideEncryptionByDefault" else k): v
             for k, v in rule.items()}
            for rule in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]  # fmt: skip
        call(s3, "PutBucketEncryption", logical_id, Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
    if p.get("Tags"):
        call(s3, "PutBucketTagging", logical_id, Bucket=bucket, Tagging={"TagSet": p["Tags"]})


def delete(context: Context, logical_id: str, deployed: Deployed, p: dict[str, Any]) -> None:
    """As in CloudFormation, a bucket that still holds objects is not deleted: the resource fails to delete."""
    delete_call(context.client("s3"), "DeleteBucket", logical_id, Bucket=deployed.ref)


TYPE = ResourceType(
    "AWS::S3::Bucket",
    names(
        "AbacStatus AccelerateConfiguration AccessControl AnalyticsConfigurations BucketEncryption BucketName "
        "CorsConfiguration IntelligentTieringConfigurations InventoryConfigurations LifecycleConfiguration "
        "LoggingConfiguration MetadataConfiguration MetadataTableConfiguration MetricsConfigurations "
        "NotificationConfiguration ObjectLockConfiguration ObjectLockEnabled OwnershipControls "
        "PublicAccessBlockConfiguration ReplicationConfiguration Tags VersioningConfiguration "
        "WebsiteConfiguration"
    ),
    create,
    delete,
    update=update,
)
