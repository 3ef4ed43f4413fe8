"""The outbox worker: delivers mail on a loop of its own (claim due messages atomically, deliver them, retry with
backoff) and ticks the job scheduler (app/jobs.py) from a thread beside it, so mail never waits behind a job."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from email.message import EmailMessage
from select import select as wait_readable

from flask import Flask
from prometheus_client import Counter
from sqlalchemy import and_, or_, select, update

from app import jobs
from app.errors import one_line
from app.extensions import db, utcnow
from app.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from app.mail.transports import build_email, transport_from_config

log = logging.getLogger(__name__)
MAIL_DELIVERED = Counter("storyloop_outbox_deliveries", "Messages this worker handed to the relay, by outcome",
                         ["outcome"])


def _due(now):
    return or_(
        and_(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now),
        # A worker that died mid-send leaves its lease to lapse; the message is sent again (at least once).
        and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now),
    )


MARK_EVERY = 20  # messages sent between two commits marking them sent (a commit per message bounds the rate)
MARK_SECONDS = 1.0  # and at most this long
MIN_TICK_SECONDS = 0.5  # the scheduling thread looks at the jobs at most this often (MAIL_POLL_SECONDS may be 0)
SCHEDULING_JOIN_SECONDS = 15.0  # a stopping worker waits this long for a tick under way (SQLite waits 10 s on locks)


class OutboxWorker:
    def __init__(self, app: Flask, name: str | None = None, batch_size: int = 50,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.app = app
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.batch_size = batch_size
        self.config = app.config
        self.scheduler = jobs.Scheduler(app, name=self.name, clock=clock)
        self._stop_requested = False
        self._wake_r: int | None = None  # a pipe stop() writes to, so a pause between passes ends at once
        self._wake_w: int | None = None

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

    def deliver_due(self, failed_ids: set[int] | None = None, stop: Callable[[], bool] = lambda: False
                    ) -> tuple[int, int]:
        """Deliver what is due now, batch after batch, until none is left (or stop() says so between batches).

        Only what was due when this delivery began, and not what failed earlier in this pass (failed_ids): a
        failure rescheduled for "now" waits for the next pass.
        """
        failed_ids = set() if failed_ids is None else failed_ids
        sent = failed = 0
        cutoff = utcnow()
        with self.app.app_context():
            while not stop():
                ids = self.claim(cutoff, skip=failed_ids)
                if not ids:
                    break
                batch_sent, batch_failed = self.deliver(ids, failed_ids)
                sent, failed = sent + batch_sent, failed + batch_failed
                MAIL_DELIVERED.labels("sent").inc(batch_sent)
                MAIL_DELIVERED.labels("failed").inc(batch_failed)
                log.info("outbox batch of %d: %d sent, %d failed (worker %s)", len(ids), batch_sent, batch_failed,
                         self.name)
        return sent, failed

    def run_once(self) -> tuple[int, int]:
        """`outbox work --once`: start the scheduled jobs that are due, deliver what is due meanwhile, wait for the
        jobs (each at most its time limit), then deliver what they queued (digests, say)."""
        failed_ids: set[int] = set()
        started = self.scheduler.tick()
        before = self.deliver_due(failed_ids)
        self.scheduler.wait(started)
        after = self.deliver_due(failed_ids)
        return before[0] + after[0], before[1] + after[1]

    def run_forever(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Deliver mail on this thread, pass after pass, and run the scheduled jobs from a thread of their own, until
        stop() or should_stop(). A job never holds up the mail: each runs in its own thread, within its limit.

        Stopping is prompt: the batch being sent is finished, the jobs under way get the scheduler's grace
        (jobs.SHUTDOWN_GRACE_SECONDS) and are then abandoned, their transactions rolled back.
        """
        poll = self.config["MAIL_POLL_SECONDS"]
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        halt = threading.Event()
        scheduling = threading.Thread(target=self._schedule, args=(halt, poll), name=f"jobs of {self.name}",
                                      daemon=True)
        scheduling.start()
        stopping = lambda: self._stop_requested or should_stop()  # noqa: E731
        try:
            while not stopping():
                try:
                    self.deliver_due(stop=lambda: self._stop_requested)
                except Exception:  # a database restart must not kill the worker
                    log.exception("outbox worker pass failed; retrying")
                    with self.app.app_context():
                        db.session.remove()
                self._pause(poll)
        finally:
            self.scheduler.stopping = True  # a tick under way starts nothing more
            halt.set()
            scheduling.join(SCHEDULING_JOIN_SECONDS)
            if scheduling.is_alive():  # a tick stuck in the database: it is a daemon, the process's end ends it
                log.error("outbox worker: the scheduling thread did not stop; stopping without it")
            self.scheduler.stop()
            wake = (self._wake_r, self._wake_w)
            self._wake_r = self._wake_w = None
            for fd in wake:
                os.close(fd)

    def stop(self) -> None:
        """Ask run_forever to end. Safe from a signal handler (it takes no lock) and from any thread."""
        self._stop_requested = True
        if self._wake_w is not None:
            try:
                os.write(self._wake_w, b"x")
            except OSError:  # the pipe is full (it has been told already) or closed (it has stopped)
                pass

    def _pause(self, seconds: float) -> None:
        """Wait between passes; stop() ends the wait at once."""
        readable, _, _ = wait_readable([self._wake_r], [], [], seconds)
        if readable:
            os.read(self._wake_r, 4096)

    def _schedule(self, halt: threading.Event, poll: float) -> None:
        """The scheduling thread: a tick a pass; the jobs themselves run in threads of their own."""
        while not halt.is_set():
            try:
                self.scheduler.tick()
            except Exception:  # a database restart must not end the scheduling
                log.exception("outbox worker: scheduling the jobs failed; retrying")
                with self.app.app_context():
                    db.session.remove()
            halt.wait(max(poll, MIN_TICK_SECONDS))


def requeue(session, message_ids: list[int] | None = None) -> int:
    """Put failed messages back in the queue (admins' resend)."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == FAILED)
    if message_ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(message_ids))
    result = session.execute(stmt.values(status=QUEUED, attempts=0, next_attempt_at=utcnow(), claimed_by=None)
                             .execution_options(synchronize_session=False))
    return result.rowcount
