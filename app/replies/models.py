"""Replies (from staff, and the author's answers), changes planned and made, and digest items."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Membership, User
from app.directory.models import Provider
from app.extensions import db, utcnow
from app.text import N_

# Reply kinds: a provider's public reply, or the story author's answer back.
STAFF_REPLY, AUTHOR_ANSWER = "staff", "author"
# States of a reply or a change. Author answers always wait for a moderator, like stories; staff replies and
# changes wait while flagged or while their writer is new (RESPONDER_MODERATED_REPLIES), else publish at once.
VISIBLE, AWAITING_MODERATION, HIDDEN, REJECTED = "visible", "pending", "hidden", "rejected"
REPLY_STATUSES = {VISIBLE: N_("Public"), AWAITING_MODERATION: N_("Waiting for a moderator"),
                  HIDDEN: N_("Hidden by a moderator"), REJECTED: N_("Not published")}
REPLY_EDIT_MINUTES = 30

# A planned change that is made becomes "made" and keeps its due date, so both show. "No change planned" (with
# its reason in the description) is an honest outcome of its own.
CHANGE_PLANNED, CHANGE_MADE, NO_CHANGE = "planned", "made", "none"
CHANGE_KINDS = {CHANGE_PLANNED: N_("Change planned"), CHANGE_MADE: N_("Change made"),
                NO_CHANGE: N_("No change planned")}
# What the story's author says of a change made, asked by email through a signed link.
CONFIRMED, NOT_YET, DISPUTED = "confirmed", "not_yet", "disputed"
VERDICTS = {CONFIRMED: N_("The author confirms it"), NOT_YET: N_("The author does not see it yet"),
            DISPUTED: N_("The author disputes it")}

ALERT_FREQUENCIES = {
    "immediate": N_("Each story at once"),
    "daily": N_("A daily digest"),
    "weekly": N_("A weekly digest"),
    "none": N_("No alerts"),
}


class Reply(db.Model):
    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10), default=STAFF_REPLY)
    # For staff replies: the provider the responder spoke for, and their public name and title then.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"))
    responder_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    responder_title: Mapped[str] = mapped_column(String(120), default="", server_default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=VISIBLE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Automatic flag kinds found in the text (app.flags), highlighted for the moderator.
    flags: Mapped[list] = mapped_column(JSON, default=list)

    author: Mapped[User | None] = relationship()
    provider: Mapped[Provider | None] = relationship()
    story: Mapped[Story] = relationship()  # noqa: F821  (app.stories.models)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_replies_story", "story_id", "created_at"),
        Index("ix_replies_status", "status", "created_at"),
    )

    @property
    def status_label(self) -> str:
        return REPLY_STATUSES.get(self.status, self.status)


class Change(db.Model):
    """A change the provider plans, or has made, because of a story."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reporter_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    reporter_title: Mapped[str] = mapped_column(String(120), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    # When the change was made (change made only).
    made_on: Mapped[date | None] = mapped_column(Date)
    # A planned change: when it is due and who owns it (a role or team, as the provider writes it).
    due_on: Mapped[date | None] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # A change made: a few lines and a link that show it.
    evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    evidence_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Reminders about the due date, each sent once: a week before, and on the day.
    due_soon_reminded_at: Mapped[datetime | None]
    due_reminded_at: Mapped[datetime | None]
    # The author asked whether the change matches what they see, and their verdict. A dispute shows in public
    # only once a moderator has checked it (verdict_status "visible").
    author_asked_at: Mapped[datetime | None]
    verdict: Mapped[str | None] = mapped_column(String(10))
    verdict_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    verdict_at: Mapped[datetime | None]
    verdict_status: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=VISIBLE, server_default=VISIBLE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    # Optimistic locking, as for stories and replies: two moderators acting at once never overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    provider: Mapped[Provider] = relationship()
    reported_by: Mapped[User | None] = relationship()
    story: Mapped[Story] = relationship()  # noqa: F821  (app.stories.models)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_changes_story", "story_id", "created_at"),
        Index("ix_changes_provider", "provider_id", "kind", "created_at"),
        Index("ix_changes_status", "status", "created_at"),
        Index("ix_changes_due", "kind", "due_on"),
        # The moderation queue's authors' disputes waiting, oldest first (it read every change).
        Index("ix_changes_verdict_waiting", "verdict_status", "verdict_at", "id"),
    )

    @property
    def status_label(self) -> str:
        return REPLY_STATUSES.get(self.status, self.status)

    @property
    def body(self) -> str:
        """The text, under the name replies use, so moderators' pages treat both alike."""
        return self.description

    @property
    def kind_label(self) -> str:
        return CHANGE_KINDS.get(self.kind, self.kind)

    def is_overdue(self, today: date) -> bool:
        """A planned change still not made after its due date (from the day after it)."""
        return self.kind == CHANGE_PLANNED and self.due_on is not None and today > self.due_on


class DigestItem(db.Model):
    """A story waiting to go out in someone's daily or weekly digest."""

    __tablename__ = "digest_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    membership: Mapped[Membership] = relationship()

    __table_args__ = (Index("ix_digest_items_due", "sent_at", "due_at"),)
