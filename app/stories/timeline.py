"""A story's progress in public: one row per step of the response loop (published, alerted, read, replied,
reminded, escalated, changes planned and made, the author's confirmation...), shown on the story page as its
timeline and published in the API and the dataset as story events.

Domains above stories record their steps through record_event() in the transaction of the step itself. Nothing
in an event names a person or carries an address: a count of people told, a provider, a date.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.extensions import db, utcnow

PUBLISHED = "published"
ALERTED = "alerted"                    # count: people told at once or in their digest; provider: whose staff
INVITED = "invited"                    # nobody registered: the provider's contact address was told and invited
FIRST_READ = "first_read"              # a member of the provider's staff first opened the story
REPLIED = "replied"                    # the first public reply from the provider
REMINDED = "reminded"                  # step: 1; provider: whose staff were reminded; count
ESCALATED = "escalated"                # step: 2, 3...; provider: the one above whose managers were told; count
NOT_ABOUT_US = "not_about_us"          # staff said the story is about another service
REROUTED = "rerouted"                  # a moderator moved the story; provider: the new service
CHANGE_PLANNED = "change_planned"      # detail: {"change_id", "due_on"}
CHANGE_DUE_REMINDED = "change_due_reminded"  # detail: {"change_id", "due_on"}; step: 1 a week before, 2 on the day
CHANGE_OVERDUE = "change_overdue"      # detail: {"change_id", "due_on"}
CHANGE_MADE = "change_made"            # detail: {"change_id"}
NO_CHANGE_PLANNED = "no_change_planned"  # detail: {"change_id"}
CONFIRMED = "confirmed"                # the author says the change matches what they see now
NOT_YET = "not_yet"                    # the author says they do not see it yet
DISPUTED = "disputed"                  # the author disputes the change (shown once a moderator has checked it)
REOPENED = "reopened"                  # the author's answer after "change made" reopened the story

EVENT_KINDS = {
    PUBLISHED: "Published",
    ALERTED: "Provider alerted",
    INVITED: "Provider invited",
    FIRST_READ: "Read by staff",
    REPLIED: "Replied",
    REMINDED: "Staff reminded",
    ESCALATED: "Escalated",
    NOT_ABOUT_US: "Said not about them",
    REROUTED: "Moved to another service",
    CHANGE_PLANNED: "Change planned",
    CHANGE_DUE_REMINDED: "Change due reminder",
    CHANGE_OVERDUE: "Change overdue",
    CHANGE_MADE: "Change made",
    NO_CHANGE_PLANNED: "No change planned",
    CONFIRMED: "Author confirmed the change",
    NOT_YET: "Author does not see the change yet",
    DISPUTED: "Author disputes the change",
    REOPENED: "Reopened by the author",
}


class StoryEvent(db.Model):
    """One step of a story's progress. `step` makes a repeated step unique: (story, kind, step) is one row,
    however often a job runs or however many workers run it; steps that may repeat freely leave it empty."""

    __tablename__ = "story_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    step: Mapped[int | None] = mapped_column(Integer)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"))
    count: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict | None] = mapped_column(JSON)

    provider = relationship("Provider")

    __table_args__ = (
        Index("ix_story_events_story", "story_id", "at", "id"),
        Index("ix_story_events_at", "at", "id"),
        Index("ix_story_events_kind", "kind", "at", "id"),  # the open data's events feed, by kind
        Index("uq_story_events_step", "story_id", "kind", "step", unique=True),
    )

    @property
    def label(self) -> str:
        return EVENT_KINDS.get(self.kind, self.kind)


def record_event(session: Session, story, kind: str, *, at: datetime | None = None, step: int | None = None,
                 provider=None, count: int | None = None, detail: dict | None = None) -> StoryEvent:
    """Add one event to the story's timeline in the caller's transaction. A stepped event is unique: a caller that
    may race another worker writes it inside a savepoint and treats the unique clash as "already done"."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown story event kind {kind!r}")
    event = StoryEvent(story_id=story.id, kind=kind, at=at or utcnow(), step=step,
                       provider_id=provider.id if provider is not None else None, count=count, detail=detail)
    session.add(event)
    return event


def has_event(session: Session, story_id: int, kind: str, step: int | None = None) -> bool:
    stmt = select(StoryEvent.id).where(StoryEvent.story_id == story_id, StoryEvent.kind == kind)
    if step is not None:
        stmt = stmt.where(StoryEvent.step == step)
    return session.scalar(stmt.limit(1)) is not None

