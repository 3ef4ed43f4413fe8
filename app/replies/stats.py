"""Response statistics for a provider, rolled up over everything below it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.directory.models import Provider
from app.directory.services import descendant_ids_cte
from app.extensions import utcnow
from app.replies.models import CHANGE_MADE, CHANGE_PLANNED, VISIBLE, Change
from app.stories.models import PUBLISHED, Story


@dataclass
class ResponseStats:
    stories: int
    replied: int
    median_reply: timedelta | None
    changes_planned: int
    changes_made: int

    @property
    def reply_share(self) -> float | None:
        return self.replied / self.stories if self.stories else None


def response_stats(session: Session, provider: Provider, days: int = 365) -> ResponseStats:
    """Stories published in the last `days` here and below: how many, how many replied to and how fast,
    and the changes planned and made in the same period."""
    since = utcnow() - timedelta(days=days)
    subtree = select(descendant_ids_cte(provider.id).c.id)
    published = session.execute(
        select(Story.published_at, Story.first_reply_at)
        .where(Story.provider_id.in_(subtree), Story.status == PUBLISHED, Story.published_at >= since)
    ).all()
    waits = [(first - pub).total_seconds() for pub, first in published if first is not None]
    # Only changes on stories still published: a withdrawn story takes its changes out of the figures too.
    changes = dict(session.execute(
        select(Change.kind, func.count()).join(Story, Story.id == Change.story_id)
        .where(Change.provider_id.in_(subtree), Change.status == VISIBLE, Story.status == PUBLISHED,
               Change.created_at >= since).group_by(Change.kind)
    ).all())
    return ResponseStats(
        stories=len(published), replied=len(waits),
        median_reply=timedelta(seconds=median(waits)) if waits else None,
        changes_planned=changes.get(CHANGE_PLANNED, 0), changes_made=changes.get(CHANGE_MADE, 0),
    )


def describe_wait(wait: timedelta | None) -> str:
    if wait is None:
        return "no replies yet"
    hours = wait.total_seconds() / 3600
    if hours < 1:
        return f"{max(1, round(hours * 60))} minutes"
    if hours < 48:
        return f"{round(hours)} hour{'s' if round(hours) != 1 else ''}"
    return f"{round(hours / 24)} days"
