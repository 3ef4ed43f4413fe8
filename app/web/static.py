"""Static files' URLs carry a digest of their content (`/static/css/site.css?v=1a2b3c4d5e`): the proxy may keep
them as long as it likes, and a release that changes the stylesheet changes its URL."""
from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from flask import Flask, Response, current_app, request

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


@functools.lru_cache(maxsize=256)
def _inside(folder: str, filename: str) -> Path | None:
    """The file's path if it lies inside the static folder (a filename never climbs out, but url_for takes any
    string): resolved once per name, not on each of a page's static URLs."""
    path = Path(folder) / filename
    return path if os.path.realpath(path).startswith(os.path.realpath(folder) + os.sep) else None


def _version(endpoint: str, values: dict) -> None:
    if endpoint != "static" or "filename" not in values or "v" in values:
        return
    folder = current_app.static_folder
    if folder is None:
        return
    path = _inside(folder, values["filename"])
    if path is not None and (found := digest(path)) is not None:
        values["v"] = found


IMMUTABLE_SECONDS = 365 * 24 * 3600
STATIC_IN_MEMORY_BYTES = 1024 * 1024


def _static_response(response: Response) -> Response:
    """A static URL whose digest matches the file never changes: browsers and proxies may keep it a year without
    asking again (the stylesheet then costs the first paint nothing on a second page). Any other static URL keeps
    Flask's default (revalidated each time)."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    if response.mimetype in current_app.config.get("COMPRESS_MIMETYPES", ()) and \
            (response.content_length or 0) <= STATIC_IN_MEMORY_BYTES:
        # Read into memory (the stylesheet is a few kilobytes), so compression sees a whole body with its length
        # and ETag rather than a file stream it would leave alone.
        response.direct_passthrough = False
        response.make_sequence()
    if not request.args.get("v"):
        return response
    folder = current_app.static_folder
    filename = (request.view_args or {}).get("filename")
    if folder is None or filename is None or digest(Path(folder) / filename) != request.args["v"]:
        return response
    response.cache_control.public = True
    response.cache_control.max_age = IMMUTABLE_SECONDS
    response.cache_control.immutable = True
    response.cache_control.no_cache = None
    response.expires = None
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_version)
    app.after_request(_static_response)
