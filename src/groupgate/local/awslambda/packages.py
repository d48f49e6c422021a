"""Deployment packages: a zip unpacked as Lambda unpacks it (a function's into what plays ``/var/task``, a
layer's into what plays ``/opt``), kept by its content's hash under the build folder, which the local clouds
of one machine share, so the same zip is unpacked once. Its ``CodeSha256`` is Lambda's: base64 of the zip's
SHA-256."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

__all__ = ["BadPackage", "code_sha256", "digest_of", "unpack"]


class BadPackage(ValueError):
    """The bytes are not a zip file."""


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def digest_of(folder: Path) -> tuple[str, int] | None:
    """(CodeSha256, CodeSize) of the zip a folder was unpacked from, if it was one."""
    try:
        sha, size = folder.with_name(folder.name + ".digest").read_text().split()
    except (OSError, ValueError):
        return None
    return sha, int(size)


def unpack(work_dir: Path, kind: str, data: bytes) -> Path:
    """The folder holding the zip ``data``'s files (``kind``: functions or layers), unpacked whole or not at all."""
    target = work_dir / kind / hashlib.sha256(data).hexdigest()[:24]
    digest = target.with_name(target.name + ".digest")  # beside it: the function sees only its own files
    if not digest.exists():
        digest.parent.mkdir(parents=True, exist_ok=True)
        digest.write_text(f"{code_sha256(data)} {len(data)}")
    if target.is_dir():  # named by what is in it: the same zip, unpacked before (by this cloud or another)
        return target
    work_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=work_dir))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(scratch)  # zipfile keeps every member inside scratch (no "..", no absolute path)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(scratch, target)  # a cloud that unpacked it first wins
    except zipfile.BadZipFile:
        raise BadPackage("not a zip file") from None
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target
