"""A story's response status, derived from its visible replies and changes, and the timeline steps written once."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.extensions import utcnow
from app.replies.models import (
    CHANGE_MADE,
    CHANGE_PLANNED,
    DISPUTED,
    NO_CHANGE,
    NOT_YET,
    STAFF_REPLY,
    VISIBLE,
    Change,
    Reply,
)
from app.stories import timeline
from app.stories.models import Story


def contested(change: Change) -> bool:
    """A change made that its author says they do not see yet, or disputes (once a moderator checked it)."""
    return (change.kind == CHANGE_MADE and change.verdict in (NOT_YET, DISPUTED)
            and change.verdict_status == VISIBLE)


def refresh_response(session: Session, story: Story) -> None:
    """Derive the story's response status and first reply time from its visible replies and changes.

    Change made > change planned > no change planned > responded > awaiting response. A change made whose author
    says "not yet", or whose dispute a moderator let through, no longer counts as made: the story is reopened and
    falls back to what else it has (a planned change; else "responded", since the provider did answer).

    The story counts as updated (the API's updated_since, the dataset rebuild): its conversation changed.
    """
    session.flush()
    story.updated_at = utcnow()
    changes = list(session.scalars(select(Change).where(Change.story_id == story.id, Change.status == VISIBLE)))
    kinds = {c.kind for c in changes if not contested(c)}
    first = session.scalar(select(Reply.published_at).where(
        Reply.story_id == story.id, Reply.kind == STAFF_REPLY, Reply.status == VISIBLE
    ).order_by(Reply.published_at).limit(1))
    story.first_reply_at = first
    if CHANGE_MADE in kinds:
        story.response_status = "change_made"
    elif CHANGE_PLANNED in kinds:
        story.response_status = "change_planned"
    elif NO_CHANGE in kinds:
        story.response_status = "no_change_planned"
    elif first is not None or changes:
        story.response_status = "responded"
    else:
        story.response_status = "awaiting_response"


def record_once(session: Session, story: Story, kind: str, *, step: int = 0, **fields) -> bool:
    """Write a stepped timeline event unless it is there already; False when it was (or another worker's
    transaction wrote it first: the unique (story, kind, step) clash, caught in a savepoint)."""
    if timeline.has_event(session, story.id, kind, step):
        return False
    try:
        with session.begin_nested():
            timeline.record_event(session, story, kind, step=step, **fields)
    except IntegrityError:
        return False
    return True

