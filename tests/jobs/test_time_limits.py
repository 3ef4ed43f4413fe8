"""A job past its time limit: recorded failed at its limit, backed off, kept from writing, run again once it returns."""
from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app import jobs
from app.jobs import HOLD_SECONDS, JobRun
from app.mail.models import OutboxMessage
from tests.jobs.conftest import SAFETY_SECONDS


def _row(session, name: str) -> JobRun:
    session.expire_all()
    return session.get(JobRun, name)


def _mail_to(session, address: str) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).where(OutboxMessage.to_addr == address))


def test_a_hung_job_is_recorded_failed_at_its_limit_and_run_again_once_it_returns(
        app, session, only_test_jobs, clock, gates, schedulers):
    app.config.update(JOB_RETRY_BASE_SECONDS=60, JOB_RETRY_MAX_SECONDS=3600)
    gate = gates(hangs=1)
    jobs.register(app, "hangs", gate, limit=120)
    worker = schedulers("w1")
    [run] = worker.tick()
    assert gate.entered.wait(SAFETY_SECONDS)
    started = clock.now

    clock.advance(119)
    assert worker.tick() == []  # under way, within its limit: not timed out, not started again
    assert next(s for s in jobs.states(session) if s.job.name == "hangs").running
    assert _row(session, "hangs").failures == 0

    clock.advance(1)  # its limit
    assert worker.tick() == []
    row = _row(session, "hangs")
    assert row.failures == 1 and row.last_error_at == clock.now
    assert row.last_error.startswith("JobTimedOut: still running after its limit of 120 seconds")
    assert row.last_success_at is None and row.last_started_at == started
    # Held while its thread lives (the backoff, 60 s, is shorter than a hold): no worker may start it.
    assert row.next_run_at == clock.now + timedelta(seconds=HOLD_SECONDS)

    clock.advance(3 * HOLD_SECONDS)  # long past its backoff, but the thread still has not returned
    assert worker.tick() == []
    assert schedulers("w2").tick() == []  # nor may another worker
    assert _row(session, "hangs").next_run_at > clock.now

    gate.release.set()  # it returns at last, having queued an email: refused, since it was abandoned
    assert run.done.wait(SAFETY_SECONDS)
    assert _mail_to(session, "run1@example.org") == 0
    row = _row(session, "hangs")
    assert row.failures == 1 and row.last_finished_at == clock.now
    assert row.next_run_at == started + timedelta(seconds=120 + 60)  # its backoff, from its time-out

    [again] = worker.tick()  # due: its backoff ended long ago
    assert again.done.wait(SAFETY_SECONDS)
    assert _mail_to(session, "run2@example.org") == 1
    row = _row(session, "hangs")
    assert row.failures == 0 and row.last_success_at == clock.now
    assert row.last_error.startswith("JobTimedOut")  # kept for the record


def test_a_job_timing_out_again_and_again_backs_off_further_each_time(app, session, only_test_jobs, clock, gates,
                                                                      schedulers):
    app.config.update(JOB_RETRY_BASE_SECONDS=600, JOB_RETRY_MAX_SECONDS=1500)
    worker = schedulers()
    gate = gates(hangs=3)
    jobs.register(app, "slow", gate, limit=10)
    waits = []
    for attempt in range(3):
        [run] = worker.tick()
        clock.advance(10)
        worker.tick()
        timed_out = clock.now
        gate.release.set()
        assert run.done.wait(SAFETY_SECONDS)
        gate.release.clear()
        row = _row(session, "slow")
        assert row.failures == attempt + 1
        waits.append(round((row.next_run_at - timed_out).total_seconds()))
        assert worker.tick() == []  # not due before its backoff ends
        clock.now = row.next_run_at
    assert waits == [600, 1200, 1500]  # doubling, up to JOB_RETRY_MAX_SECONDS
    assert _mail_to(session, "run1@example.org") + _mail_to(session, "run3@example.org") == 0


def test_once_waits_for_the_jobs_then_delivers_what_they_queued_and_times_out_one_that_hangs(
        app, session, only_test_jobs, gates, schedulers, smtp_server):
    """`outbox work --once` on the real clock: a job that hangs is given up at its limit (one second here)."""
    from app.mail.worker import OutboxWorker

    gate = gates(hangs=1)
    jobs.register(app, "hangs", gate, limit=1)
    jobs.register(app, "queues", gates(hangs=0, label="quick"))
    worker = OutboxWorker(app)
    schedulers.track(worker.scheduler)
    began = time.monotonic()
    assert worker.run_once() == (1, 0)  # the mail the quick job queued
    assert time.monotonic() - began < SAFETY_SECONDS
    assert [str(m["To"]) for m in smtp_server.messages] == ["quick1@example.org"]
    assert _row(session, "hangs").last_error.startswith("JobTimedOut: still running after its limit of 1 second")
    assert _row(session, "queues").last_success_at is not None
    gate.release.set()
    assert worker.scheduler.runs["hangs"].done.wait(SAFETY_SECONDS)
    assert _mail_to(session, "run1@example.org") == 0  # what it queued after its limit was not kept


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="PostgreSQL only: a statement's own time limit")
def test_on_postgresql_no_statement_of_a_job_runs_past_its_limit(app, session, only_test_jobs, schedulers):
    """A job stuck in the database (a lock it waits for, a query that never ends) is ended at its limit."""
    jobs.register(app, "stuck", lambda session: session.execute(text("SELECT pg_sleep(60)")), limit=2)
    worker = jobs.Scheduler(app, "real-clock")
    schedulers.track(worker)
    began = time.monotonic()
    [run] = worker.tick()
    assert run.done.wait(SAFETY_SECONDS)
    assert time.monotonic() - began < 20  # not the sixty seconds it asked for
    row = _row(session, "stuck")
    assert row.failures == 1 and "statement timeout" in row.last_error
