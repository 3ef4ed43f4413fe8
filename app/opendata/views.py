"""The open-data page and the dataset download."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, render_template, send_file

from app.opendata.bundle import last_export, zip_path
from app.opendata.schema import TABLES

bp = Blueprint("opendata", __name__)


@bp.route("/data")
def index():
    meta = last_export()
    generated = datetime.fromisoformat(meta["generated_at"]) if meta else None
    return render_template("opendata/index.html", meta=meta, generated=generated, tables=TABLES,
                           available=zip_path().exists())


@bp.route("/data/storyloop-dataset.zip")
def download():
    path = zip_path()
    if not path.exists():
        abort(404)
    # Streamed from disk; ETag and Last-Modified let a client ask "has it changed?" and get a 304.
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name="storyloop-dataset.zip",
                     conditional=True, etag=True, last_modified=path.stat().st_mtime, max_age=300)
