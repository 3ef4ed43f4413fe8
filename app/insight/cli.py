"""`flask --app wsgi insight rebuild`: recompute the monthly aggregates (after bulk loads or imports)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.directory.models import Provider
from app.extensions import db
from app.insight.aggregates import rebuild
from app.insight.flags import check

insight_cli = AppGroup("insight", help="Monthly aggregates and red flags.")


@insight_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute every provider-month from the stories, and bring red flags up to date (without email)."""
    with click.progressbar(length=0, label="provider-months", show_pos=True) as bar:
        done = rebuild(db.session, progress=bar.update)
    check(db.session, db.session.scalars(select(Provider.id)).all(), notify=False)
    db.session.commit()
    click.echo(f"{done} provider-months recomputed")
