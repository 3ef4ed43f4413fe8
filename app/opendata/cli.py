"""`flask --app wsgi dataset export DIR`."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.extensions import db
from app.opendata.export import export_dataset
from app.stories.models import Story
from app.stories.queries import StoryFilters, public_story_filter

dataset_cli = AppGroup("dataset", help="The open dataset.")


@dataset_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
def export(directory: str) -> None:
    """Write the open dataset (CSV tables, NDJSON, datapackage.json, README.md, LICENSE) to DIRECTORY."""
    # The progress bar's length: the stories the export will write.
    total = db.session.scalar(select(func.count(Story.id)).where(public_story_filter(StoryFilters(), db.session))) or 0
    with click.progressbar(length=total, label="stories", show_pos=True) as bar:
        counts = export_dataset(db.session, directory, progress=bar.update)
    click.echo(", ".join(f"{n} {name}" for name, n in counts.items()) + f" written to {directory}")
