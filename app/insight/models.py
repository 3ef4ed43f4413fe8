"""The monthly aggregates per provider (kept up to date as stories change) and red-flag episodes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.directory.models import Provider
from app.extensions import db, utcnow
from app.replies.models import Change


class ProviderMonth(db.Model):
    """What happened at one provider (its own stories, not those below it) in one calendar month.

    Stories count in the month they were published, and so do their replies; changes count in the month
    they were reported. Only published stories (and visible changes on them) are counted. Working days
    skip weekends and the bank holidays of BANK_HOLIDAYS_REGION (app/workdays.py), on UTC dates.
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
    # Stories whose first reply came within 5 and within 20 working days of publication.
    replied_5: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replied_20: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Changes made that the story's author confirmed, and that they disputed (once a moderator checked it).
    changes_confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    changes_disputed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
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
    """A histogram of the exact time to first reply, in whole seconds (see aggregates.wait_seconds): how many of a
    provider-month's stories waited each number of seconds, so exact medians roll up over months and providers
    without reading stories."""

    __tablename__ = "provider_month_waits"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stories: Mapped[int] = mapped_column(Integer, default=0)


class ProviderMonthWorkdays(db.Model):
    """A histogram of working days from publication to the first reply, so the median rolls up without stories."""

    __tablename__ = "provider_month_workdays"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    workdays: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    stories: Mapped[int] = mapped_column(Integer, default=0)


class ProviderDayUnreplied(db.Model):
    """A provider's published stories with no reply yet, by the (UTC) day they were published.

    A share "replied to within 20 working days" leaves out the stories whose 20 working days have not yet
    run: these rows say, without reading stories, how many of the last weeks' stories are still waiting.
    """

    __tablename__ = "provider_day_unreplied"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    stories: Mapped[int] = mapped_column(Integer, default=0)


# Overdue changes are counted live from the changes table (they become overdue as days pass, with no event):
# planned changes of a set of providers, by due date. Declared here, beside the figures that read it.
Index("ix_changes_overdue", Change.__table__.c.provider_id, Change.__table__.c.kind, Change.__table__.c.due_on)


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
