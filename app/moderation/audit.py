"""Writing audit events: every moderation (and later admin) action goes through record()."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.moderation.models import AuditEvent


def record(session: Session, action: str, *, story: Any = None, actor: Any = None, reason: str | None = None,
           before: dict | None = None, after: dict | None = None) -> AuditEvent:
    event = AuditEvent(
        story_id=story.id if story is not None else None,
        actor_id=actor.id if actor is not None and getattr(actor, "is_authenticated", True) else None,
        action=action, reason=reason, before=before, after=after,
    )
    session.add(event)
    return event
