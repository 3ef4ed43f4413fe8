"""The read-only JSON API (/api/v1): stories, their events, providers, cursor pages, tombstones, problem+json."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.directory.models import Provider, ProviderRedirect
from app.directory.services import ancestor_codes, find_by_code, resolve_code, search_query
from app.extensions import csrf, db, limiter, utcnow
from app.insight import figures
from app.insight.response import response_stats
from app.insight.services import insight
from app.moderation.models import StoryRevision
from app.opendata import changes as change_fields
from app.opendata import enums
from app.opendata import events as public_events
from app.opendata.export import iso
from app.opendata.openapi import document
from app.replies.models import STAFF_REPLY, VISIBLE, Change, Reply
from app.stories.models import CRITICALITY, Story, Tag, story_tags
from app.stories.queries import StoryFilters, is_public, is_tombstone, public_stories, public_story_filter
from app.stories.timeline import StoryEvent
from app.web.pagination import decode_cursor, keyset_page
from app.web.params import BadParameter, iso_datetime, one_of_numbers, whole_number

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
# Declared once, at import: the limiter is shared by every app the factory makes (tests make many).
# One budget per client across every API endpoint, not one per endpoint.
limiter.shared_limit(lambda: current_app.config["RATELIMIT_API"], scope="api")(bp)
MAX_LIMIT = 100
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")  # Flask-Limiter's names
EXPOSED = ", ".join(("ETag", "Link", "Retry-After", *RATE_LIMIT_HEADERS))


def problem(status: int, title: str, detail: str, **extra: Any):
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@bp.errorhandler(BadParameter)
def bad_parameter(exc: BadParameter):
    return problem(400, "Bad parameter", exc.detail, parameter=exc.name)


@bp.errorhandler(404)
def not_found(exc):
    return problem(404, "Not found", "There is nothing at this address.")


@bp.errorhandler(405)
def not_allowed(exc):
    response = problem(405, "Method not allowed", "This API is read-only: use GET.")
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    return response


@bp.errorhandler(429)
def too_many(exc):
    response = problem(429, "Too many requests", "Slow down and try again shortly.")
    retry = getattr(exc, "retry_after", None) or 60
    response.headers["Retry-After"] = str(int(retry))
    return response


@bp.after_app_request
def _open(response):
    """Every answer under /api/v1, even one no route matched (a 405, an unknown path): anyone may read the API
    from a browser, nothing here is private, and a script elsewhere must be able to read why it was refused."""
    if request.path.startswith(bp.url_prefix + "/"):
        _cors(response)
    return response


@bp.after_request
def _conditional(response):
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


def _cors(response) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    # What a script in a browser elsewhere may read: the validators, the pages, and the rate limit's budget
    # (the limiter's X-RateLimit-* on every answer, Retry-After on a 429 or 503).
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    # Preflights for conditional requests: a browser elsewhere may send If-None-Match.
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
    response.headers["Access-Control-Max-Age"] = "86400"


def licence() -> dict:
    config = current_app.config
    return {"id": config["CONTENT_LICENCE"], "name": config["CONTENT_LICENCE_NAME"],
            "url": config["CONTENT_LICENCE_URL"]}


def _site(path: str) -> str:
    return current_app.config["SITE_URL"] + path


# ---------------------------------------------------------------- parameters

ALLOWED = {
    "stories": {"provider", "tag", "status", "criticality", "published_since", "updated_since", "limit", "cursor"},
    "providers": {"kind", "service_type", "parent", "q", "updated_since", "limit", "cursor"},
    "events": {"since", "story_id", "kind", "limit", "cursor"},
    "redirects": {"since", "limit", "cursor"},
    "tags": set(),
}


def _check_known(endpoint: str) -> None:
    unknown = sorted(set(request.args) - ALLOWED[endpoint])
    if unknown:
        known = ", ".join(sorted(ALLOWED[endpoint]))
        raise BadParameter(unknown[0], f"Unknown parameter {unknown[0]!r}. Known: {known}." if known
                           else f"Unknown parameter {unknown[0]!r}: this list takes none.")


def _limit_arg() -> int:
    return whole_number(request.args.get("limit"), "limit", 1, MAX_LIMIT) or 20


def _time_arg(name: str) -> datetime | None:
    return iso_datetime(request.args.get(name), name)


def _cursor_arg(width: int) -> str | None:
    raw = request.args.get("cursor")
    if raw is not None and decode_cursor(raw, width) is None:
        raise BadParameter("cursor", "cursor is not one this API gave out; start again without it.")
    return raw


def _next_link(endpoint: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    return _site(url_for(endpoint, cursor=cursor, **args))


# ---------------------------------------------------------------- stories

def story_extras(ids: list[int]) -> dict[int, dict]:
    """For these stories: whether and when a moderator last edited the text, and their public reply and change
    counts. Three grouped queries, whatever the page's size."""
    out = {i: {"edited_by_moderator": False, "moderator_edited_at": None, "reply_count": 0, "change_count": 0}
           for i in ids}
    if not ids:
        return out
    for story_id, at in db.session.execute(select(StoryRevision.story_id, func.max(StoryRevision.created_at))
                                           .where(StoryRevision.story_id.in_(ids)).group_by(StoryRevision.story_id)):
        out[story_id].update(edited_by_moderator=True, moderator_edited_at=iso(at))
    for story_id, n in db.session.execute(select(Reply.story_id, func.count()).where(
            Reply.story_id.in_(ids), Reply.status == VISIBLE, Reply.kind == STAFF_REPLY).group_by(Reply.story_id)):
        out[story_id]["reply_count"] = n
    for story_id, n in db.session.execute(select(Change.story_id, func.count()).where(
            Change.story_id.in_(ids), Change.status == VISIBLE).group_by(Change.story_id)):
        out[story_id]["change_count"] = n
    return out


