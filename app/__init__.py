"""The application factory: configuration, extensions, blueprints, error handlers and CLI groups."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, abort
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import BASE_DIR, Config

log = logging.getLogger(__name__)


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

    _init_extensions(app)
    app.url_map.converters["int"] = DatabaseInt
    _register_blueprints(app)
    _register_cli(app)
    _register_outbox_jobs(app)
    _register_template_helpers(app)
    return app


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)


def _init_extensions(app: Flask) -> None:
    from sqlalchemy import event

    from app import models  # noqa: F401  (every model registered before the metadata is used)
    from app.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
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

    @login_manager.user_loader
    def load_user(ident: str):
        from app.accounts.models import User

        user_id, _, version = ident.partition(":")
        if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
            return None
        user = db.session.get(User, int(user_id))
        # A changed password or a disabled account ends every session at once.
        if user is None or user.session_version != int(version) or not user.is_active:
            return None
        # An address never proven opens nothing, whatever session it may hold.
        if user.email_confirmed_at is None:
            return None
        return user

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


def _register_blueprints(app: Flask) -> None:
    from app.accounts.views import bp as accounts_bp
    from app.admin.views import bp as admin_bp
    from app.directory.views import bp as directory_bp
    from app.insight.views import bp as insight_bp
    from app.moderation.views import bp as moderation_bp
    from app.opendata.api import bp as api_bp
    from app.opendata.feeds import bp as feeds_bp
    from app.opendata.views import bp as opendata_bp
    from app.replies.views import bp as replies_bp
    from app.search.views import bp as search_bp
    from app.stories.views import bp as stories_bp
    from app.web.cache import init_app as init_page_cache
    from app.web.security import add_security_headers, drop_nul_characters, register_error_handlers
    from app.web.views import bp as web_bp

    for bp in (web_bp, accounts_bp, directory_bp, stories_bp, moderation_bp, replies_bp, opendata_bp, api_bp,
               feeds_bp, search_bp, admin_bp, insight_bp):
        app.register_blueprint(bp)
    app.before_request(drop_nul_characters)
    app.after_request(add_security_headers)
    register_error_handlers(app)
    init_page_cache(app)


def _register_cli(app: Flask) -> None:
    from app.accounts.cli import staff_cli, users_cli
    from app.admin.cli import check
    from app.demo.cli import demo_cli
    from app.directory.cli import providers_cli
    from app.insight.cli import insight_cli
    from app.mail.cli import outbox_cli
    from app.opendata.cli import dataset_cli
    from app.search.cli import search_cli

    for group in (providers_cli, users_cli, staff_cli, outbox_cli, demo_cli, dataset_cli, search_cli, insight_cli,
                  check):
        app.cli.add_command(group)


def _register_outbox_jobs(app: Flask) -> None:
    """The scheduled jobs the outbox worker runs (app/jobs.py): one line each, with its interval."""
    from app import jobs
    from app.admin.site import beat
    from app.insight.aggregates import refresh  # noqa: F401  (registers the aggregates' flush hooks)
    from app.insight.flags import close_lapsed
    from app.opendata.bundle import JOB as DATASET_JOB
    from app.opendata.bundle import rebuild_if_due
    from app.replies.alerts import run_due_digests
    from app.search.services import drain_queue  # also registers the reindex queue's flush hook

    jobs.register(app, "heartbeat", beat)
    jobs.register(app, "digests", run_due_digests)
    jobs.register(app, "search-queue", drain_queue)
    jobs.register(app, "red-flags", close_lapsed, every=300)
    jobs.register(app, DATASET_JOB, rebuild_if_due, every="DATASET_MIN_INTERVAL_SECONDS")


def _register_template_helpers(app: Flask) -> None:
    from app.permissions import can

    licences = {
        "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
        "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
        "CC0-1.0": ("CC0 1.0 Universal (public domain)", "https://creativecommons.org/publicdomain/zero/1.0/"),
        "ODbL-1.0": ("Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    }
    spdx = app.config["CONTENT_LICENCE"]
    name, url = licences.get(spdx, (spdx, f"https://spdx.org/licenses/{spdx}.html"))
    app.config["CONTENT_LICENCE_NAME"] = name
    app.config["CONTENT_LICENCE_URL"] = url

    from app.stories.text import linked_paragraphs, opening

    app.jinja_env.filters["opening"] = opening
    app.jinja_env.filters["linked_paragraphs"] = linked_paragraphs

    @app.context_processor
    def globals_for_templates():
        return {"can": can, "licence": {"id": spdx, "name": name, "url": url},
                "site_name": app.config["SITE_NAME"]}
