"""A story's card in a list (the home page, the story list, a provider's page): the same for every viewer, so it
is rendered once per content version and language and kept (app/web/cache.py, `kept_fragment`), not on every
list it appears in, for every signed-in person."""
from __future__ import annotations

from flask import current_app
from markupsafe import Markup

from app.stories.models import Story
from app.web.cache import kept_fragment
from app.web.i18n import label


def story_card(story: Story, level: int = 3) -> Markup:
    """The card, its title a heading at `level` (one below the list's own heading)."""
    def render() -> str:
        template = current_app.jinja_env.get_template("stories/_card.html")
        return template.render(story=story, card_level=level, label=label)

    return kept_fragment("stories.card", (story.id, level), render)
