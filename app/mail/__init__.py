"""Mail: the outbox, its delivery worker, transports and message templates."""
from __future__ import annotations

from flask import Flask

from app.mail.cli import outbox_cli


def init_app(app: Flask) -> None:
    # Delivery is the worker's own loop (app/mail/worker.py), never a scheduled job behind the others.
    app.cli.add_command(outbox_cli)
