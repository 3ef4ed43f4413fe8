"""Accounts: users, sign-up and sign-in (password and emailed links), who may do what, provider
memberships and invitations."""
from __future__ import annotations

from flask import Flask

from app.accounts import views
from app.accounts.cli import staff_cli, users_cli
from app.accounts.permissions import can
from app.accounts.services import load_user
from app.extensions import login_manager


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    for group in (users_cli, staff_cli):
        app.cli.add_command(group)
    login_manager.user_loader(load_user)
    app.context_processor(lambda: {"can": can})
