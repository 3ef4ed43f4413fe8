"""Response statistics for a provider, rolled up over everything below it.

Read from the insight aggregates (app.insight): a few grouped sums over provider-months, whatever the
number of stories, and the same figures as the provider's insight page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from app.directory.models import Provider
from app.directory.services import descendant_ids
from app.extensions import utcnow
from app.insight.changes import overdue
from app.insight.services import MIN_STORIES, Figures, month_range, rolled_up, today_utc

MONTHS = 12  # this month and the eleven before it, as on the insight page


@dataclass
class ResponseStats:
    stories: int
    replied: int
    median_reply: timedelta | None
    changes_planned: int
    changes_made: int
    since: date  # the first day counted
    figures: Figures | None = None  # everything else, in working days (app.insight.services.Figures)
    changes_overdue: int = 0  # planned changes past their due date now, whenever they were planned

    @property
    def reply_share(self) -> float | None:
        return self.replied / self.stories if self.stories else None

    @property
    def days(self) -> int:
        """How many days the figures cover, today included."""
        return (utcnow().date() - self.since).days + 1

    @property
    def min_stories(self) -> int:
        return MIN_STORIES


def response_stats(session: Session, provider: Provider, today: date | None = None) -> ResponseStats:
    """Stories published in the last 12 months here and below: how many, how many replied to and how fast
    (the exact median of the first reply's wait, in seconds, and in working days),
    the shares replied to within 5 and 20 working days, the changes planned, made, confirmed and disputed
    in those months (counted only on stories still published), and the planned changes overdue today."""
    today = today or today_utc()
    since = month_range(today, MONTHS)[0]
    figures = rolled_up(session, [provider.id], since, today).get(provider.id) or Figures()
    return ResponseStats(stories=figures.stories, replied=figures.replied, median_reply=figures.median_reply,
                         changes_planned=figures.changes_planned, changes_made=figures.changes_made, since=since,
                         figures=figures, changes_overdue=overdue(session, descendant_ids(session, provider.id),
                                                                   today))


def describe_wait(wait: timedelta | None) -> str:
    """A wait in words with a real plural ("1 minute", "3 hours", "2 days"), in the visitor's language."""
    if wait is None:
        return _("no replies yet")
    hours = wait.total_seconds() / 3600
    if hours < 1:
        return ngettext("%(num)d minute", "%(num)d minutes", max(1, round(hours * 60)))
    if hours < 48:
        return ngettext("%(num)d hour", "%(num)d hours", round(hours))
    return ngettext("%(num)d day", "%(num)d days", round(hours / 24))
