"""The operators' console: providers, people, the outbox, the site's health and the audit trail."""
from __future__ import annotations

from flask import Flask

from app import jobs
from app.admin import figures, ops, site, views
from app.admin.cli import check


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(ops.bp)
    app.cli.add_command(check)
    jobs.register_presence(app, site.beat, site.leave)
    jobs.register(app, "heartbeat", site.forget_stopped, every=60)
    jobs.register(app, figures.JOB, figures.fill_in, every=figures.EVERY, limit=figures.LIMIT)
