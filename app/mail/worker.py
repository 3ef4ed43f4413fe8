"""The outbox worker: claim due messages atomically, deliver them, retry with backoff."""
from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Collection
from datetime import timedelta
from email.message import EmailMessage

from flask import Flask
from sqlalchemy import and_, or_, select, update

from app import jobs
from app.errors import one_line
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

    def claim(self, cutoff=None, skip: Collection[int] = ()) -> list[int]:
        """Mark up to batch_size messages due by cutoff as ours (but those in skip); no other worker can claim
        them meanwhile."""
        session = db.session
        now = cutoff or utcnow()
        due = and_(_due(now), OutboxMessage.id.notin_(skip)) if skip else _due(now)
        lease = utcnow() + timedelta(seconds=self.config["MAIL_LEASE_SECONDS"])
        values = dict(status=SENDING, claimed_by=self.name, lease_until=lease,
                      attempts=OutboxMessage.attempts + 1)
        if session.get_bind().dialect.name == "postgresql":
            candidates = (
                select(OutboxMessage.id).where(due).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
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
                select(OutboxMessage.id).where(due)
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

    def deliver(self, ids: list[int], failed_ids: set[int] | None = None) -> tuple[int, int]:
        """Send the claimed messages. Each one succeeds or fails alone: a message that cannot be built or that
        the relay refuses keeps its error and waits for its next try; the rest of the batch goes out."""
        sent = failed = 0
        transport = transport_from_config(self.config)
        accepted: list[int] = []  # sent, not yet marked: marked together, a commit per few messages
        marked_at = time.monotonic()
        try:
            for message_id, to_addr, attempts, email in self._build(ids):
                try:
                    if isinstance(email, Exception):
                        raise email
                    transport.send(email)
                except Exception as exc:  # any failure is retried; the error is kept for admins
                    log.warning("outbox %s to %s failed (attempt %s): %s", message_id, to_addr, attempts,
                                one_line(exc))
                    self._mark_sent(accepted)
                    self._record_failure(message_id, attempts, exc)
                    if failed_ids is not None:
                        failed_ids.add(message_id)
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

    def _build(self, ids: list[int]) -> list[tuple[int, str, int, EmailMessage | Exception]]:
        """(id, address, attempts, the email or why it could not be built) for each message still ours.

        Built before the first commit, which expires what the session loaded. A row that cannot even be read
        (a stored value the driver cannot decode) is read again on its own, so it fails alone too.
        """
        sender = self.config["MAIL_FROM"]
        stmt = select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        try:
            messages: list[OutboxMessage | tuple[int, Exception]] = list(db.session.scalars(stmt))
        except Exception:  # noqa: BLE001 — one row spoils the batch's read: read them one by one
            db.session.rollback()
            messages = []
            for message_id in sorted(ids):
                try:
                    message = db.session.get(OutboxMessage, message_id)
                except Exception as exc:  # noqa: BLE001
                    db.session.rollback()
                    messages.append((message_id, exc))
                    continue
                if message is not None:
                    messages.append(message)
        batch: list[tuple[int, str, int, EmailMessage | Exception]] = []
        for message in messages:
            if isinstance(message, tuple):
                message_id, exc = message
                attempts = db.session.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == message_id))
                batch.append((message_id, "?", attempts or 1, exc))
                continue
            if message.claimed_by != self.name or message.status != SENDING:
                continue  # our lease lapsed and another worker has it now
            try:
                email: EmailMessage | Exception = build_email(message, sender)
            except Exception as exc:  # noqa: BLE001 — a message that cannot be built fails alone
                email = exc
            batch.append((message.id, message.to_addr, message.attempts, email))
        return batch

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
        error = one_line(exc)
        if attempts >= self.config["MAIL_MAX_ATTEMPTS"]:
            values = dict(status=FAILED, last_error=error, lease_until=None)
        else:
            delay = self.config["MAIL_RETRY_BASE_SECONDS"] * (2 ** (max(attempts, 1) - 1))
            values = dict(status=QUEUED, last_error=error, lease_until=None, claimed_by=None,
                          next_attempt_at=utcnow() + timedelta(seconds=delay))
        stmt = (update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == self.name)
                .execution_options(synchronize_session=False))
        try:
            db.session.execute(stmt.values(**values))
            db.session.commit()
        except Exception:  # the error's own text could not be stored: keep the failure, not its words
            db.session.rollback()
            log.exception("outbox %s: could not store its error", message_id)
            values["last_error"] = f"{type(exc).__name__} (its message could not be stored)"
            db.session.execute(stmt.values(**values))
            db.session.commit()

    def run_once(self) -> tuple[int, int]:
        """Run the scheduled jobs that are due and deliver everything due now, batch after batch.

        Each job runs alone (app/jobs.py): one that raises is recorded and retried later, never stops the mail.
        Mail due is delivered after each job too, so a slow job holds it up only for its own length.
        """
        totals = [0, 0]
        failed_ids: set[int] = set()

        def deliver_due() -> None:
            # Only what was due when this delivery began, and not what failed earlier in this pass: a failure
            # rescheduled for "now" waits for the next pass.
            cutoff = utcnow()
            while True:
                ids = self.claim(cutoff, skip=failed_ids)
                if not ids:
                    break
                sent, failed = self.deliver(ids, failed_ids)
                totals[0] += sent
                totals[1] += failed

        with self.app.app_context():
            # Scheduled work that produces mail (digests) runs first: `--once` delivers what it queues.
            jobs.run_due(db.session, between=deliver_due)
            deliver_due()
        return totals[0], totals[1]

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
