"""Response statistics for a provider, rolled up over everything below it.

Read from the insight aggregates (app.insight): a few grouped sums over provider-months, whatever the
number of stories, and the same figures as the provider's insight page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.directory.models import Provider
from app.extensions import utcnow
from app.insight.services import month_range, rolled_up

MONTHS = 12  # this month and the eleven before it, as on the insight page


@dataclass
class ResponseStats:
    stories: int
    replied: int
    median_reply: timedelta | None
    changes_planned: int
    changes_made: int
    since: date  # the first day counted

    @property
    def reply_share(self) -> float | None:
        return self.replied / self.stories if self.stories else None

    @property
    def days(self) -> int:
        """How many days the figures cover, today included."""
        return (utcnow().date() - self.since).days + 1


def response_stats(session: Session, provider: Provider, today: date | None = None) -> ResponseStats:
    """Stories published in the last 12 months here and below: how many, how many replied to and how fast
    (the median of the first reply's wait, to the minute, hour or day as it is shown), and the changes
    planned and made in those months, counted only on stories still published."""
    since = month_range(today, MONTHS)[0]
    figures = rolled_up(session, [provider.id], since).get(provider.id)
    if figures is None:
        return ResponseStats(0, 0, None, 0, 0, since)
    return ResponseStats(stories=figures.stories, replied=figures.replied, median_reply=figures.median_reply,
                         changes_planned=figures.changes_planned, changes_made=figures.changes_made, since=since)


def describe_wait(wait: timedelta | None) -> str:
    if wait is None:
        return "no replies yet"
    hours = wait.total_seconds() / 3600
    if hours < 1:
        return f"{max(1, round(hours * 60))} minutes"
    if hours < 48:
        return f"{round(hours)} hour{'s' if round(hours) != 1 else ''}"
    return f"{round(hours / 24)} days"
