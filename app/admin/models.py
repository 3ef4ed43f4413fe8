"""What the console keeps of its own: the workers' heartbeats."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

# The redirects are the directory's history, read by the open data below the console: defined there.
from app.directory.models import ProviderRedirect  # noqa: F401
from app.extensions import db, utcnow


class WorkerHeartbeat(db.Model):
    """The last pass of each outbox worker (host:pid), so operators can tell a stalled worker."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
