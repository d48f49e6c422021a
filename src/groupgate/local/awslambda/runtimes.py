"""Which runtimes Lambda takes for a new or changed function, and which of those the local cloud runs: the one
place both CreateFunction's and UpdateFunctionConfiguration's paths (CloudFormation's and the Lambda API's) ask.

Lambda refuses a retired runtime with InvalidParameterValueException and the message below (the Lambda developer
guide, "Runtime deprecation policy": creating and updating functions is blocked some months after a runtime is
deprecated). ``RETIRED`` holds the runtimes whose block on creating functions has begun; AWS's list moves, and
this one is the local cloud's reading of it at the time it was written. A runtime AWS still runs but the local
cloud cannot (it runs Python only) is refused with a message that says the limit is the local cloud's.
"""

from __future__ import annotations

import re

from groupgate.local.protocol import AwsError

RETIRED = frozenset({
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
    "nodejs16.x", "python2.7", "python3.6", "python3.7", "python3.8", "ruby2.5", "ruby2.7", "java8", "go1.x",
    "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0", "dotnet6",
})  # fmt: skip
# What Lambda recommends instead, by family (the newest runtime of each at the time of writing).
NEWEST = {"nodejs": "nodejs22.x", "python": "python3.13", "ruby": "ruby3.4", "java": "java21", "go": "provided.al2023",
          "dotnetcore": "dotnet8", "dotnet": "dotnet8"}  # fmt: skip


class LocalLimit(Exception):
    """A runtime AWS runs and the local cloud does not; the message says so."""


def check(runtime: str) -> None:
    """Refuse ``runtime`` as Lambda refuses a retired one (AwsError), or as the local cloud must (LocalLimit)."""
    if runtime in RETIRED:
        family = re.match(r"[a-z]+", runtime)
        newest = NEWEST.get(family.group(0) if family else "", "python3.13")
        raise AwsError(
            "InvalidParameterValueException",
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            f"functions. We recommend you use the new runtime ({newest}) while creating or updating functions.",
        )
    if not re.fullmatch(r"python3\.\d+", runtime):
        raise LocalLimit(f"runtime {runtime}: the local cloud runs Python runtimes only (AWS Lambda runs {runtime})")
