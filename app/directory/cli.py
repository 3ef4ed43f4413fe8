"""`flask --app wsgi providers import FILE.csv` and `providers rematch`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.directory.importer import ImportFileError, import_providers
from app.extensions import db

providers_cli = AppGroup("providers", help="Manage the provider directory.")


@providers_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Upsert providers from a CSV file (code,name,kind,parent_code,postcode,email,website[,service_type])."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            report = import_providers(db.session, f)
    except ImportFileError as exc:
        db.session.rollback()
        click.echo(f"error: {path}: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    for rejection in report.rejected:
        click.echo(f"rejected {rejection}", err=True)
    click.echo(report.summary())
    sys.exit(1 if report.rejected else 0)


@providers_cli.command("rematch")
def rematch_command() -> None:
    """Normalise every stored name again for the finder (after app/directory/data/equivalents.txt changed)."""
    from sqlalchemy import select

    from app.directory.matching import load_equivalents, match_name
    from app.directory.models import Provider

    load_equivalents.cache_clear()
    changed = 0
    for provider in db.session.scalars(select(Provider)):
        wanted = match_name(provider.name)
        if provider.match_name != wanted:
            provider.match_name = wanted
            changed += 1
    db.session.commit()
    click.echo(f"{changed} names normalised again")