def story_json(story: Story, extras: dict) -> dict:
    return {
        "id": story.id, "url": _site(url_for("pages.story", story_id=story.id)),
        "provider": {"code": story.provider.code, "name": story.provider.name},
        "title": story.title, "body": story.body, "experienced_in": figures.year_month(story.experienced_on),
        "author_role": story.author_role, "on_behalf": story.on_behalf, "public_name": story.public_name,
        "language": story.language, "route": story.route,
        "criticality": story.criticality, "response_status": story.response_status,
        "tags": [t.slug for t in story.tags],
        "tags_by_kind": {kind: [t.slug for t in story.tags if t.kind == kind] for kind in enums.TAG_KINDS},
        "published_at": iso(story.published_at),
        "updated_at": iso(story.updated_at), "first_reply_at": iso(story.first_reply_at) or None, **extras,
    }


def tombstone_json(story: Story) -> dict:
    return {"id": story.id, "status": story.status, "updated_at": iso(story.updated_at), "tombstone": True}


def _story_filters(updated_since: datetime | None, published_since: datetime | None) -> StoryFilters:
    """The list's filters from the query. Stricter than the list pages, which ignore what they do not know: a
    program asking for an unknown provider, tag or status is told so (400) rather than given everything."""
    filters = StoryFilters(updated_since=updated_since, published_since=published_since)
    if code := request.args.get("provider"):
        # An old code (merged or changed) means the provider it leads to now.
        filters.provider = resolve_code(db.session, code)
        if filters.provider is None:
            raise BadParameter("provider", f"No provider has the code {code!r}.")
    if slug := request.args.get("tag"):
        filters.tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
        if filters.tag is None:
            raise BadParameter("tag", f"No tag is called {slug!r}; see the dataset's tags.csv.")
    if (status := request.args.get("status")) is not None:
        if status not in enums.RESPONSE_STATUSES:
            raise BadParameter("status", f"status must be one of {', '.join(enums.RESPONSE_STATUSES)}.")
        filters.response_status = status
    filters.criticality = one_of_numbers(request.args.get("criticality"), "criticality", CRITICALITY)
    return filters


