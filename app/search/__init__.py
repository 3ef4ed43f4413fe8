"""Search: one interface, two backends (Whoosh by default; PostgreSQL full-text search for several nodes)."""
from __future__ import annotations

from flask import Flask

from app import jobs
from app.search import cache, services, views
from app.search.cli import search_cli


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    if app.config.get("SEARCH_CACHE_ENTRIES", 0) > 0:
        app.extensions["search_results"] = cache.ResultCache(app.config["SEARCH_CACHE_ENTRIES"])
    app.cli.add_command(search_cli)
    # The reindex queue fills from the session's own events (app/search/services.py) whatever changed a story.
    jobs.register(app, "search-queue", services.drain_queue)
