"""Where a function's or a layer's code is: a folder next to the template (``groupgate local start``
deploys from the source, as before), a zip in the local S3 (what ``sam deploy`` uploaded), or inline in the
template (``Code.ZipFile``), unpacked as Lambda unpacks it (``awslambda.packages``)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from groupgate.local import awslambda
from groupgate.local.awslambda import packages
from groupgate.local.cloudformation.resources.base import Context, DeployError, call


def source_folder(context: Context, location: Mapping[str, Any]) -> Path | None:
    """The folder a template's CodeUri or ContentUri named, if it was one (not an uploaded zip)."""
    return context.stack.code.get(str(location.get("S3Key", "")))


def unpacked(context: Context, logical_id: str, location: Mapping[str, Any], kind: str) -> Path:
    """The folder holding the code at ``location`` (S3Bucket, S3Key), unpacked from its zip."""
    folder = source_folder(context, location)
    if folder is not None:
        return folder
    bucket, key = location.get("S3Bucket"), location.get("S3Key")
    if not bucket or not key:
        raise DeployError(f"{logical_id}: its code has no S3Bucket and S3Key")
    answer = call(context.client("s3"), "GetObject", logical_id, Bucket=bucket, Key=key,
                  VersionId=location.get("S3ObjectVersion"))  # fmt: skip
    try:
        return packages.unpack(context.work_dir, kind, answer["Body"].read())
    except packages.BadPackage:
        raise DeployError(f"{logical_id}: s3://{bucket}/{key} is not a zip file") from None


CFNRESPONSE = Path(awslambda.__file__).with_name("cfnresponse.py")


def inline(context: Context, source: str) -> Path:
    """The folder of an inline Python function, as Lambda makes it from ``ZipFile``: the code as ``index.py``
    (so ``Handler: index.handler``), beside the ``cfnresponse`` module AWS provides to inline functions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("index.py", source), ("cfnresponse.py", CFNRESPONSE.read_text())):
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text
            )  # the same code, the same zip
    return packages.unpack(context.work_dir, "functions", buffer.getvalue())
