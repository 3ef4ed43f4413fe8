"""Atom 1.0 feeds of the latest published stories (the whole site, each provider and below) and of the public
replies and changes at each provider and below."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, make_response, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.directory.models import Provider
from app.directory.services import descendant_ids, find_by_code
from app.extensions import db
from app.following.services import public_activity
from app.stories.models import CRITICALITY, RESPONSE_STATUSES, Story
from app.stories.queries import StoryFilters, public_stories, public_story_filter
from app.text import xml_safe

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
FEED_SIZE = 50
# An empty feed's <updated> when nothing was ever published in it: a fixed moment, so that it too keeps its ETag.
NEVER = datetime(2000, 1, 1, tzinfo=UTC)
# The schemes of the entries' categories (documented on /data, under "Feeds"): the site's own address for each.
SCHEMES = ("provider", "criticality", "tag", "status")


def last_changed(provider: Provider | None) -> datetime:
    """When the feed's content last changed: the newest updated_at of the stories in it or that left it (a
    withdrawn or hidden story moves its updated_at, and so do its replies and changes), or of a provider's entry
    (names show in the entries). Never earlier than a change a reader was sent, so If-Modified-Since is safe."""
    stories = select(func.max(Story.updated_at)).where(
        public_story_filter(StoryFilters(provider=provider), db.session, tombstones=True))
    providers = select(func.max(Provider.updated_at))
    if provider is not None:
        providers = providers.where(Provider.id.in_(descendant_ids(db.session, provider.id)))
    times = [t for t in (db.session.scalar(stories), db.session.scalar(providers)) if t is not None]
    return max(times).astimezone(UTC).replace(microsecond=0) if times else NEVER


def _atom(document: str, changed: datetime):
    # Rows stored before the normaliser may hold characters XML 1.0 forbids (controls, U+FFFE, U+FFFF): one of
    # them would make the whole feed unreadable to every feed reader, so the document is cleaned as it goes out.
    response = make_response(xml_safe(document))
    response.mimetype = "application/atom+xml"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    response.add_etag()
    response.last_modified = changed
    return response


@bp.after_request
def _conditional(response):
    """A reader polling the feed asks "changed since?": the same document answers 304 to its ETag, and nothing
    changed since its Last-Modified answers 304 to If-Modified-Since. After the request, so that a feed the
    page cache kept (app/web/cache.py, served before the view) answers the same way."""
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.make_conditional(request)
    return response


def feed_schemes() -> dict[str, str]:
    """Each category's scheme: an address on /data, where its values are explained."""
    return {name: f"{current_app.config['SITE_URL']}/data#feed-{name}" for name in SCHEMES}


def _context(provider: Provider | None, changed: datetime) -> dict:
    return dict(provider=provider, updated=changed, site_url=current_app.config["SITE_URL"],
                criticality_labels=CRITICALITY, status_labels=RESPONSE_STATUSES, schemes=feed_schemes())


def _feed(provider: Provider | None):
    stories = db.session.scalars(public_stories(StoryFilters(provider=provider), db.session)
                                 .options(selectinload(Story.tags))
                                 .order_by(Story.published_at.desc(), Story.id.desc()).limit(FEED_SIZE)).all()
    changed = last_changed(provider)
    return _atom(render_template("opendata/feed.xml", stories=stories, **_context(provider, changed)), changed)


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
    changed = last_changed(item)
    return _atom(render_template("following/replies_feed.xml", activity=activity, **_context(item, changed)),
                 changed)
