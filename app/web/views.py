"""Site-wide pages: home, about the terms and licence, and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from sqlalchemy import text

from app.extensions import db
from app.stories.models import Story
from app.stories.queries import StoryFilters, public_stories

bp = Blueprint("web", __name__)


@bp.route("/")
def home():
    latest = db.session.scalars(public_stories(StoryFilters(), db.session)
                                .order_by(Story.published_at.desc(), Story.id.desc()).limit(6)).all()
    return render_template("web/home.html", latest=latest)


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