@bp.route("/stories")
def stories():
    _check_known("stories")
    limit = _limit_arg()
    updated_since = _time_arg("updated_since")
    published_since = _time_arg("published_since")
    # With updated_since the list is a sync feed: oldest change first, tombstones included.
    sync = updated_since is not None
    cursor = _cursor_arg(2)
    stmt = public_stories(_story_filters(updated_since, published_since), db.session, tombstones=sync)
    stmt = stmt.options(selectinload(Story.tags))
    if sync:
        page = keyset_page(db.session, stmt, [Story.updated_at, Story.id], lambda s: (s.updated_at.isoformat(), s.id),
                           cursor, size=limit)
    else:
        page = keyset_page(db.session, stmt, [Story.published_at, Story.id],
                           lambda s: (s.published_at.isoformat(), s.id), cursor, size=limit, descending=True)
    extras = story_extras([s.id for s in page.items if is_public(s)])
    data = [story_json(s, extras[s.id]) if is_public(s) else tombstone_json(s) for s in page.items]
    return jsonify(data=data, links={"next": _next_link("api.stories", page.next_cursor)}, licence=licence())


@bp.route("/stories/<int:story_id>")
def story(story_id: int):
    item = db.session.get(Story, story_id)
    # Only stories that were ever published exist here; a withdrawn or hidden one leaves a tombstone (410).
    if item is None or item.published_at is None or not (is_public(item) or is_tombstone(item)):
        return problem(404, "Not found", "No published story has that id.")
    if not is_public(item):
        return problem(410, "Gone", "This story was withdrawn by its author or hidden by a moderator.",
                       tombstone=tombstone_json(item))
    body = story_json(item, story_extras([item.id])[item.id])
    replies = db.session.scalars(select(Reply).where(Reply.story_id == item.id, Reply.status == VISIBLE)
                                 .options(selectinload(Reply.provider)).order_by(Reply.published_at, Reply.id))
    changes = db.session.scalars(select(Change).where(Change.story_id == item.id, Change.status == VISIBLE)
                                 .options(selectinload(Change.provider)).order_by(Change.created_at, Change.id))
    body["responses"] = [{
        "id": r.id, "kind": r.kind, "body": r.body, "published_at": iso(r.published_at),
        "edited_at": iso(r.edited_at) or None,
        "responder": ({"name": r.responder_name, "title": r.responder_title,
                       "provider": r.provider.code if r.provider else None} if r.kind == "staff" else None),
    } for r in replies]
    today = utcnow().date()
    body["changes"] = [{
        "id": c.id, "kind": c.kind, "description": c.description, "made_on": iso(c.made_on) or None,
        "provider": c.provider.code, "reported_by": {"name": c.reporter_name, "title": c.reporter_title},
        "created_at": iso(c.created_at), **change_json(c, today),
    } for c in changes]
    events = db.session.scalars(public_events.public_events(db.session).where(StoryEvent.story_id == item.id)
                                .options(selectinload(StoryEvent.provider)).order_by(StoryEvent.at, StoryEvent.id))
    body["events"] = [event_json(e) for e in events]
    return jsonify(data=body, licence=licence())


def change_json(change: Change, today) -> dict:
    """Its due date, owner, evidence, the author's verdict and overdue, as the story page shows them."""
    values = change_fields.shown(change.kind, change.due_on, change.owner, change.evidence, change.evidence_url,
                                 change.verdict, change.verdict_status, change.verdict_at, change.verdict_note, today)
    out = dict(zip(change_fields.FIELDS, values, strict=True))
    out["due_on"] = iso(out["due_on"]) or None
    out["verdict_at"] = iso(out["verdict_at"]) or None
    return out


EVENT_KEYS = ("id", "story_id", "kind", "at", "step", "provider", "count", "change_id", "due_on")


def event_json(event: StoryEvent) -> dict:
    """One public event, under the names of story_events.csv (but `provider` for its provider_code, as elsewhere
    in the API)."""
    out = dict(zip(EVENT_KEYS, public_events.of(event), strict=True))
    out["at"] = iso(out["at"])
    out["due_on"] = iso(out["due_on"]) or None
    return out


