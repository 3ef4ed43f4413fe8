"""Insight: monthly aggregates per provider, comparison, red flags, SVG charts and response statistics."""
from __future__ import annotations

from flask import Flask

from app import jobs
from app.insight import aggregates, flags, transparency, views  # noqa: F401  (aggregates: its session hooks)
from app.insight.cli import insight_cli


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.cli.add_command(insight_cli)
    # The aggregates follow every change through the session's own events (app/insight/aggregates.py).
    jobs.register(app, "red-flags", flags.close_lapsed, every=300)
    # The site's own monthly figures for the transparency page (app/insight/transparency.py).
    jobs.register(app, "transparency", transparency.recompute, every=600)
