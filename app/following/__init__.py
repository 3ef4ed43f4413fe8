"""Following a service by email: double opt-in, a daily digest, one-click unsubscribe."""
from __future__ import annotations

from flask import Flask

from app import jobs
from app.following import services, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    # Runs often; each follower gets at most one digest a day, at or after DIGEST_HOUR.
    jobs.register(app, "following-digest", services.run_digests, every=600)
