"""Composite pages: a page that shows several domains at once (home, the story page with its conversation, a
provider's page, the staff dashboard, an author's own data). It sits above every domain and below admin."""
from __future__ import annotations

from flask import Flask

from app.pages import (  # noqa: F401  (their routes join the blueprint)
    changes,
    dashboard,
    home,
    my_data,
    provider,
    story,
    trust,
)
from app.pages.blueprint import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
