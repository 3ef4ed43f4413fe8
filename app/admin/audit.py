"""The audit page's query: every moderation and admin event, filtered by actor, action, object and date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.audit import AuditEvent


@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    subject_type: str = ""
    subject_id: int | None = None
    since: date | None = None
    until: date | None = None


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_query(filters: AuditFilters) -> Select:
    stmt = select(AuditEvent).options(selectinload(AuditEvent.actor))
    if filters.actor:
        stmt = stmt.where(AuditEvent.actor_id.in_(
            select(User.id).where(func.lower(User.email).contains(filters.actor.strip().lower(), autoescape=True))))
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.subject_type == "story":
        stmt = stmt.where(AuditEvent.story_id.is_not(None))
        if filters.subject_id is not None:
            stmt = stmt.where(AuditEvent.story_id == filters.subject_id)
    elif filters.subject_type:
        stmt = stmt.where(AuditEvent.subject_type == filters.subject_type)
        if filters.subject_id is not None:
            stmt = stmt.where(AuditEvent.subject_id == filters.subject_id)
    if filters.since:
        stmt = stmt.where(AuditEvent.created_at >= _start(filters.since))
    if filters.until:
        # Up to the end of that day (the day after 9999-12-31 is past what a date can be).
        stmt = stmt.where(AuditEvent.created_at <= datetime.combine(filters.until, time.max, tzinfo=UTC))
    return stmt


def known_actions(session: Session) -> list[str]:
    return list(session.scalars(select(distinct(AuditEvent.action)).order_by(AuditEvent.action)))
