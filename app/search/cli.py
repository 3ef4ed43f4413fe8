"""`flask --app wsgi search rebuild`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.search import services

search_cli = AppGroup("search", help="The search index.")


@search_cli.command("rebuild")
@click.option("--procs", type=click.IntRange(1, 8), default=2, show_default=True,
              help="Writer processes (Whoosh's multiprocessing writer).")
def rebuild(procs: int) -> None:
    """Rebuild the search index from the database beside the live one, then swap it in."""
    total = services.published_count(db.session)
    with click.progressbar(length=total, label="stories", show_pos=True) as bar:
        count = services.rebuild(db.session, progress=bar.update, procs=procs)
    click.echo(f"{count} stories indexed")
