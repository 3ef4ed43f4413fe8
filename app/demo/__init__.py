"""Demo data for local runs and screenshots."""
from __future__ import annotations

from flask import Flask

from app.demo.cli import demo_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
