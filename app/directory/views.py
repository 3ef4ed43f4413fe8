"""Directory pages: search and browse providers, one provider with its place in the hierarchy."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from app.directory.models import KINDS, Provider
from app.directory.services import ancestors, get_by_code, normalise_code, search_query
from app.extensions import db
from app.permissions import can
from app.replies.stats import describe_wait, response_stats
from app.stories.models import Story
from app.stories.queries import StoryFilters, public_stories
from app.web.pagination import keyset_page

bp = Blueprint("directory", __name__)


@bp.route("/providers")
def index():
    q = request.args.get("q", "")[:200]
    kind = request.args.get("kind") or None
    if kind not in KINDS:
        kind = None
    page = keyset_page(db.session, search_query(q, kind), [Provider.name, Provider.id],
                       lambda p: (p.name, p.id), request.args.get("after"), size=25)
    return render_template("directory/index.html", q=q, kind=kind, kinds=KINDS, page=page)


@bp.route("/providers/<code>")
def provider(code: str):
    if code != normalise_code(code):
        return redirect(url_for("directory.provider", code=normalise_code(code)), 301)
    provider = get_by_code(db.session, code)
    children = db.session.scalars(
        db.select(Provider).where(Provider.parent_id == provider.id).order_by(Provider.name, Provider.id)
    ).all()
    stories = keyset_page(db.session, public_stories(StoryFilters(provider=provider), db.session),
                          [Story.published_at, Story.id], lambda s: (s.published_at.isoformat(), s.id),
                          request.args.get("after"), size=20, descending=True)
    return render_template("directory/provider.html", provider=provider,
                           trail=ancestors(db.session, provider), children=children, stories=stories,
                           stats=response_stats(db.session, provider), describe_wait=describe_wait,
                           can_manage=can("provider.manage_staff", provider))
