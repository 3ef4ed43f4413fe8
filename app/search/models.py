"""The reindex queue: stories whose index entry must be brought up to date by the worker."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, utcnow


class SearchQueue(db.Model):
    __tablename__ = "search_queue"

    # One row per story however often it changes; the worker reads the story as it is when it gets there.
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
