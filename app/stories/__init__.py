"""Stories: telling, confirmation, the public list, the author's own stories, withdraw."""
from __future__ import annotations

from flask import Flask

from app.stories import assisted, easy, readcounts, views  # noqa: F401  (assisted, easy: their routes join the blueprint)
from app.stories.cards import story_card
from app.stories.models import shown_name
from app.stories.text import linked_paragraphs, opening


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    readcounts.init_app(app)
    app.jinja_env.filters["opening"] = opening
    app.jinja_env.filters["linked_paragraphs"] = linked_paragraphs
    app.jinja_env.globals["story_card"] = story_card
    app.jinja_env.globals["shown_name"] = shown_name  # a public name as shown: "Anonymous" in the reader's language
