"""The monthly aggregates per provider (kept up to date as stories change) and red-flag episodes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.directory.models import Provider
from app.extensions import db, utcnow


class ProviderMonth(db.Model):
    """What happened at one provider (its own stories, not those below it) in one calendar month.

    Stories count in the month they were published, and so do their replies; changes count in the month
    they were reported. Only published stories (and visible changes on them) are counted.
    """

    __tablename__ = "provider_months"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    stories: Mapped[int] = mapped_column(Integer, default=0)
    replied: Mapped[int] = mapped_column(Integer, default=0)
    crit0: Mapped[int] = mapped_column(Integer, default=0)
    crit1: Mapped[int] = mapped_column(Integer, default=0)
    crit2: Mapped[int] = mapped_column(Integer, default=0)
    crit3: Mapped[int] = mapped_column(Integer, default=0)
    crit4: Mapped[int] = mapped_column(Integer, default=0)
    crit5: Mapped[int] = mapped_column(Integer, default=0)
    changes_planned: Mapped[int] = mapped_column(Integer, default=0)
    changes_made: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_provider_months_month", "month"),)


class ProviderMonthTag(db.Model):
    """How many of a provider's stories published in a month carry a tag."""

    __tablename__ = "provider_month_tags"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    stories: Mapped[int] = mapped_column(Integer, default=0)


class ProviderMonthWait(db.Model):
    """A histogram of the time to first reply (see services.wait_bucket), so medians roll up without stories."""

    __tablename__ = "provider_month_waits"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    stories: Mapped[int] = mapped_column(Integer, default=0)


class RedFlag(db.Model):
    """One episode of many critical stories in a short time at one provider: opened once, closed when it ends."""

    __tablename__ = "red_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # Critical stories in the window when the flag was raised, and the latest count seen since.
    stories: Mapped[int] = mapped_column(Integer, default=0)

    provider: Mapped[Provider] = relationship()

    __table_args__ = (Index("ix_red_flags_provider", "provider_id", "closed_at"),
                      Index("ix_red_flags_open", "closed_at", "opened_at"))
