"""The closed lists of values the open data may hold, each read from the model constant that owns it.

The Table Schemas (schema.py), the OpenAPI document (openapi.py) and the API's own checks take their enums
from here, never from a list typed out again: a value added to a model constant is published at once.
"""
from __future__ import annotations

from collections.abc import Iterable

from app.directory import models as directory
from app.replies import models as replies
from app.stories import models as stories
from app.stories import queries as story_queries
from app.stories import tags as story_tags
from app.stories import timeline


def values(constant: Iterable) -> tuple:
    """A model constant's values, in its own order: a dict's keys, a sequence's items, duplicates dropped.

    A set is refused: its order changes from run to run, and the published schemas must not."""
    if isinstance(constant, set | frozenset):
        raise TypeError("a set has no stable order; give the constant as a dict, list or tuple")
    return tuple(dict.fromkeys(constant))


PROVIDER_KINDS: tuple[str, ...] = values(directory.KINDS)
SERVICE_TYPES: tuple[str, ...] = values(directory.SERVICE_TYPES)
REDIRECT_KINDS: tuple[str, ...] = values(directory.REDIRECT_KINDS)
AUTHOR_ROLES: tuple[str, ...] = values(stories.AUTHOR_ROLES)
RESPONSE_STATUSES: tuple[str, ...] = values(stories.RESPONSE_STATUSES)
LANGUAGES: tuple[str, ...] = values(stories.LANGUAGES)
ROUTES: tuple[str, ...] = values(stories.ROUTES)
CRITICALITY: tuple[int, ...] = values(stories.CRITICALITY)
TOMBSTONE_STATUSES: tuple[str, ...] = values(story_queries.TOMBSTONE_STATUSES)
# replies.models names its two reply kinds one by one, with no collection of them.
REPLY_KINDS: tuple[str, ...] = values((replies.STAFF_REPLY, replies.AUTHOR_ANSWER))
CHANGE_KINDS: tuple[str, ...] = values(replies.CHANGE_KINDS)
VERDICTS: tuple[str, ...] = values(replies.VERDICTS)
EVENT_KINDS: tuple[str, ...] = values(timeline.EVENT_KINDS)
# The curated list is where every tag, and so every tag kind, comes from (the tags table is seeded from it).
TAG_KINDS: tuple[str, ...] = values(kind for _, _, kind in story_tags.CURATED)
