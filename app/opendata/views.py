"""The open-data page, the latest dataset and the releases kept."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_babel import ngettext

from app.opendata.bundle import find_release, read_index, release_path
from app.opendata.feeds import feed_schemes
from app.opendata.schema import TABLES
from app.stories.models import CRITICALITY, RESPONSE_STATUSES

bp = Blueprint("opendata", __name__)


def interval_words(seconds: int) -> str:
    """A setting's interval in words, exactly: "1 hour", "90 minutes", "45 seconds"."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    if seconds >= 60 and seconds % 60 == 0:
        return ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)
    return ngettext("%(num)d second", "%(num)d seconds", seconds)


@bp.route("/data")
def index():
    state = read_index()
    kept = state["releases"]
    meta = kept[0] if kept else None
    generated = datetime.fromisoformat(meta["created"]) if meta else None
    return render_template("opendata/index.html", meta=meta, generated=generated, tables=TABLES,
                           available=meta is not None and release_path(meta["version"]).exists(),
                           releases=[{**r, "created_at": datetime.fromisoformat(r["created"])} for r in kept],
                           schema_changes=state["schema_changes"],
                           interval=interval_words(current_app.config["DATASET_MIN_INTERVAL_SECONDS"]),
                           criticality_labels=CRITICALITY, status_labels=RESPONSE_STATUSES, schemes=feed_schemes())


def _send(release: dict):
    path = release_path(release["version"])
    if not path.exists():
        abort(404)
    # The release's own moment and digest: the same release answers with the same ETag and Last-Modified
    # however often the worker looks, and a client asking "has it changed?" gets a 304.
    created = datetime.fromisoformat(release["created"])
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name="storyloop-dataset.zip",
                     conditional=True, etag=release["sha256"], last_modified=created, max_age=300)


@bp.route("/data/storyloop-dataset.zip")
def download():
    kept = read_index()["releases"]
    if not kept:
        abort(404)
    return _send(kept[0])


@bp.route("/data/releases/<version>/storyloop-dataset.zip")
def release(version: str):
    """One release by its version, while it is kept; 410 Gone once the worker removed it."""
    kept, removed = find_release(version)
    if kept is None:
        abort(410 if removed else 404)
    return _send(kept)
