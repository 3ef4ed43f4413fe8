"""One provider's page: its place in the hierarchy, the services below it, its stories and its response figures
(in working days, with the changes planned, made, confirmed and overdue)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app.accounts.permissions import can
from app.directory.models import Provider
from app.directory.services import ancestors, get_by_code, normalise_code
from app.extensions import db
from app.insight import words
from app.insight.response import describe_wait, response_stats
from app.pages.blueprint import bp
from app.stories.models import Story
from app.stories.queries import StoryFilters, public_stories
from app.web.cache import kept_template
from app.web.pagination import keyset_page


@bp.route("/providers/<code>")
def provider(code: str):
    if code != normalise_code(code):
        return redirect(url_for("pages.provider", code=normalise_code(code)), 301)
    provider = get_by_code(db.session, code)
    # All but the "manage staff" link is the same for every viewer: kept per address, language and content version.
    key = (provider.id, request.full_path)
    top = kept_template("pages.provider.top", key, "pages/_provider_top.html",
                        lambda: {"provider": provider, "trail": ancestors(db.session, provider)})
    body = kept_template("pages.provider", key, "pages/_provider_body.html", lambda: _body(provider))
    return render_template("pages/provider.html", provider=provider, top=top, body=body,
                           can_manage=can("provider.manage_staff", provider))


def _body(provider: Provider) -> dict:
    children = db.session.scalars(
        db.select(Provider).where(Provider.parent_id == provider.id).order_by(Provider.name, Provider.id)
    ).all()
    stories = keyset_page(db.session, public_stories(StoryFilters(provider=provider), db.session),
                          [Story.published_at, Story.id], lambda s: (s.published_at.isoformat(), s.id),
                          request.args.get("after"), size=20, descending=True)
    return {"provider": provider, "children": children, "stories": stories,
            "stats": response_stats(db.session, provider), "describe_wait": describe_wait, "words": words}
