"""Search's part in building the app: its page, its `flask search` commands and the worker's reindex job."""
from __future__ import annotations

from flask import Flask

from app import jobs
from app.search.cli import search_cli
from app.search.services import drain_queue  # importing the service also registers the queue's flush hooks
from app.search.views import bp


def init_app(app: Flask) -> None:
    """Register /search, the `search` command group and the "search-queue" job (every pass of the worker)."""
    app.register_blueprint(bp)
    app.cli.add_command(search_cli)
    jobs.register(app, "search-queue", drain_queue)
