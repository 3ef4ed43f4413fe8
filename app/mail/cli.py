"""`flask --app wsgi outbox work [--once]`."""
from __future__ import annotations

import logging
import signal

import click
from flask import current_app
from flask.cli import AppGroup

from app.mail.worker import OutboxWorker

outbox_cli = AppGroup("outbox", help="Deliver queued email.")


@outbox_cli.command("work")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
def work(once: bool) -> None:
    """Deliver queued email over SMTP (or to instance/mail/ without SMTP_HOST), retrying failures, and run the
    scheduled jobs (app/jobs.py), each in a thread of its own so that none holds up the mail."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s outbox %(levelname)s %(message)s")
    app = current_app._get_current_object()
    worker = OutboxWorker(app)
    if once:
        sent, failed = worker.run_once()
        click.echo(f"{sent} sent, {failed} failed")
        return

    def stop(signum, frame):
        worker.stop()  # only sets a flag and wakes the loop: safe whatever the main thread was doing

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"outbox worker {worker.name} running; Ctrl-C stops it")
    worker.run_forever()
    click.echo(f"outbox worker {worker.name} stopped")
