"""Whole public pages for visitors who are not logged in, kept in each web process while nothing they show changed.

A page is kept under its language (app/web/i18n.py) and the content version (app/web/models.py), which the
database moves in the same commit as any change a public page could show, so a kept page is never older than the
data, however many processes or nodes serve the site: each reads the version (one indexed row)
at the start of a request.
Kept pages also expire after PAGE_CACHE_SECONDS, which bounds what the version leaves out on purpose
(a story's read count, "this month" rolling over).

Only GET and HEAD of the endpoints in CACHED (and in KEY_PARTS, whose key a domain extends), only for a
visitor who is not logged in and has no message waiting, and only a 200 that wrote nothing to the session: a
page holding a form's CSRF token belongs to one visitor and is never kept. The rate limiter runs before the cache.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    render_template,
    request,
    session,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from app.extensions import db
from app.web.i18n import current_language
from app.web.models import content_version

T = TypeVar("T")

CACHED = {
    "pages.home", "stories.index", "pages.story", "directory.index", "pages.provider", "insight.provider",
    "insight.compare", "api.stories", "api.story", "api.providers", "api.provider", "api.provider_insight",
    "feeds.stories", "feeds.provider",
}
SKIPPED_HEADERS = {"set-cookie", "content-length", "vary"}
# What a page does even when it is served from the cache (the story page counts its read).
ON_HIT: dict[str, Callable[..., None]] = {}
# Pages whose content follows more than the content version: their domain adds what else their key needs (the
# search page, the index generation the worker moves as it writes the index), the content version first. Each is
# kept like CACHED.
KEY_PARTS: dict[str, Callable[[], tuple]] = {}


@dataclass(frozen=True)
class Entry:
    body: bytes
    headers: list[tuple[str, str]]
    stored: float


class PageCache:
    """A bounded LRU of rendered pages, by (content version, address, language)."""

    def __init__(self, max_bytes: int, max_age: float) -> None:
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.size = 0
        self.hits = self.misses = 0
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and time.monotonic() - entry.stored > self.max_age:
                self._drop(key)
                entry = None
            if entry is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple, body: bytes, headers: list[tuple[str, str]]) -> None:
        if len(body) > self.max_bytes // 8:
            return  # one huge page must not empty the cache
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = Entry(body, headers, time.monotonic())
            self.size += len(body)
            while self.size > self.max_bytes and self.entries:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: tuple) -> None:
        self.size -= len(self.entries.pop(key).body)


def init_app(app: Flask) -> None:
    megabytes = app.config["PAGE_CACHE_MB"]
    if megabytes > 0:
        app.extensions["page_cache"] = PageCache(megabytes * 1024 * 1024, app.config["PAGE_CACHE_SECONDS"])
    # Parts of pages that are the same for every viewer (story cards, search results, the insight figures), for
    # those the page cache does not serve: people signed in, or every visitor with PAGE_CACHE_MB=0.
    fragments = app.config["FRAGMENT_CACHE_MB"]
    if fragments > 0:
        app.extensions["fragment_cache"] = PageCache(fragments * 1024 * 1024, app.config["PAGE_CACHE_SECONDS"])
    app.jinja_env.globals["kept_layout"] = kept_layout
    app.jinja_env.globals["kept_field"] = kept_field
    if megabytes > 0 or fragments > 0:
        # Registered after the rate limiter's own hook, so a kept page is still counted against a limit.
        app.before_request(_serve)
    if megabytes > 0:
        app.after_request(_keep)


def _forget_versions(session) -> None:
    """A commit during a request may move the content version (a staff member's first read of a story writes
    its timeline step, then shows the page): what this request kept in mind is read again before the next
    fragment."""
    if has_app_context():
        g.pop("content_version", None)
        g.pop("page_versions", None)


event.listen(OrmSession, "after_commit", _forget_versions)


def _serve():
    if request.method not in ("GET", "HEAD") or (request.endpoint not in CACHED and request.endpoint not in KEY_PARTS):
        return None
    # Read before anything the page shows, so what is kept under these versions is never older than they are
    # (on PostgreSQL each statement sees the latest commit): the fragments of this request use them too.
    versions = _read_versions()
    g.content_version, g.page_versions = versions[0], versions
    pages = current_app.extensions.get("page_cache")
    if pages is None or current_user.is_authenticated or "_flashes" in session:
        return None
    # The language is part of the key: an English visitor is never given a kept Welsh page, or the reverse.
    key = (*versions, request.host_url, request.full_path, current_language())
    entry = pages.get(key)
    if entry is None:
        g.page_cache_key = key
        return None
    if hook := ON_HIT.get(request.endpoint):
        hook(**(request.view_args or {}))
    # A kept page with an ETag (the API, the feeds) answers "has it changed?" as its view would have.
    return Response(entry.body, headers=entry.headers).make_conditional(request)


def not_kept() -> None:
    """This answer must not be kept, though its page may be (the search page while its index is unavailable):
    neither the page nor a fragment being rendered."""
    g.pop("page_cache_key", None)
    g.fragment_not_kept = True


def page_versions() -> tuple:
    """The versions this request's page is kept under (KEY_PARTS), read at its start; else read now."""
    versions = g.get("page_versions")
    return versions if versions is not None else _read_versions()


def _read_versions() -> tuple:
    """This endpoint's versions from the database: its KEY_PARTS, else the content version alone."""
    parts = KEY_PARTS.get(request.endpoint)
    return parts() if parts else (content_version(db.session),)


