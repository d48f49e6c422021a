"""API Gateway's mapping templates (Velocity), rendered with airspeed and API Gateway's variables.

``$input`` (``body``, ``json(path)``, ``path(path)``, ``params()``), ``$util`` (``escapeJavaScript``,
``parseJson``, ``urlEncode``, ``urlDecode``, ``base64Encode``, ``base64Decode``), ``$context`` and
``$stageVariables``, as the API Gateway developer guide's mapping template reference lists them.
JSONPath is the dotted and indexed subset (``$``, ``$.a.b``, ``$.items[0]``) that templates use.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

import airspeed


class TemplateError(ValueError):
    """A mapping template that does not render; API Gateway answers 500 for it."""


def _walk(document: Any, path: str) -> Any:
    if not path.startswith("$"):
        raise TemplateError(f"JSONPath {path!r} must start with $")
    current = document
    for name, index in re.findall(r"\.([A-Za-z0-9_$-]+)|\[(\d+)\]", path[1:]):
        if current is None:
            return None
        if name:
            current = current.get(name) if isinstance(current, dict) else None
        else:
            current = current[int(index)] if isinstance(current, list) and int(index) < len(current) else None
    return current


class Input:
    def __init__(self, body: str, params: Mapping[str, Mapping[str, str]]) -> None:
        self.body = body
        self._params = params

    def _document(self) -> Any:
        try:
            return json.loads(self.body) if self.body else {}
        except json.JSONDecodeError:
            return None

    def json(self, path: str = "$") -> str:
        return json.dumps(_walk(self._document(), path))

    def path(self, path: str = "$") -> Any:
        return _walk(self._document(), path)

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return {kind: dict(values) for kind, values in self._params.items()}
        for kind in ("path", "querystring", "header"):
            values = self._params.get(kind, {})
            if name in values:
                return values[name]
        return ""


class Util:
    def escapeJavaScript(self, value: Any) -> str:
        return json.dumps(str(value))[1:-1].replace("'", "\\\\'")

    def parseJson(self, value: str) -> Any:
        return json.loads(value)

    def urlEncode(self, value: str) -> str:
        return quote(str(value), safe="")

    def urlDecode(self, value: str) -> str:
        return unquote(str(value))

    def base64Encode(self, value: str) -> str:
        return base64.b64encode(str(value).encode()).decode()

    def base64Decode(self, value: str) -> str:
        return base64.b64decode(str(value)).decode()


@lru_cache(maxsize=256)
def _compiled(source: str) -> airspeed.Template:
    return airspeed.Template(source)


def render(
    source: str,
    *,
    body: str = "",
    params: Mapping[str, Mapping[str, str]] | None = None,
    context: Mapping[str, Any] | None = None,
    stage_variables: Mapping[str, str] | None = None,
) -> str:
    """The template rendered with API Gateway's variables."""
    namespace = {
        "input": Input(body, params or {}),
        "util": Util(),
        "context": dict(context or {}),
        "stageVariables": dict(stage_variables or {}),
    }
    try:
        rendered: str = _compiled(source).merge(namespace)
    except Exception as error:  # airspeed raises its own and Python's errors alike
        raise TemplateError(f"mapping template does not render: {error}") from error
    return rendered
