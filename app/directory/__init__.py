"""The provider directory: providers, their hierarchy, the finder and the CSV importer."""
from __future__ import annotations

from flask import Flask

from app.directory import views
from app.directory.cli import providers_cli


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.cli.add_command(providers_cli)