def _keep(response: Response) -> Response:
    key = g.pop("page_cache_key", None)
    if key is None or response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        return response
    # A page that made a CSRF token (a form) or wrote to the session is this visitor's alone.
    if session.modified or "csrf_token" in g or "Set-Cookie" in response.headers or current_user.is_authenticated:
        return response
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in SKIPPED_HEADERS]
    current_app.extensions["page_cache"].put(key, response.get_data(), headers)
    return response


def request_content_version(db_session=None) -> int:
    """The content version this request works under: the one read at its start (before its data), or after its
    last commit; else read now, once."""
    version = g.get("content_version")
    if version is None:
        version = g.content_version = content_version(db_session or db.session)
    return version


_values_lock = threading.Lock()


def kept_value(store: str, key: tuple, compute: Callable[[], T], entries: int) -> T:
    """What `compute` answers, kept in this process (per app, in the store of that name) under `key`, which holds
    the version it depends on (read before the data); the least recently used dropped past `entries`."""
    kept = current_app.extensions.setdefault(store, OrderedDict())
    with _values_lock:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    value = compute()
    with _values_lock:
        kept[key] = value
        while len(kept) > entries:
            kept.popitem(last=False)
    return value


def kept_fragment(name: str, key: tuple, render: Callable[[], str]) -> Markup:
    """HTML that is the same for every viewer (no form, no CSRF token, nothing of the session), rendered once per
    (content version, language, key) and kept as the page cache keeps pages, for those the page cache never
    serves: moderators and responders get the insight page's figures without their queries, and a story card is
    rendered once, not on every list it is in. With FRAGMENT_CACHE_MB=0 nothing is kept and `render` runs every
    time.

    The content version is the one the request read before its data (pages in CACHED or KEY_PARTS), else read
    now, once per request: a fragment whose data the view read before this call should be on such a page."""
    store = current_app.extensions.get("fragment_cache")
    if store is None:
        return Markup(render())
    version = request_content_version()
    # The address the site was reached at too: a kept part may hold a full link (the story's credit line does).
    full = (name, version, current_language(), request.host_url, *key)
    entry = store.get(full)
    if entry is not None:
        return Markup(entry.body.decode())
    enclosing = g.pop("fragment_not_kept", False)
    g.fragment_not_kept = False
    try:
        html = render()
        keep = not g.fragment_not_kept
    finally:
        # A part that must not be kept makes the fragment around it not kept either.
        g.fragment_not_kept = enclosing or g.pop("fragment_not_kept", False)
    if keep:
        store.put(full, html.encode(), [])
    return Markup(html)


def _kept_html(full: tuple, render: Callable[[], str]) -> Markup:
    """`render()`'s HTML kept in the fragment store under `full`, which holds everything it is made of; rendered
    every time with FRAGMENT_CACHE_MB=0."""
    store = current_app.extensions.get("fragment_cache")
    if store is None:
        return Markup(render())
    entry = store.get(full)
    if entry is not None:
        return Markup(entry.body.decode())
    html = render()
    store.put(full, html.encode(), [])
    return Markup(html)


def kept_layout(template: str, **values) -> Markup:
    """A part of the layout (the navigation, the footer) rendered from `values` alone, and kept per (template,
    values, language, address): it reads no data, so no version is needed, and every page — signed in or
    rendered for a visitor — skips its two dozen links and strings. The template sees only `values` and the
    environment's globals (url_for, the translation callables), never the request's context: it cannot show
    anything of the viewer that is not in `values`, which make the key."""
    def render() -> str:
        return current_app.jinja_env.get_template(template).render(**values)
    if not has_request_context():
        return Markup(render())
    return _kept_html(("layout", template, current_language(), request.host_url, repr(sorted(values.items()))),
                      render)


def _field_key(field, hint) -> tuple | None:
    """Everything a form field's HTML is made of; None for a field that may show what someone typed (anything
    submitted), an error, or a CSRF token, which are never kept."""
    if field.errors or field.raw_data or field.type in ("CSRFTokenField", "HiddenField"):
        return None
    return (type(field).__module__, type(field).__qualname__, type(field.widget).__qualname__, field.id, field.name,
            str(field.label.text), str(hint or field.description or ""), repr(sorted(vars(field.flags).items())),
            repr(field.render_kw), repr(field.data), repr(getattr(field, "choices", None)),
            repr(field.object_data), field._value() if hasattr(field, "_value") else None)


def kept_field(field, hint, render: Callable) -> Markup:
    """A form field as the forms macro renders it (label, hint, input), kept per everything it is made of and the
    language (`_field_key`), within FRAGMENT_CACHE_MB: WTForms builds each field's attributes anew on every render,
    and a staff member's story page has nine. A field with an error or anything submitted is rendered each time."""
    key = _field_key(field, hint) if "fragment_cache" in current_app.extensions else None
    if key is None:
        return Markup(render(field, hint))
    return _kept_html(("field", current_language(), *key), lambda: str(render(field, hint)))


def kept_template(name: str, key: tuple, template: str, context: Callable[[], dict]) -> Markup:
    """`template` rendered with what `context()` computes, kept as `kept_fragment` keeps it: a hit skips the
    queries as well as the rendering. The template must show nothing of the viewer (no form with a CSRF token,
    nothing of `current_user`)."""
    return kept_fragment(name, key, lambda: render_template(template, **context()))