# ---------------------------------------------------------------- events

@bp.route("/events")
def events():
    """Public story events, oldest first, for a copy kept in step: see the OpenAPI document for what to do about
    a story that becomes a tombstone (its events leave this feed; /stories?updated_since says so)."""
    _check_known("events")
    limit = _limit_arg()
    since = _time_arg("since")
    cursor = _cursor_arg(2)
    stmt = public_events.public_events(db.session).options(selectinload(StoryEvent.provider))
    if since is not None:
        stmt = stmt.where(StoryEvent.at >= since)
    if (story_id := whole_number(request.args.get("story_id"), "story_id", 1)) is not None:
        stmt = stmt.where(StoryEvent.story_id == story_id)
    if (kind := request.args.get("kind")) is not None:
        if kind not in enums.EVENT_KINDS:
            raise BadParameter("kind", f"kind must be one of {', '.join(enums.EVENT_KINDS)}.")
        stmt = stmt.where(StoryEvent.kind == kind)
    page = keyset_page(db.session, stmt, [StoryEvent.at, StoryEvent.id], lambda e: (e.at.isoformat(), e.id),
                       cursor, size=limit)
    data = [event_json(e) for e in page.items]
    return jsonify(data=data, links={"next": _next_link("api.events", page.next_cursor)}, licence=licence())


# ---------------------------------------------------------------- providers

def provider_json(provider: Provider, ancestors: list[str]) -> dict:
    """ancestors: the codes above it, top first (app.directory.services.ancestor_codes)."""
    return {"code": provider.code, "name": provider.name, "kind": provider.kind,
            "service_type": provider.service_type, "parent_code": ancestors[-1] if ancestors else None,
            "top_level_code": ancestors[0] if ancestors else provider.code, "ancestors": ancestors,
            "postcode": provider.postcode, "website": provider.website, "active": provider.active,
            "updated_at": iso(provider.updated_at), "url": _site(url_for("pages.provider", code=provider.code))}


@bp.route("/providers")
def providers():
    _check_known("providers")
    limit = _limit_arg()
    updated_since = _time_arg("updated_since")
    cursor = _cursor_arg(1 if updated_since is None else 2)
    stmt = select(Provider)
    if (kind := request.args.get("kind")) is not None:
        if kind not in enums.PROVIDER_KINDS:
            raise BadParameter("kind", f"kind must be one of {', '.join(enums.PROVIDER_KINDS)}.")
        stmt = stmt.where(Provider.kind == kind)
    if (service_type := request.args.get("service_type")) is not None:
        if service_type not in enums.SERVICE_TYPES:
            raise BadParameter("service_type", f"service_type must be one of {', '.join(enums.SERVICE_TYPES)}.")
        stmt = stmt.where(Provider.service_type == service_type)
    if (parent := request.args.get("parent")) is not None:
        parent_provider = resolve_code(db.session, parent)
        if parent_provider is None:
            raise BadParameter("parent", f"No provider has the code {parent!r}.")
        stmt = stmt.where(Provider.parent_id == parent_provider.id)
    if q := (request.args.get("q") or "").strip()[:200]:
        stmt = stmt.where(Provider.id.in_(search_query(q).with_only_columns(Provider.id)))
    if updated_since is not None:
        # A sync feed: everything changed since, oldest change first (merged and renamed codes: /redirects).
        stmt = stmt.where(Provider.updated_at >= updated_since)
        page = keyset_page(db.session, stmt, [Provider.updated_at, Provider.id],
                           lambda p: (p.updated_at.isoformat(), p.id), cursor, size=limit)
    else:
        page = keyset_page(db.session, stmt, [Provider.id], lambda p: (p.id,), cursor, size=limit)
    above = ancestor_codes(db.session, [p.id for p in page.items])
    data = [provider_json(p, above[p.id]) for p in page.items]
    return jsonify(data=data, links={"next": _next_link("api.providers", page.next_cursor)}, licence=licence())


