"""The sample events in events/, loaded the one way every test loads them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``events/<name>.json`` (tests may change it freely)."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return copy.deepcopy(event)


def event_names(prefix: str) -> list[str]:
    """The names of the events in events/ that start with ``prefix``, sorted."""
    return sorted(path.stem for path in EVENTS.glob(f"{prefix}*.json"))
