"""What the console keeps of its own: redirects from merged providers' codes and the workers' heartbeats."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.directory.models import CODE_MAX, Provider
from app.extensions import db, utcnow


class ProviderRedirect(db.Model):
    """A merged duplicate's code, kept so its old URLs answer 301 to the provider it became."""

    __tablename__ = "provider_redirects"

    code: Mapped[str] = mapped_column(String(CODE_MAX), primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Provider] = relationship()


class WorkerHeartbeat(db.Model):
    """The last pass of each outbox worker (host:pid), so operators can tell a stalled worker."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