@bp.route("/redirects")
def redirects():
    """The directory's history: codes merged into another provider or changed, oldest first."""
    _check_known("redirects")
    limit = _limit_arg()
    since = _time_arg("since")
    cursor = _cursor_arg(2)
    stmt = select(ProviderRedirect).options(selectinload(ProviderRedirect.provider))
    if since is not None:
        stmt = stmt.where(ProviderRedirect.created_at >= since)
    page = keyset_page(db.session, stmt, [ProviderRedirect.created_at, ProviderRedirect.code],
                       lambda r: (r.created_at.isoformat(), r.code), cursor, size=limit)
    data = [{"old_code": r.code, "new_code": r.provider.code, "kind": r.kind, "redirected_at": iso(r.created_at)}
            for r in page.items]
    return jsonify(data=data, links={"next": _next_link("api.redirects", page.next_cursor)}, licence=licence())


@bp.route("/tags")
def tags():
    """Every tag with its kind and how many public stories carry it: one short list, no pages."""
    _check_known("tags")
    public = select(Story.id).where(public_story_filter(StoryFilters(), db.session))
    counts = (select(story_tags.c.tag_id, func.count().label("n")).where(story_tags.c.story_id.in_(public))
              .group_by(story_tags.c.tag_id).subquery())
    rows = db.session.execute(select(Tag, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.tag_id == Tag.id)
                              .order_by(Tag.kind, Tag.name, Tag.id))
    data = [{"slug": t.slug, "name": t.name, "kind": t.kind, "active": t.active, "stories": n} for t, n in rows]
    return jsonify(data=data, licence=licence())


@bp.route("/providers/<code>")
def provider(code: str):
    item = find_by_code(db.session, code)
    if item is None:
        return problem(404, "Not found", "No provider has that code.")
    stats = response_stats(db.session, item)
    f = stats.figures
    body = provider_json(item, ancestor_codes(db.session, [item.id])[item.id])
    body["statistics"] = {
        "period_days": stats.days, "period_from": stats.since.isoformat(), **figures.counts(stats),
        "reply_share": figures.share(stats.reply_share),
        "median_hours_to_first_reply": figures.median_hours(stats.median_reply),
        # The provider page's figures in working days, from the same aggregates.
        "replied_within_5_working_days": f.replied_5, "still_within_5_working_days": f.waiting_5,
        "share_replied_within_5_working_days": figures.share(f.share_5),
        "replied_within_20_working_days": f.replied_20, "still_within_20_working_days": f.waiting_20,
        "share_replied_within_20_working_days": figures.share(f.share_20),
        "median_working_days_to_first_reply": f.median_workdays,
        "changes_confirmed": f.changes_confirmed, "changes_disputed": f.changes_disputed,
        "changes_overdue": stats.changes_overdue,
    }
    return jsonify(data=body, licence=licence())


@bp.route("/providers/<code>/insight")
def provider_insight(code: str):
    """The provider's monthly figures for 24 months, rolled up over everything below it, and its themes."""
    item = find_by_code(db.session, code)
    if item is None:
        return problem(404, "Not found", "No provider has that code.")
    ins = insight(db.session, item)
    months = [{
        "month": figures.year_month(m), **figures.counts(f),
        "median_hours_to_first_reply": figures.median_hours(f.median_reply), "criticality": f.criticality,
    } for m, f in ((m, ins.by_month[m]) for m in ins.months)]
    themes = {kind: [{
        "tag": t.tag.slug, "name": t.tag.name, "stories": t.count, "share": figures.share(t.share),
        "recent_share": figures.share(t.recent_share), "before_share": figures.share(t.before_share),
    } for t in listed] for kind, listed in ins.themes.items()}
    body = {"provider": {"code": item.code, "name": item.name},
            "url": _site(url_for("insight.provider", code=item.code)),
            "updated_at": iso(ins.fresh_at) or None, "months": months, "themes": themes}
    return jsonify(data=body, licence=licence())


@bp.route("/openapi.json")
def openapi():
    return jsonify(document())
