"""The site's own figures, by month, for the transparency page: stories received, published, rejected and
withdrawn, the median wait for a moderator's decision, and replies published.

A scheduled job computes them into transparency_months from the audit log (whose rows are written once, when
each thing happens, and indexed by action and time) and the replies; the page and its CSV read only that table,
never the stories. Everything is counted in the month it happened (UTC), so a month's figures stop moving once
it is over: each pass recomputes the current and the previous month (and every month when the table is empty).
"""
from __future__ import annotations

import statistics
from datetime import UTC, date, datetime

from sqlalchemy import Date, Integer, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.audit import AuditEvent
from app.extensions import db, utcnow
from app.replies.models import STAFF_REPLY, VISIBLE, Reply
from app.stories.models import PENDING, Story

RECEIVED = ("story.told", "story.confirmed")
DECIDED = ("story.published", "story.rejected")
ACTIONS = (*RECEIVED, *DECIDED, "story.withdrawn")


class TransparencyMonth(db.Model):
    """What the site did in one calendar month (UTC)."""

    __tablename__ = "transparency_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    # Stories that reached the moderators: told by a confirmed author, or confirmed by the emailed link.
    received: Mapped[int] = mapped_column(Integer, default=0)
    published: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    # Decisions (published or rejected) made this month, and the median seconds each story waited for one.
    decided: Mapped[int] = mapped_column(Integer, default=0)
    median_wait_seconds: Mapped[int | None] = mapped_column(Integer)
    # Providers' public replies published this month (and still visible).
    replies: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


def _month(value: datetime | date) -> date:
    return date(value.year, value.month, 1)


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _previous(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def _utc(value: datetime) -> datetime:
    """A stored moment as a naive UTC datetime (SQLite gives them back without a zone: they are UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def compute_month(session: Session, month: date) -> TransparencyMonth:
    """The figures of one month, from the source rows of that month alone."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    nxt = _next(month)
    end = datetime(nxt.year, nxt.month, 1, tzinfo=UTC)
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.story_id, AuditEvent.after, AuditEvent.created_at, Story.queued_at)
        .join(Story, Story.id == AuditEvent.story_id)
        .where(AuditEvent.action.in_(ACTIONS), AuditEvent.created_at >= start, AuditEvent.created_at < end)
    ).all()
    seen: dict[str, set[int]] = {"received": set(), "story.published": set(), "story.rejected": set(),
                                 "story.withdrawn": set()}
    waits: list[float] = []
    for action, story_id, after, at, queued_at in rows:
        if action == "story.told":
            # A story told without a confirmed address reaches the moderators only when it is confirmed.
            if (after or {}).get("status") == PENDING:
                seen["received"].add(story_id)
        elif action == "story.confirmed":
            seen["received"].add(story_id)
        else:
            seen[action].add(story_id)
        if action in DECIDED and queued_at is not None:
            waits.append(max(0.0, (_utc(at) - _utc(queued_at)).total_seconds()))
    replies = session.scalar(select(func.count(Reply.id)).where(
        Reply.kind == STAFF_REPLY, Reply.status == VISIBLE, Reply.published_at >= start, Reply.published_at < end))
    return TransparencyMonth(
        month=month, received=len(seen["received"]), published=len(seen["story.published"]),
        rejected=len(seen["story.rejected"]), withdrawn=len(seen["story.withdrawn"]), decided=len(waits),
        median_wait_seconds=round(statistics.median(waits)) if waits else None, replies=replies or 0,
        computed_at=utcnow())


def _first_month(session: Session) -> date | None:
    first = session.scalar(select(func.min(AuditEvent.created_at)).where(AuditEvent.action == "story.told"))
    return _month(_utc(first)) if first is not None else None


def months_to_compute(session: Session, everything: bool = False) -> list[date]:
    this_month = _month(_utc(utcnow()))
    last_kept = session.scalar(select(func.max(TransparencyMonth.month)))
    if everything or last_kept is None:
        start = _first_month(session)
        if start is None:
            return []
    else:
        start = min(_previous(this_month), last_kept)
    months, month = [], start
    while month <= this_month:
        months.append(month)
        month = _next(month)
    return months


def recompute(session: Session, everything: bool = False) -> int:
    """The scheduled job: recompute the months that can still change (all of them the first time)."""
    months = months_to_compute(session, everything)
    if months:
        session.execute(delete(TransparencyMonth).where(TransparencyMonth.month.in_(months)))
        session.add_all(compute_month(session, month) for month in months)
    session.commit()
    return len(months)


def by_month(session: Session) -> list[TransparencyMonth]:
    """The kept figures, newest month first (the page and its CSV)."""
    return list(session.scalars(select(TransparencyMonth).order_by(TransparencyMonth.month.desc())))
