"""Moderation: the queue, claims, actions on stories, replies and answers, revisions and reports."""
from __future__ import annotations

from flask import Flask

from app.moderation import reports, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(reports.bp)
