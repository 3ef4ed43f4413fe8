"""`flask --app wsgi users create …` and `flask --app wsgi staff invite …`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.accounts import services, staff
from app.accounts.models import MEMBER_ROLES
from app.directory.services import get_by_code
from app.errors import DomainError
from app.extensions import db

users_cli = AppGroup("users", help="Manage the site's own staff accounts.")
staff_cli = AppGroup("staff", help="Manage provider staff.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(services.ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, role: str, password_stdin: bool) -> None:
    """Create a verified moderator or admin account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_site_user(db.session, email, role, password)
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"created {role} {user.email}")


@staff_cli.command("invite")
@click.argument("provider_code")
@click.argument("email")
@click.option("--title", default="", help='Public job title, e.g. "Ward manager".')
@click.option("--role", type=click.Choice(list(MEMBER_ROLES)), default="responder", show_default=True)
def invite(provider_code: str, email: str, title: str, role: str) -> None:
    """Email an invitation to respond for a provider."""
    try:
        provider = get_by_code(db.session, provider_code)
        staff.invite(db.session, provider, email, title, role)
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"invitation to {provider.name} queued for {email}")
