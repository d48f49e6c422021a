"""The sample events in events/, loaded the one way every test loads them, and listed once: in the table of
events/README.md (file, function, what it must give). A test that runs "every event" reads the table."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
GIVES = ("the event", "SUCCESS", "the caller")  # what a function may be said to give, in the table's words


@dataclass(frozen=True)
class SampleEvent:
    name: str  # the file's name without .json
    function: str  # the template's logical id
    gives: str  # one of GIVES

    @property
    def path(self) -> Path:
        return EVENTS / f"{self.name}.json"

    def load(self) -> dict[str, Any]:
        return load_event(self.name)


def table() -> list[SampleEvent]:
    """The rows of events/README.md's table, in order."""
    rows = []
    for line in (EVENTS / "README.md").read_text().splitlines():
        found = re.fullmatch(r"\| `(?P<file>[\w.-]+)\.json` \| (?P<function>\w+) \| (?P<gives>[^|]+?) \|.*", line)
        if found:
            rows.append(SampleEvent(found["file"], found["function"], found["gives"]))
    return rows


def events_for(function: str) -> list[SampleEvent]:
    return [event for event in table() if event.function == function]


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``events/<name>.json`` (tests may change it freely)."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return copy.deepcopy(event)


def event_names(prefix: str) -> list[str]:
    """The names of the table's events that start with ``prefix``, in the table's order."""
    return [event.name for event in table() if event.name.startswith(prefix)]


def assert_gives(sample: SampleEvent, sent: dict[str, Any], returned: Any) -> None:
    """That ``returned``, a function's result for the event ``sent``, is what the table says ``sample`` gives:
    the event itself; SUCCESS; or GET /me's 200 with the caller the event's request context names."""
    if sample.gives == "the event":
        assert returned == sent
    elif sample.gives == "the caller":
        identity = sent["requestContext"]["identity"]
        provider = identity["cognitoAuthenticationProvider"]
        assert returned["statusCode"] == 200, returned
        assert json.loads(returned["body"]) == {
            "identityId": identity["cognitoIdentityId"],
            "identityPoolId": identity["cognitoIdentityPoolId"],
            "userPoolId": provider.split(",")[0].rsplit("/", 1)[1],
            "sub": provider.rsplit(":", 1)[1],
            "userArn": identity["userArn"],
        }
    else:
        assert returned["Status"] == "SUCCESS", returned
