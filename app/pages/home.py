"""The home page: what the site is for and the latest published stories."""
from __future__ import annotations

from flask import render_template

from app.extensions import db
from app.pages.blueprint import bp
from app.stories.models import Story
from app.stories.queries import StoryFilters, public_stories


@bp.route("/")
def home():
    latest = db.session.scalars(public_stories(StoryFilters(), db.session)
                                .order_by(Story.published_at.desc(), Story.id.desc()).limit(6)).all()
    return render_template("pages/home.html", latest=latest)
