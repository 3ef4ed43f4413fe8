"""The response loop: replies, changes planned and made, alerts and digests."""
from __future__ import annotations

from flask import Flask

from app import events, jobs
from app.replies import alerts, reminders, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    jobs.register(app, "digests", alerts.run_due_digests)
    # Unanswered stories remind their staff, then escalate up the tree; planned changes falling due remind theirs.
    jobs.register(app, "reminders", reminders.send_due, every=300)
    # A story published or moved by a moderator alerts the staff of its provider and those above it.
    events.story_published.connect(alerts.on_story_published)
    events.story_moved.connect(alerts.on_story_moved)
