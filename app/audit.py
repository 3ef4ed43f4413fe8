"""The audit log: who did what, when, with the text before and after. Every moderation and admin action writes one."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.extensions import db, utcnow

if TYPE_CHECKING:
    from app.accounts.models import User


class AuditEvent(db.Model):
    """Who did what, when, with the text before and after: the history moderators read."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What an admin action was about when it is not a story: ("provider", id), ("user", id), ("outbox", id).
    subject_type: Mapped[str | None] = mapped_column(String(20))
    subject_id: Mapped[int | None]

    actor: Mapped[User | None] = relationship("User")

    __table_args__ = (
        Index("ix_audit_events_story", "story_id", "created_at"),
        Index("ix_audit_events_action", "action", "created_at"),
        Index("ix_audit_events_subject", "subject_type", "subject_id", "created_at"),
        Index("ix_audit_events_actor", "actor_id", "created_at"),
    )



def record(session: Session, action: str, *, story: Any = None, actor: Any = None, reason: str | None = None,
           before: dict | None = None, after: dict | None = None,
           subject: tuple[str, int] | None = None) -> AuditEvent:
    """subject names what an admin action was about when it is not a story: ("provider", 12)."""
    event = AuditEvent(
        story_id=story.id if story is not None else None,
        actor_id=actor.id if actor is not None and getattr(actor, "is_authenticated", True) else None,
        action=action, reason=reason, before=before, after=after,
        subject_type=subject[0] if subject else None, subject_id=subject[1] if subject else None,
    )
    session.add(event)
    return event
