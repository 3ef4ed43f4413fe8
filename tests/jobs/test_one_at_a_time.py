"""One run of a job at a time across every worker (SQLite and PostgreSQL): the claim on its job_runs row."""
from __future__ import annotations

import threading

from sqlalchemy import select

from app import jobs
from app.extensions import utcnow
from app.jobs import HOLD_SECONDS, JobRun
from app.mail.models import OutboxMessage
from tests.jobs.conftest import SAFETY_SECONDS


def _row(session, name: str) -> JobRun:
    session.expire_all()
    return session.get(JobRun, name)


def test_a_second_worker_does_not_start_a_job_under_way_even_when_asked(app, session, only_test_jobs, gates,
                                                                        schedulers):
    gate = gates(hangs=1)
    jobs.register(app, "rebuild", gate)  # every pass
    first, second = schedulers("first"), schedulers("second")
    [run] = first.tick()
    assert gate.entered.wait(SAFETY_SECONDS)
    assert second.tick() == []
    jobs.run_soon(session, "rebuild")  # asked for while it runs (a withdrawal, say)
    session.commit()
    assert second.tick() == [] and first.tick() == []
    gate.release.set()
    assert run.done.wait(SAFETY_SECONDS)
    [again] = second.tick()  # the request stands for the run after
    assert again.done.wait(SAFETY_SECONDS)
    assert gate.calls == 2 and gate.most_inside == 1


def _tick_at_once(workers: list[jobs.Scheduler]) -> list[jobs.Run]:
    """Every worker looks at the jobs at the same instant, each from a thread of its own."""
    start = threading.Barrier(len(workers))
    started: list[jobs.Run] = []

    def tick(worker: jobs.Scheduler) -> None:
        start.wait(SAFETY_SECONDS)
        started.extend(worker.tick())

    threads = [threading.Thread(target=tick, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SAFETY_SECONDS)
    return started


def test_workers_racing_for_a_due_job_start_it_once(app, session, only_test_jobs, clock, gates, schedulers):
    gate = gates(hangs=5)  # each run lasts until every worker has had its look
    jobs.register(app, "digests", gate, every=3600)  # due only when asked for, below
    workers = [schedulers(f"w{i}") for i in range(4)]
    for round_ in range(5):
        jobs.run_soon(session, "digests")
        session.commit()
        clock.now = utcnow()  # after the request: the run that starts now answers it
        started = _tick_at_once(workers)
        assert len(started) == 1, f"round {round_}: {len(started)} workers started it"
        assert _tick_at_once(workers) == []  # nor while it runs
        gate.release.set()
        assert started[0].done.wait(SAFETY_SECONDS)
        gate.release.clear()
        assert _tick_at_once(workers) == []  # nor once it is done: not due for an hour
    assert gate.calls == 5 and gate.most_inside == 1
    row = _row(session, "digests")
    assert row.failures == 0 and row.last_finished_at >= row.last_started_at


def test_a_dead_workers_hold_lapses_and_its_late_end_does_not_overwrite_the_new_run(
        app, session, only_test_jobs, clock, gates, schedulers):
    gate = gates(hangs=2)
    jobs.register(app, "dataset", gate, every=3600)
    dead, alive = schedulers("dead"), schedulers("alive")
    [stale] = dead.tick()  # then its worker stops ticking: no renewal of its hold (a frozen or killed process)
    assert gate.entered.wait(SAFETY_SECONDS)
    clock.advance(HOLD_SECONDS - 1)
    assert alive.tick() == []
    clock.advance(1)
    [taken] = alive.tick()
    assert _row(session, "dataset").last_started_at == clock.now
    gate.release.set()
    for run in (stale, taken):
        assert run.done.wait(SAFETY_SECONDS)
    # Only the live worker's run is kept and recorded: the stale one's commit was refused, its claim lost.
    row = _row(session, "dataset")
    assert row.last_started_at == taken.started and row.last_success_at == clock.now and row.failures == 0
    assert stale.abandoned.is_set() and stale.settled
    session.expire_all()
    assert [m.to_addr for m in session.scalars(select(OutboxMessage))] == ["run2@example.org"]


def test_a_worker_renews_its_hold_while_a_long_run_lasts(app, session, only_test_jobs, clock, gates, schedulers):
    gate = gates(hangs=1)
    jobs.register(app, "rebuild", gate, limit=4 * HOLD_SECONDS)
    owner, other = schedulers("owner"), schedulers("other")
    [run] = owner.tick()
    for _ in range(6):  # well past one hold, within its limit
        clock.advance(HOLD_SECONDS / 2)
        owner.tick()
        assert other.tick() == []
        assert _row(session, "rebuild").next_run_at > clock.now
    gate.release.set()
    assert run.done.wait(SAFETY_SECONDS)
    assert _row(session, "rebuild").failures == 0
