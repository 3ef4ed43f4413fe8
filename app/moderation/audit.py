"""Writing audit events: every moderation (and later admin) action goes through record()."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.moderation.models import AuditEvent


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
