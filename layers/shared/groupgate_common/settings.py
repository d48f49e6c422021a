"""Settings a function reads from its environment, once, at import."""

from __future__ import annotations

import os


class MissingSetting(RuntimeError):
    """A required environment variable is unset or empty; the message names it."""


def require_env(name: str) -> str:
    """Return the environment variable ``name``, or fail with a message that names it.

    Called at module scope, so a misconfigured function fails its cold start with
    ``MissingSetting: GROUP_NAME is not set ...`` instead of failing later, per request.
    """
    value = os.environ.get(name, "")
    if not value:
        raise MissingSetting(
            f"{name} is not set: the function's Environment in template.yaml (or the "
            f"--env-vars file of `sam local invoke`) must define it"
        )
    return value
