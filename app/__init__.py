"""The application factory: configuration, extensions, then each layer's init_app in order."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, abort
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app import (
    accounts,
    admin,
    demo,
    directory,
    following,
    insight,
    mail,
    models,  # noqa: F401  (every model registered before the metadata is used)
    moderation,
    opendata,
    pages,
    replies,
    search,
    stories,
    web,
)
from app.extensions import compress, csrf, db, limiter, login_manager, migrate
from app.web.security import keep_retry_after
from config import BASE_DIR, Config

log = logging.getLogger(__name__)

# Lowest first; the import contract in .importlinter declares the same order.
LAYERS = (web, directory, mail, accounts, stories, replies, moderation, following, search, insight, opendata, pages,
          admin, demo)


class DatabaseInt(IntegerConverter):
    """<int:…> in URLs, bounded to what an INTEGER column holds: /stories/99999999999999999999 is a 404."""

    regex = r"[0-9]+"  # ASCII digits only: werkzeug's \d would take /stories/٣ as /stories/3

    def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", 2_147_483_647)
        super().__init__(map, *args, **kwargs)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    config = Config()
    overrides = overrides or {}
    config.SECRET_KEY = overrides.get("SECRET_KEY") or config.SECRET_KEY
    config.finish(testing=bool(overrides.get("TESTING")), lenient=bool(overrides.get("CONFIG_CHECK")))
    app.config.from_object(config)
    app.config.update(overrides)
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "PREFERRED_URL_SCHEME"):
        if name not in overrides:
            app.config.pop(name, None)
    Config.derive(app.config)
    try:
        Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
        _ensure_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    except OSError:
        if not overrides.get("CONFIG_CHECK"):
            raise
        # `flask check` reports an unusable folder in one clear line rather than a traceback.
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    # After-request hooks run last-registered first: this one, before the extensions', has the last word.
    app.after_request(keep_retry_after)
    _init_sentry(app)
    _init_extensions(app)
    app.url_map.converters["int"] = DatabaseInt
    app.extensions["storyloop.factory"] = create_app  # what opendata's export processes build their app with
    # The foundation's web plumbing, then each domain lowest first (docs/architecture.md): blueprints, CLI
    # groups, scheduled jobs and the handlers they connect to app.events.
    for layer in LAYERS:
        layer.init_app(app)
    return app


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)


def _init_sentry(app: Flask) -> None:
    """Errors reported to Sentry when SENTRY_DSN is set. Nothing personal goes: no request bodies (stories,
    addresses), no cookies or users, no local variables."""
    if not (dsn := app.config.get("SENTRY_DSN")):
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(dsn=dsn, integrations=[FlaskIntegration()], send_default_pii=False,
                    max_request_body_size="never", include_local_variables=False, traces_sample_rate=0.0)


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    # Before every domain: after-request hooks run last-registered first, so compression comes after the page
    # cache has kept the plain page (app/web/cache.py), and a kept page is compressed as it is served.
    compress.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def unauthorised():
        # One path for "log in first": the 401 handler sends people to log in with a local `next`.
        abort(401)

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            @event.listens_for(db.engine, "connect")
            def _postgres_settings(dbapi_connection, record):
                # psycopg prepares a statement it has run five times, and PostgreSQL may then plan it once for
                # any parameters: a search for a rare word would keep the plan made for a common one (30 ms
                # became 200 ms at 1,000,000 stories, docs/benchmarks.md). Plan each statement for its values.
                with dbapi_connection.cursor() as cursor:
                    cursor.execute("SET plan_cache_mode = force_custom_plan")
                dbapi_connection.commit()
        if db.engine.dialect.name == "sqlite":
            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=10000")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()
