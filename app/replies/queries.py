"""What the staff dashboard shows: stories awaiting a reply, and colleagues' recent replies."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Membership, User
from app.directory.services import descendant_ids_cte
from app.replies.models import STAFF_REPLY, VISIBLE, Reply
from app.stories.models import PUBLISHED, Story


def _covered(memberships: list[Membership]):
    """Ids of every provider the memberships cover (each provider and everything below it)."""
    return select(descendant_ids_cte([m.provider_id for m in memberships]).c.id)


def awaiting_reply(session: Session, memberships: list[Membership], limit: int = 50) -> list[Story]:
    if not memberships:
        return []
    return list(session.scalars(
        select(Story).where(Story.status == PUBLISHED, Story.response_status == "awaiting_response",
                            Story.provider_id.in_(_covered(memberships)))
        .options(selectinload(Story.provider))
        .order_by(Story.criticality.desc(), Story.published_at, Story.id).limit(limit)
    ))


def recent_colleague_replies(session: Session, memberships: list[Membership], user: User,
                             limit: int = 20) -> list[Reply]:
    if not memberships:
        return []
    return list(session.scalars(
        select(Reply).join(Story, Reply.story_id == Story.id)
        .where(Reply.kind == STAFF_REPLY, Reply.status == VISIBLE, Story.provider_id.in_(_covered(memberships)),
               or_(Reply.author_id.is_(None), Reply.author_id != user.id))
        .options(selectinload(Reply.story), selectinload(Reply.provider))
        .order_by(Reply.published_at.desc()).limit(limit)
    ))
