"""Site-wide pages that belong to no domain: the terms and licence, the favicon and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from sqlalchemy import text

from app.extensions import db

bp = Blueprint("web", __name__)


@bp.route("/terms")
def terms():
    return render_template("web/terms.html")


@bp.route("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico whatever the page says.
    return redirect(url_for("static", filename="img/favicon.svg"), 301)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="error", detail="database unavailable"), 503
    return jsonify(status="ok")
