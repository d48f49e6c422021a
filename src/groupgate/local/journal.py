"""Nothing half-written: the state a write may change, taken before it and put back if it fails unexpectedly.

A service's provider takes a ``Snapshot`` of the objects that hold its state (moto's models and its own
stores) before each write, under its lock. A refusal the operation means to give (an ``AwsError``) keeps
what the operation chose to keep, as AWS does (a wrong password still counts toward the lockout); any other
exception is a bug, and the snapshot puts every object back as it was before the request.

Each object's attributes are kept one level deep, and the containers among them two levels deep
(``pool.users`` is a new dict of the same users; each user has its own entry), so restoring undoes
added and removed entries and every attribute set on an object, without copying the whole graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _container(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shallow(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shallow(item) for item in value]
    if isinstance(value, set):
        return set(value)
    return value


def _shallow(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, set):
        return set(value)
    return value


class Snapshot:
    def __init__(self, objects: Iterable[Any]) -> None:
        self._kept = [(item, {name: _container(value) for name, value in vars(item).items()}) for item in objects]

    def restore(self) -> None:
        for item, state in self._kept:
            attributes = vars(item)
            attributes.clear()
            attributes.update(state)
