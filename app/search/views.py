"""/search: words, phrases and exclusions, filters, facets, snippets and "did you mean"."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from app.directory import finder
from app.directory.models import Provider
from app.extensions import db
from app.search import cache, services
from app.search.query import SearchRequest
from app.stories.models import CRITICALITY, RESPONSE_STATUSES
from app.stories.queries import active_tags
from app.text import N_
from app.web.cache import KEY_PARTS, kept_template, not_kept, page_versions
from app.web.params import iso_date, one_of_numbers, whole_number

bp = Blueprint("search", __name__)
# A visitor's search page is kept whole, like the story list, under the content version and the index generation
# (app/search/cache.py): a story published, hidden or withdrawn, or written into the index, is a new key at once.
KEY_PARTS["search.index"] = lambda: cache.versions(db.session)
# The links that take one filter off a search that found nothing, whole (a translation words each its own way).
FILTER_NAMES = {"provider": N_("remove the service filter"), "tag": N_("remove the tag filter"),
                "status": N_("remove the response filter"), "criticality": N_("remove the criticality filter"),
                "from": N_("remove the start date filter"), "to": N_("remove the end date filter")}


@bp.route("/search")
def index():
    # The page is the same for every viewer: kept per address and language under the content version and the
    # index generation, with its queries (signed-in people are never given the kept page itself).
    key = (*page_versions(), request.full_path)
    return render_template("search/index.html", body=kept_template("search.index", key, "search/_body.html", _context))


def _context() -> dict:
    args = request.args
    # The service by code or by name through the finder; an unknown one searches nothing and says so.
    resolved = finder.resolve(db.session, args.get("provider", ""))
    provider = resolved.provider
    page = whole_number(args.get("page"), "page", 1) or 1
    search_request = SearchRequest(
        text=args.get("q", ""), provider_id=provider.id if provider else None, tag=args.get("tag") or None,
        response_status=args.get("status") if args.get("status") in RESPONSE_STATUSES else None,
        criticality=one_of_numbers(args.get("criticality"), "criticality", CRITICALITY),
        date_from=iso_date(args.get("from"), "from"), date_to=iso_date(args.get("to"), "to"),
        sort="newest" if args.get("sort") == "newest" else "relevance",
        page=min(page, 500),
    )
    searched = bool(search_request.text.strip()) or any(args.get(k) for k in ("provider", "tag", "status",
                                                                              "criticality", "from", "to"))
    results = services.search(search_request) if searched and not resolved.unknown else None
    if results is not None and results.unavailable:
        not_kept()  # "try again in a minute" must not outlast the index's rebuild
    base_args = {k: v for k, v in args.items() if k != "page" and v}
    providers = {}
    if results and results.facets.get("provider"):
        codes = [code for code, _ in results.facets["provider"]]
        providers = dict(db.session.execute(select(Provider.code, Provider.name).where(Provider.code.in_(codes))).all())
    # No results: ways forward, as links (the template adds "did you mean" from the results).
    words = search_request.text.split()
    fewer = [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))] if len(words) > 1 else []
    filters = [(k, FILTER_NAMES[k]) for k in FILTER_NAMES if base_args.get(k)]
    return {"fewer": fewer[:6], "active_filters": filters, "results": results, "request_": search_request,
            "args": base_args, "provider": provider, "tags": {t.slug: t for t in active_tags(db.session)},
            "statuses": RESPONSE_STATUSES, "provider_names": providers, "q": args.get("q", "")[:300],
            "resolved": resolved}
