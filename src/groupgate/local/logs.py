"""CloudWatch Logs for what runs in the local cloud: each function's lines in its log group, each API stage's
access log in its destination, written into moto's CloudWatch Logs, so DescribeLogGroups, DescribeLogStreams,
GetLogEvents and FilterLogEvents (``sam logs``, ``aws logs tail``) answer with them.

A group that does not exist yet is made, as Lambda and API Gateway make it when their role may. Memory is
bounded: a group keeps its newest ``MAX_EVENTS`` events (whole streams go, oldest first), where CloudWatch
keeps them for the group's retention.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from moto.logs.models import logs_backends

MAX_EVENTS = 20_000  # chosen: a day of a busy development stack, a few MB


class CloudWatchLogs:
    def __init__(self, *, account_id: str, region: str) -> None:
        self.account_id, self.region = account_id, region
        self._lock = threading.Lock()  # moto's log streams are not safe to write from two threads

    @property
    def _backend(self) -> Any:
        return logs_backends[self.account_id][self.region]

    def write(self, group: str, stream: str, events: Sequence[tuple[int, str]]) -> None:
        """``events``: (milliseconds since the epoch, message), oldest first."""
        if not events:
            return
        backend = self._backend
        with self._lock:
            backend.ensure_log_group(group)
            backend.ensure_log_stream(group, stream)
            backend.put_log_events(group, stream, [{"timestamp": t, "message": m} for t, m in events])
            _trim(backend.groups[group])

    def write_to(self, destination_arn: str, stream: str, line: str) -> None:
        """One line, now, to a log group named by its ARN (``arn:aws:logs:<region>:<account>:log-group:<name>[:*]``)."""
        name = destination_arn.split(":log-group:", 1)[-1].removesuffix(":*")
        self.write(name, stream, [(int(time.time() * 1000), line)])


def _trim(group: Any) -> None:
    streams = group.streams
    total = sum(len(s.events) for s in streams.values())
    for name in sorted(streams, key=lambda n: streams[n].creation_time):
        if total <= MAX_EVENTS or len(streams) == 1:
            break
        total -= len(streams[name].events)
        del streams[name]
