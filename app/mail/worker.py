"""The outbox worker: claim due messages atomically, deliver them, retry with backoff."""
from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import and_, or_, select, update

from app.extensions import db, utcnow
from app.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from app.mail.transports import build_email, transport_from_config

log = logging.getLogger(__name__)


def _due(now):
    return or_(
        and_(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now),
        # A worker that died mid-send leaves its lease to lapse; the message is sent again (at least once).
        and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now),
    )


MARK_EVERY = 20  # messages sent between two commits marking them sent (a commit per message bounds the rate)
MARK_SECONDS = 1.0  # and at most this long


class OutboxWorker:
    def __init__(self, app: Flask, name: str | None = None, batch_size: int = 50) -> None:
        self.app = app
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.batch_size = batch_size
        self.config = app.config

    def claim(self, cutoff=None) -> list[int]:
        """Mark up to batch_size messages due by cutoff as ours; no other worker can claim them meanwhile."""
        session = db.session
        now = cutoff or utcnow()
        lease = utcnow() + timedelta(seconds=self.config["MAIL_LEASE_SECONDS"])
        values = dict(status=SENDING, claimed_by=self.name, lease_until=lease,
                      attempts=OutboxMessage.attempts + 1)
        if session.get_bind().dialect.name == "postgresql":
            candidates = (
                select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(self.batch_size).with_for_update(skip_locked=True).scalar_subquery()
            )
            ids = list(session.scalars(
                update(OutboxMessage).where(OutboxMessage.id.in_(candidates)).values(**values)
                .returning(OutboxMessage.id)
            ))
        else:
            # SQLite serialises writers, so a conditional UPDATE that still finds the row due wins it.
            ids = []
            candidates = session.scalars(
                select(OutboxMessage.id).where(_due(now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(self.batch_size)
            ).all()
            for message_id in candidates:
                result = session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == message_id, _due(now)).values(**values)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:
                    ids.append(message_id)
        session.commit()
        return sorted(ids)

    def deliver(self, ids: list[int]) -> tuple[int, int]:
        sent = failed = 0
        transport = transport_from_config(self.config)
        accepted: list[int] = []  # sent, not yet marked: marked together, a commit per few messages
        marked_at = time.monotonic()
        try:
            # Built before the first commit, which expires what the session loaded.
            batch = [(m.id, m.to_addr, m.attempts, build_email(m, self.config["MAIL_FROM"]))
                     for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                                 .order_by(OutboxMessage.id))
                     if m.claimed_by == self.name and m.status == SENDING]
            for message_id, to_addr, attempts, email in batch:
                try:
                    transport.send(email)
                except Exception as exc:  # any failure is retried; the error is kept for admins
                    log.warning("outbox %s to %s failed (attempt %s): %s", message_id, to_addr, attempts, exc)
                    self._mark_sent(accepted)
                    self._record_failure(message_id, attempts, exc)
                    failed += 1
                    continue
                accepted.append(message_id)
                sent += 1
                # Marked sent only after the relay accepted it. A crash before the mark sends these few
                # again once their lease lapses (at least once), never marks one that was not sent.
                if len(accepted) >= MARK_EVERY or time.monotonic() - marked_at > MARK_SECONDS:
                    self._mark_sent(accepted)
                    marked_at = time.monotonic()
            self._mark_sent(accepted)
        finally:
            transport.close()
            db.session.remove()
        return sent, failed

    def _mark_sent(self, accepted: list[int]) -> None:
        if not accepted:
            return
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(accepted), OutboxMessage.claimed_by == self.name)
            .values(status=SENT, sent_at=utcnow(), lease_until=None, last_error=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        accepted.clear()

    def _record_failure(self, message_id: int, attempts: int, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if attempts >= self.config["MAIL_MAX_ATTEMPTS"]:
            values = dict(status=FAILED, last_error=error, lease_until=None)
        else:
            delay = self.config["MAIL_RETRY_BASE_SECONDS"] * (2 ** (attempts - 1))
            values = dict(status=QUEUED, last_error=error, lease_until=None, claimed_by=None,
                          next_attempt_at=utcnow() + timedelta(seconds=delay))
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == self.name)
            .values(**values).execution_options(synchronize_session=False)
        )
        db.session.commit()

    def run_once(self) -> tuple[int, int]:
        """Deliver everything due now, batch after batch; a message that fails waits for its next try."""
        total_sent = total_failed = 0
        with self.app.app_context():
            # Scheduled work that produces mail (digests): registered by the domains in create_app.
            for job in self.app.extensions.get("outbox_jobs", []):
                job(db.session)
            # Only what was due when the pass began: a failure rescheduled for "now" waits for the next pass.
            cutoff = utcnow()
            while True:
                ids = self.claim(cutoff)
                if not ids:
                    break
                sent, failed = self.deliver(ids)
                total_sent += sent
                total_failed += failed
        return total_sent, total_failed

    def run_forever(self, should_stop=lambda: False) -> None:
        poll = self.config["MAIL_POLL_SECONDS"]
        while not should_stop():
            try:
                self.run_once()
            except Exception:  # a database restart must not kill the worker
                log.exception("outbox worker pass failed; retrying")
                with self.app.app_context():
                    db.session.remove()
            time.sleep(poll)


def requeue(session, message_ids: list[int] | None = None) -> int:
    """Put failed messages back in the queue (admins' resend)."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == FAILED)
    if message_ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(message_ids))
    result = session.execute(stmt.values(status=QUEUED, attempts=0, next_attempt_at=utcnow(), claimed_by=None)
                             .execution_options(synchronize_session=False))
    return result.rowcount
