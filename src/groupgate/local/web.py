"""The web page (``web/dist``) served beside the local cloud, with the cloud's outputs as its ``outputs.json``.

The page reads its settings from ``outputs.json`` beside it; here that file is the running cloud's own
outputs, so the page needs no build step per stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.middleware.shared_data import SharedDataMiddleware


def page_app(folder: Path, outputs: Callable[[], Mapping[str, str]]) -> Callable[..., Iterable[bytes]]:
    """A WSGI app: ``/outputs.json`` from ``outputs()``, ``/`` as index.html, the rest as files of ``folder``."""
    if not (folder / "index.html").is_file():
        raise FileNotFoundError(f"{folder} has no index.html: build the page first (make web builds it)")

    def not_found(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return NotFound()(environ, start_response)

    files = SharedDataMiddleware(not_found, {"/": str(folder)}, cache=False)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/outputs.json":
            body = json.dumps(dict(outputs()), indent=1).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                                      ("Content-Length", str(len(body)))])  # fmt: skip
            return [body]
        if path in ("", "/"):
            environ["PATH_INFO"] = "/index.html"
        return files(environ, start_response)

    return app
