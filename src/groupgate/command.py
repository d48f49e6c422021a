"""The ``groupgate`` console script: the client's commands (``groupgate.cli``), and ``groupgate local ...`` handed
to the local cloud's CLI, which needs the ``local`` extra. The one place the client reaches the local cloud: the
client package itself never imports it, and the local cloud's demo runs the client's CLI without an import
cycle."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from groupgate import cli
from groupgate.errors import ExitCode

INSTALL_HINT = "`groupgate local` needs the local extra: pip install 'groupgate[local]' ({} is missing)"


def missing_extra() -> str | None:
    """The first distribution of the ``local`` extra (as the installed package's metadata lists it) that is not
    installed; None when all are, or when groupgate runs from a source tree with no metadata to go by."""
    from importlib import metadata  # noqa: PLC0415 - only for `groupgate local`

    try:
        wanted = metadata.requires("groupgate") or []
    except metadata.PackageNotFoundError:
        return None
    for requirement in wanted:
        found = re.match(r"[A-Za-z0-9._-]+", requirement)
        if found is None or not re.search(r"""extra\s*==\s*["']local["']""", requirement):
            continue
        try:
            metadata.version(found.group(0))
        except metadata.PackageNotFoundError:
            return found.group(0)
    return None


_handed_over = False  # whether this process ran `groupgate local` (its threads and children end as Python ends)


def local(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    """``groupgate local ARGV``: the local cloud's CLI, or how to install it."""
    global _handed_over  # noqa: PLW0603 - one process, one command
    _handed_over = True
    missing = missing_extra()
    try:
        if missing is not None:
            raise ImportError(name=missing)
        from groupgate.local.cli import main as local_main  # noqa: PLC0415 - heavy, and only with the extra
    except ImportError as error:
        print(f"{cli.PROG}: {INSTALL_HINT.format(error.name)}", file=stderr)
        return int(ExitCode.CONFIGURATION)
    try:
        return local_main(argv, stdout=stdout, stderr=stderr)
    except SystemExit as exit_:  # argparse's usage errors and --help
        if isinstance(exit_.code, str):
            print(f"{cli.PROG}: {exit_.code}", file=stderr)
            return int(ExitCode.USAGE)
        return int(exit_.code or 0)


def main(argv: Sequence[str] | None = None, **options: Any) -> int:
    """The whole ``groupgate`` command (``cli.main``'s options: streams, environ ...); returns its exit code."""
    return cli.main(argv, local=local, **options)


def entry_point() -> None:
    """The console script. A client command ends its process as soon as its answer is out: Python's own teardown
    of the modules requests and urllib3 load takes 20 to 30 ms, longer than a warm call's own work (BENCHMARKS.md),
    and by then every file the command wrote is closed and renamed into place, and no thread runs. ``groupgate
    local`` ends as Python ends, so that what it started stops in order."""
    code = main()
    if _handed_over:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a reader that went away, a stream already closed
        code = code or int(ExitCode.ERROR)
    os._exit(code)
