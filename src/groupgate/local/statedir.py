"""One local cloud a state dir: a lock on ``<state>/cloud.lock``, held while the cloud runs.

The state dir holds what a running cloud owns (its ``outputs.json`` names its ports; its mail, logs and
builds), so a second cloud on the same dir would overwrite the first's outputs, and stopping either would
delete them. The lock is ``flock``'s: the kernel lets go of it when the process ends, however it ends, so a
cloud that was killed leaves nothing that blocks the next.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO


class StateDirInUse(OSError):
    """Another local cloud holds the state dir; the message says which process."""


class StateDirLock:
    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "cloud.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StateDirInUse(
                f"the state dir {self.path.parent} is in use by the local cloud of process {holder}: stop that one, "
                "or give this one another --state-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    @property
    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.truncate(0)
            self._file.close()  # closing lets go of the flock
            self._file = None
