"""Follows: an email address that asked for a daily digest of what happens at a service and below it."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.directory.models import Provider
from app.extensions import db, utcnow


def new_key() -> str:
    return secrets.token_urlsafe(16)


class Follow(db.Model):
    """One address following one service. Only a confirmed follow (double opt-in) receives anything; the address
    is stored normalised and is never shown anywhere public. Unsubscribing deletes the row, so its links die."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    # A random key carried by every link: a row deleted and another later given the same id never match.
    token_key: Mapped[str] = mapped_column(String(40), default=new_key)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # The high-water mark: the digest holds what happened after it, and moves it in the same transaction.
    last_sent_at: Mapped[datetime | None]

    provider: Mapped[Provider] = relationship()

    __table_args__ = (UniqueConstraint("provider_id", "email", name="uq_follows_provider_email"),)
