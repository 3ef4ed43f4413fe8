"""The outbox worker's two loops: mail goes out while a job hangs or raises, and the worker stops at once."""
from __future__ import annotations

import threading
import time

from sqlalchemy import select

from app import jobs
from app.jobs import JobRun
from app.mail.models import SENT, OutboxMessage
from app.mail.services import queue_email
from app.mail.worker import OutboxWorker
from tests.jobs.conftest import SAFETY_SECONDS


def _queue(session, address: str) -> None:
    queue_email(session, address, "confirm_email", f"For {address}", link="http://localhost/x")
    session.commit()


def _arrivals(smtp_server, count: int) -> threading.Event:
    """Set once the SMTP server has received `count` messages in all."""
    arrived = threading.Event()
    received = smtp_server.handle_DATA

    async def handle_DATA(server, session, envelope):
        reply = await received(server, session, envelope)
        if len(smtp_server.messages) >= count:
            arrived.set()
        return reply

    smtp_server.handle_DATA = handle_DATA
    return arrived


def test_mail_goes_out_while_a_job_hangs_and_stopping_lets_go_of_it(app, session, only_test_jobs, gates,
                                                                     schedulers, smtp_server):
    app.config["MAIL_POLL_SECONDS"] = 0
    gate = gates(hangs=1)
    jobs.register(app, "hangs", gate, limit=3600)
    worker = OutboxWorker(app, name="worker")
    worker.scheduler.shutdown_grace = 0
    schedulers.track(worker.scheduler)
    loop = threading.Thread(target=worker.run_forever)
    loop.start()
    try:
        assert gate.entered.wait(SAFETY_SECONDS)
        arrived = _arrivals(smtp_server, 2)
        _queue(session, "first@example.org")
        _queue(session, "second@example.org")
        assert arrived.wait(SAFETY_SECONDS)  # delivered by the same worker, its job still hanging
        assert not gate.release.is_set() and gate.inside == 1
    finally:
        began = time.monotonic()
        worker.stop()
        loop.join(SAFETY_SECONDS)
    assert not loop.is_alive() and time.monotonic() - began < 15  # not waiting for the hung job
    assert sorted(str(m["To"]) for m in smtp_server.messages) == ["first@example.org", "second@example.org"]
    session.expire_all()
    assert set(session.scalars(select(OutboxMessage.status))) == {SENT}
    # Let go of: no longer under way, due again at once for the next worker, not counted as a failure.
    row = session.get(JobRun, "hangs")
    assert row.last_finished_at >= row.last_started_at and row.next_run_at == row.last_finished_at
    assert row.failures == 0 and row.last_error is None
    # The abandoned thread, let go on at last, keeps nothing of what it writes.
    [run] = worker.scheduler.runs.values()
    gate.release.set()
    assert run.done.wait(SAFETY_SECONDS)
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == "run1@example.org")) is None


def test_a_job_that_raises_or_hangs_holds_up_neither_the_others_nor_the_mail(app, session, only_test_jobs, gates,
                                                                            schedulers, smtp_server):
    gate = gates(hangs=1)
    done = threading.Event()

    def raises(session):
        raise RuntimeError("the disk is full")

    jobs.register(app, "hangs", gate)
    jobs.register(app, "raises", raises)
    jobs.register(app, "queues", lambda session: _queue(session, "digest@example.org"))
    jobs.register(app, "marks", lambda session: done.set())
    worker = schedulers("worker")
    started = worker.tick()
    assert {run.job.name for run in started} == {"hangs", "raises", "queues", "marks"}
    assert done.wait(SAFETY_SECONDS)
    for run in started:
        if run.job.name != "hangs":
            assert run.done.wait(SAFETY_SECONDS)
    assert OutboxWorker(app).deliver_due() == (1, 0)  # what "queues" queued, while "hangs" still hangs
    assert [str(m["To"]) for m in smtp_server.messages] == ["digest@example.org"]
    session.expire_all()
    rows = {row.name: row for row in session.scalars(select(JobRun))}
    assert rows["raises"].failures == 1 and rows["raises"].last_error.startswith("RuntimeError: the disk is full")
    assert rows["queues"].last_success_at is not None and rows["marks"].last_success_at is not None
    assert rows["hangs"].last_finished_at is None  # still under way
