"""The story events the open data publishes (the API and the dataset): which events are public, and how each is
written out. One rule for both, so the API and story_events.csv never disagree.

An event is public while its story is public now (the one read model: app.stories.queries), and, when it is about
a change (planned, due, overdue, made, no change, the author's verdict), while that change is visible: a change a
moderator hid, or sent back to the queue, takes its events out of the open data with it. A dispute is recorded as
an event only once a moderator let it through (app.replies.services.verdict_went_public), so an unchecked one is
never here. An event holds no name and no address: a kind, a time, a step, a provider's code, a count of people
told, a change's id and due date.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.orm import Session

from app.replies.models import VISIBLE, Change
from app.replies.reminders import CHANGE_STEPS
from app.stories import timeline as tl
from app.stories.models import Story
from app.stories.queries import StoryFilters, public_story_filter
from app.stories.timeline import StoryEvent

# Kinds whose step means something to a reader: the reminder (1) and each escalation (2, 3 ...) of an unanswered
# story, and a planned change's due-date reminders (1 a week before, 2 on the day). Other kinds keep a step only
# to be written once (app.stories.timeline); it is not published.
STEPPED = (tl.REMINDED, tl.ESCALATED, tl.CHANGE_DUE_REMINDED)
# Kinds about one change (detail["change_id"]): public only while that change is.
ABOUT_A_CHANGE = (tl.CHANGE_PLANNED, tl.CHANGE_DUE_REMINDED, tl.CHANGE_OVERDUE, tl.CHANGE_MADE,
                  tl.NO_CHANGE_PLANNED, tl.CONFIRMED, tl.NOT_YET, tl.DISPUTED)
# Kinds that carry the change's due date (detail["due_on"]), as it was when the event happened.
WITH_DUE_DATE = (tl.CHANGE_PLANNED, tl.CHANGE_DUE_REMINDED, tl.CHANGE_OVERDUE)


def visible_event() -> ColumnElement[bool]:
    """Not about a change, or about a change that is visible on the event's own story."""
    change_id = StoryEvent.detail["change_id"].as_integer()
    return or_(StoryEvent.kind.not_in(ABOUT_A_CHANGE),
               exists().where(Change.id == change_id, Change.story_id == StoryEvent.story_id,
                              Change.status == VISIBLE))


def public_events(session: Session) -> Select:
    """Every public event (StoryEvent rows) of every story public now, unordered: callers order and narrow."""
    return (select(StoryEvent).join(Story, Story.id == StoryEvent.story_id)
            .where(public_story_filter(StoryFilters(), session), visible_event()))


def _change_id(kind: str, detail: dict) -> int | None:
    value = detail.get("change_id")
    return value if kind in ABOUT_A_CHANGE and isinstance(value, int) and not isinstance(value, bool) else None


def _due_on(kind: str, detail: dict) -> date | None:
    value = detail.get("due_on")
    if kind not in WITH_DUE_DATE or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _step(kind: str, step: int | None) -> int | None:
    if kind not in STEPPED or step is None:
        return None
    # A change's reminders are unique per story as change_id * CHANGE_STEPS + n (app.replies.reminders): n it is.
    return step % CHANGE_STEPS if kind == tl.CHANGE_DUE_REMINDED else step


def event_values(event_id: int, story_id: int, kind: str, at, step: int | None, provider_code: str | None,
                 count: int | None, detail: dict | None) -> list[Any]:
    """One event as published, in the order of story_events.csv (app.opendata.schema.STORY_EVENTS): id, story_id,
    kind, at, step, provider_code, count, change_id, due_on. Nothing from `detail` but these two."""
    detail = detail if isinstance(detail, dict) else {}
    return [event_id, story_id, kind, at, _step(kind, step), provider_code or None, count,
            _change_id(kind, detail), _due_on(kind, detail)]


def of(event: StoryEvent) -> list[Any]:
    """event_values of a loaded StoryEvent (its provider loaded with it)."""
    return event_values(event.id, event.story_id, event.kind, event.at, event.step,
                        event.provider.code if event.provider is not None else None, event.count, event.detail)
