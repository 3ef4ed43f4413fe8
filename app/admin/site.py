"""The site's state for operators: the outbox, the moderation backlog, the dataset, search, the workers and
their scheduled jobs."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import jobs
from app.accounts.models import User
from app.admin.models import WorkerHeartbeat
from app.audit import record
from app.extensions import utcnow
from app.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from app.mail.worker import requeue
from app.opendata.bundle import last_export
from app.search.models import SearchQueue
from app.search.services import backend
from app.stories.models import PENDING, Story

OUTBOX_STATES = (QUEUED, SENDING, SENT, FAILED)


def outbox_counts(session: Session) -> dict[str, int]:
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    counts.update(dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
                       .tuples().all()))
    return counts


def failed_messages(session: Session, limit: int = 100) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == FAILED)
                                .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)))


def resend(session: Session, admin: User, message_id: int | None = None) -> int:
    """Queue failed messages again (one, or all of them when message_id is None)."""
    ids = [message_id] if message_id is not None else None
    count = requeue(session, ids)
    if count:
        record(session, "admin.outbox.resend", actor=admin, after={"messages": count},
               subject=("outbox", message_id) if message_id is not None else None)
    session.commit()
    return count


def worker_name() -> str:
    """This process as the heartbeats name it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def beat(session: Session) -> None:
    """Each pass of every worker: it was alive now (one row per host and process)."""
    name = worker_name()
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    # An upsert: two worker threads of one process (or a restarted pid) must not trip over the key.
    stmt = insert(WorkerHeartbeat).values(name=name, seen_at=utcnow())
    session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"seen_at": stmt.excluded.seen_at}))
    session.commit()


def leave(session: Session) -> None:
    """A worker stopping on purpose takes its heartbeat with it: only a worker that died or stalled goes stale."""
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == worker_name()))


def forget_stopped(session: Session) -> None:
    """The heartbeat job: workers silent for WORKER_FORGET_SECONDS (killed, or their machine gone) are forgotten,
    so that a restart leaves no stalled worker behind on the admin page or in readiness for ever."""
    beat(session)
    cutoff = utcnow() - timedelta(seconds=current_app.config["WORKER_FORGET_SECONDS"])
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < cutoff))


def live_heartbeats(session: Session, now: datetime | None = None) -> list[WorkerHeartbeat]:
    """The workers seen within WORKER_FORGET_SECONDS, most recent first (older ones have stopped)."""
    cutoff = (now or utcnow()) - timedelta(seconds=current_app.config["WORKER_FORGET_SECONDS"])
    return list(session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.seen_at >= cutoff)
                                .order_by(WorkerHeartbeat.seen_at.desc()).limit(50)))


@dataclass
class SiteState:
    backlog: int
    oldest_waiting: Story | None
    export: dict | None
    search_backend: str
    search_available: bool
    search_queue: int
    oldest_search_queued: datetime | None
    heartbeats: list[WorkerHeartbeat]
    outbox: dict[str, int]
    jobs: list[jobs.JobState]


def site_state(session: Session) -> SiteState:
    oldest = session.scalar(select(Story).where(Story.status == PENDING)
                            .order_by(Story.queued_at, Story.id).limit(1))
    try:
        available = backend().available()
    except Exception:  # an unreadable index is exactly what this page must show, not fail on
        available = False
    return SiteState(
        backlog=session.scalar(select(func.count(Story.id)).where(Story.status == PENDING)) or 0,
        oldest_waiting=oldest,
        export=last_export(),
        search_backend=current_app.config["SEARCH_BACKEND"],
        search_available=available,
        search_queue=session.scalar(select(func.count()).select_from(SearchQueue)) or 0,
        oldest_search_queued=session.scalar(select(func.min(SearchQueue.queued_at))),
        heartbeats=live_heartbeats(session),
        outbox=outbox_counts(session),
        jobs=jobs.states(session),
    )
