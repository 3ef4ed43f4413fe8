"""What moderation keeps: audit events, text revisions and reports from the public."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db, utcnow
from app.text import N_

REPORT_REASONS = {
    "identifies": N_("It could identify someone"),
    "offensive": N_("It is offensive or abusive"),
    "untrue": N_("It is untrue or defamatory"),
    "spam": N_("It is spam or advertising"),
    "other": N_("Something else"),
}

# Requests from a published story's own author (app/moderation/corrections.py). They are Report rows, so the
# queue lists them among the reports with the author's words; they are never offered to the public.
AUTHOR_REQUESTS = {
    "author_correction": "The author asks for a correction",
    "author_details": "The author asks for identifying details to be removed",
}

REJECT_REASONS = {
    "not_a_service": N_("It is not about a health or care service"),
    "identifies": N_("It would identify someone and cannot be edited to prevent that"),
    "defamatory": N_("It contains allegations we cannot publish"),
    "abusive": N_("It is abusive"),
    "duplicate": N_("It repeats a story already told"),
    "spam": N_("It is spam or advertising"),
    "other": N_("Another reason (explained below)"),
}


class StoryRevision(db.Model):
    """One moderator edit of a story's title or text, with the reason."""

    __tablename__ = "story_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title_before: Mapped[str] = mapped_column(String(150))
    title_after: Mapped[str] = mapped_column(String(150))
    body_before: Mapped[str] = mapped_column(Text)
    body_after: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    editor: Mapped[User | None] = relationship()


class ReplyRevision(db.Model):
    """One moderator edit of a reply, an author's answer or a change, with the reason."""

    __tablename__ = "reply_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body_before: Mapped[str] = mapped_column(Text)
    body_after: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    editor: Mapped[User | None] = relationship()

    @property
    def what(self) -> str:
        return f"change {self.change_id}" if self.change_id else f"reply {self.reply_id}"


class Report(db.Model):
    """Someone told us a published story (or reply) needs a moderator's look."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    # Set when the report is about one reply in the story's conversation rather than the story.
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Tells reporters apart without keeping who they are: "user:<id>" when signed in, otherwise "addr:" and a
    # keyed hash (HMAC-SHA256 with SECRET_KEY) of the client address. The address itself is never stored.
    reporter_key: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(20))

    story: Mapped[Story] = relationship()  # noqa: F821  (app.stories.models)
    reply: Mapped[Reply | None] = relationship()  # noqa: F821  (app.replies.models)

    __table_args__ = (Index("ix_reports_open", "resolved_at", "created_at"),
                      Index("ix_reports_story_open", "story_id", "resolved_at"))

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS.get(self.reason) or AUTHOR_REQUESTS.get(self.reason, self.reason)


# The outcome of a staff member's "not about us": the story moved to the service they named, or kept.
REROUTE_MOVED, REROUTE_DECLINED = "moved", "declined"


class RerouteRequest(db.Model):
    """Staff said a published story is not about their service and named the right one; a moderator decides
    (app/moderation/reroutes.py). Waiting while decided_at is empty."""

    __tablename__ = "reroute_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    # The service the story was about when staff said so, and the one they named (either may be merged away).
    from_provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"))
    to_provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(10))
    decision_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    story: Mapped[Story] = relationship()  # noqa: F821  (app.stories.models)
    from_provider: Mapped[Provider | None] = relationship(foreign_keys=[from_provider_id])  # noqa: F821
    to_provider: Mapped[Provider | None] = relationship(foreign_keys=[to_provider_id])  # noqa: F821
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (Index("ix_reroute_requests_open", "decided_at", "created_at"),
                      Index("ix_reroute_requests_story", "story_id", "decided_at"))
