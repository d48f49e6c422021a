"""Where a function's or a layer's code is: a folder next to the template (``groupgate local start``
deploys from the source, as before), or a zip in the local S3 (what ``sam deploy`` uploaded), unpacked as
Lambda unpacks it (a function's into what plays ``/var/task``, a
layer's into what plays ``/opt``). Unpacked code is kept by its content's hash in the build folder, which the
local clouds of one machine share, so the same zip is unpacked once."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
    data = answer["Body"].read()
    target = context.work_dir / kind / hashlib.sha256(data).hexdigest()[:24]
    if target.is_dir():  # named by what is in it: the same zip, unpacked before (by this cloud or another)
        return target
    context.work_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=context.work_dir))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(scratch)  # zipfile keeps every member inside scratch (no "..", no absolute path)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(scratch, target)  # whole or not at all; a cloud that unpacked it first wins
    except zipfile.BadZipFile:
        raise DeployError(f"{logical_id}: s3://{bucket}/{key} is not a zip file") from None
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target
