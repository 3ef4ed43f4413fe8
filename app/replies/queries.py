"""What the staff dashboard shows: stories awaiting a reply, and colleagues' recent replies."""
from __future__ import annotations

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.directory.models import Provider
from app.replies.models import STAFF_REPLY, VISIBLE, Reply
from app.stories.models import PUBLISHED, Story


def awaiting_reply(session: Session, covered: list[int], limit: int = 50) -> list[Row]:
    """Light rows (id, title, criticality, published_at, provider_name): the dashboard shows nothing else, and a
    full story carries a body of up to 10,000 characters."""
    if not covered:
        return []
    return list(session.execute(
        select(Story.id, Story.title, Story.criticality, Story.published_at, Provider.name.label("provider_name"))
        .join(Provider, Provider.id == Story.provider_id)
        .where(Story.status == PUBLISHED, Story.response_status == "awaiting_response",
               Story.provider_id.in_(covered))
        .order_by(Story.criticality.desc(), Story.published_at, Story.id).limit(limit)
    ))


def recent_colleague_replies(session: Session, covered: list[int], user: User, limit: int = 20) -> list[Row]:
    """Light rows (id, story_id, story_title, responder_name, responder_title, published_at)."""
    if not covered:
        return []
    return list(session.execute(
        select(Reply.id, Reply.story_id, Story.title.label("story_title"), Reply.responder_name,
               Reply.responder_title, Reply.published_at)
        .join(Story, Reply.story_id == Story.id)
        .where(Reply.kind == STAFF_REPLY, Reply.status == VISIBLE, Story.provider_id.in_(covered),
               or_(Reply.author_id.is_(None), Reply.author_id != user.id))
        .order_by(Reply.published_at.desc(), Reply.id.desc()).limit(limit)
    ))
