"""Security headers on every response, and the error pages."""
from __future__ import annotations

import logging
from datetime import UTC

from flask import Flask, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_date

from app.errors import DomainError
from app.extensions import db
from app.text import N_

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

MESSAGES = {
    400: (N_("Something in that request was not right"), N_("Go back, check the form and try again.")),
    401: (N_("Please log in"), N_("You need to log in to see this page.")),
    403: (N_("You cannot do that"), N_("Your account does not have permission for this page or action.")),
    404: (N_("Page not found"), N_("The page may have moved or been removed, or the address may be mistyped.")),
    405: (N_("That is not allowed here"), N_("This page does not accept that kind of request.")),
    409: (N_("Someone else changed this first"), N_("Reload the page to see the latest version, then try again.")),
    410: (N_("This is no longer here"), N_("It was removed on purpose, and this address will not work again.")),
    413: (N_("That was too large"), N_("What you sent is larger than we accept. Shorten it and try again.")),
    429: (N_("Too many attempts"), N_("Please wait a minute and try again.")),
    500: (N_("Sorry, something went wrong"), N_("The problem is ours, not yours. Please try again in a few minutes.")),
    503: (N_("The site is busy"), N_("Please try again in a minute.")),
}
DATABASE_DOWN = N_("The site cannot reach its database for a moment. Nothing you sent was saved: go back (your "
                    "browser keeps what you typed) and send it again in a minute.")
RETRY_AFTER_SECONDS = 30


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def drop_nul_characters():
    """No page's address or text has a use for NUL, and PostgreSQL refuses it in text: a path holding one
    is not found, and it is dropped from query and form values before any view reads them."""
    if "\x00" in request.path:
        return render_error(404)
    request.args = _without_nul(request.args)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        request.form = _without_nul(request.form)
    return None


CONDITIONAL_DATES = ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE")


def drop_unreadable_dates():
    """A conditional request's date that cannot be read is ignored (RFC 9110 says so for If-Modified-Since), as
    werkzeug ignores most: but a year past 9999 (or an offset carrying one there) raised OverflowError in its
    parser or in the comparison, a 500 on every page that answers 304s."""
    for name in CONDITIONAL_DATES:
        value = request.environ.get(name)
        if not value or (name == "HTTP_IF_RANGE" and value.lstrip().startswith(('"', "W/"))):
            continue  # absent, or an If-Range holding an ETag
        try:
            parsed = parse_date(value)
            if parsed is not None:
                parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            del request.environ[name]
    return None


def _without_nul(values: ImmutableMultiDict) -> ImmutableMultiDict:
    if not any("\x00" in k or "\x00" in v for k, v in values.items(multi=True)):
        return values
    return ImmutableMultiDict([(k.replace("\x00", ""), v.replace("\x00", "")) for k, v in values.items(multi=True)])


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    if _wants_json():
        # RFC 9457 problem details, as the API's own errors are.
        response = jsonify(type="about:blank", title=title, status=status, detail=str(detail or message))
        response.mimetype = "application/problem+json"
        return response, status
    # The page in the visitor's language; the API's problem details above stay in English, as its data does.
    return render_template("errors/error.html", status=status, title=_(title),
                           message=_(str(detail)) if detail else _(message)), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, _("This form had expired or was sent from somewhere else. "
                                   "Go back, reload the page and send it again: your text is not saved until then."))

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return render_error(exc.status, exc.message or None)

    @app.errorhandler(401)
    def unauthorised(exc):
        if _wants_json():
            return render_error(401)
        flash(_("Please log in to see that page."), "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        response = app.make_response(render_error(exc.code or 500))
        # Keep what the exception says in its headers (Allow on a 405, Retry-After on a 429).
        for name, value in exc.get_response().headers.items():
            if name not in ("Content-Type", "Content-Length"):
                response.headers[name] = value
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(DBAPIError)
    def database_unavailable(exc: Exception):
        if isinstance(exc, DBAPIError) and not isinstance(exc, OperationalError) and not exc.connection_invalidated:
            return unexpected(exc)  # a bad statement is our bug, not an outage
        return database_down(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)


def database_down(exc: Exception):
    """The database did not answer (restarting, unreachable, out of connections): 503 with Retry-After, and one
    line in the log rather than a traceback per request. Only the driver's first line is logged: SQLAlchemy's own
    text quotes the statement's parameters, which may hold a visitor's address or story."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0][:300]
    log.error("database unavailable on %s %s: %s: %s", request.method, request.path, type(cause).__name__, first)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 — the connection is gone: the session is dropped at the request's end
        pass
    try:
        response, status = render_error(503, DATABASE_DOWN)
        response = current_app.make_response((response, status))
    except Exception:  # noqa: BLE001 — the page itself needed the database (a signed-in visitor's name)
        response = current_app.response_class(
            f"<!doctype html><title>The site is busy</title><h1>The site is busy</h1><p>{DATABASE_DOWN}</p>",
            status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    g.retry_after = str(RETRY_AFTER_SECONDS)
    return response


RETRY_STATUSES = (429, 503)  # the answers that tell a client to come back later


def keep_retry_after(response):
    """The last after-request hook (registered before the extensions'): the rate limiter writes its own window
    into Retry-After on every limited route, but a client told to retry an answer that succeeded (or failed
    for good) would wait for nothing, so only a 429 or a 503 keeps it; an outage's 503 keeps the outage's."""
    if response.status_code not in RETRY_STATUSES:
        response.headers.pop("Retry-After", None)
    elif (value := g.get("retry_after")) is not None:
        response.headers["Retry-After"] = value
    return response
