"""Static files' URLs carry a digest of their content (`/static/css/site.css?v=1a2b3c4d5e`): the proxy may keep
them as long as it likes, and a release that changes the stylesheet changes its URL."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, current_app

_digests: dict[tuple[str, int, int], str] = {}


def digest(path: Path) -> str | None:
    """The first 10 hex digits of the file's SHA-256, read again when its size or time changes (checked with one
    stat per URL; the content itself is read once per version)."""
    try:
        info = path.stat()
    except OSError:
        return None
    key = (str(path), info.st_size, info.st_mtime_ns)
    if (found := _digests.get(key)) is None:
        found = _digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return found


def _version(endpoint: str, values: dict) -> None:
    if endpoint != "static" or "filename" not in values or "v" in values:
        return
    folder = current_app.static_folder
    if folder is None:
        return
    path = Path(folder) / values["filename"]
    # Only files inside the static folder (a filename never climbs out, but url_for takes any string).
    if not os.path.realpath(path).startswith(os.path.realpath(folder) + os.sep):
        return
    if (found := digest(path)) is not None:
        values["v"] = found


def init_app(app: Flask) -> None:
    app.url_defaults(_version)
