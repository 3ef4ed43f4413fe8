"""Atom 1.0 feeds of the latest published stories (the whole site, each provider and below) and of the public
replies and changes at each provider and below."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template, request

from app.directory.models import Provider
from app.directory.services import find_by_code
from app.extensions import db, utcnow
from app.following.services import public_activity
from app.stories.models import Story
from app.stories.queries import StoryFilters, public_stories
from app.text import xml_safe

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
FEED_SIZE = 50


def _atom(document: str):
    # Rows stored before the normaliser may hold characters XML 1.0 forbids (controls, U+FFFE, U+FFFF): one of
    # them would make the whole feed unreadable to every feed reader, so the document is cleaned as it goes out.
    response = make_response(xml_safe(document))
    response.mimetype = "application/atom+xml"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    # A feed reader asking "has it changed?" gets a 304, compressed or not (compression evaluates its own).
    return response.make_conditional(request)


def _feed(provider: Provider | None):
    stories = db.session.scalars(public_stories(StoryFilters(provider=provider), db.session)
                                 .order_by(Story.published_at.desc(), Story.id.desc()).limit(FEED_SIZE)).all()
    updated = max((s.updated_at for s in stories), default=utcnow())
    return _atom(render_template("opendata/feed.xml", stories=stories, provider=provider, updated=updated,
                                 site_url=current_app.config["SITE_URL"]))


@bp.route("/stories.atom")
def stories():
    return _feed(None)


@bp.route("/providers/<code>.atom")
def provider(code: str):
    item = find_by_code(db.session, code)
    if item is None:
        abort(404)
    return _feed(item)


@bp.route("/providers/<code>/replies.atom")
def provider_replies(code: str):
    """The public replies from staff and public changes at the provider and below it, newest first: only on
    public stories, never hidden or waiting ones, and never the authors' own answers."""
    item = find_by_code(db.session, code)
    if item is None:
        abort(404)
    activity = public_activity(db.session, item, limit=FEED_SIZE)
    updated = max((a.at for a in activity), default=utcnow())
    return _atom(render_template("following/replies_feed.xml", activity=activity, provider=item, updated=updated,
                                 site_url=current_app.config["SITE_URL"]))
