"""The job scheduler through `outbox work --once`: each scheduled job runs alone; one that raises is recorded,
shown, backed off, and the mail keeps flowing (limits, claims and the worker's loops: tests/jobs/)."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import jobs
from app.admin.models import WorkerHeartbeat
from app.extensions import utcnow
from app.jobs import JobRun
from app.mail.models import SENT, OutboxMessage
from app.mail.services import queue_email
from tests.conftest import PASSWORD, login


def _queue(session, subject: str) -> None:
    queue_email(session, "reader@example.org", "confirm_email", subject, link="http://localhost/x")
    session.commit()


def _run(session, name: str) -> JobRun:
    session.expire_all()
    return session.get(JobRun, name)


@pytest.fixture
def broken_job(app):
    """A job that raises on every run, after writing something that must not be kept."""
    calls = {"n": 0}

    def always_fails(session):
        calls["n"] += 1
        queue_email(session, "never@example.org", "confirm_email", "From a failed job", link="http://localhost/x")
        session.flush()
        raise RuntimeError("the disk is full")

    # Ahead of the others, so it runs first: nothing after it may depend on it having worked.
    app.extensions["jobs"] = {"always-fails": jobs.Job("always-fails", always_fails), **app.extensions["jobs"]}
    return calls


def test_a_job_that_raises_on_every_run_leaves_mail_flowing(app, session, smtp_server, deliver, broken_job):
    for n in range(3):
        _queue(session, f"Message {n}")
        assert deliver() == (1, 0)
        # Force it due again, as its backoff would after a while: it fails each time, the mail still goes.
        session.execute(JobRun.__table__.update().where(JobRun.name == "always-fails")
                        .values(next_run_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert broken_job["n"] == 3
    assert [str(m["Subject"]) for m in smtp_server.messages] == ["Message 0", "Message 1", "Message 2"]
    # What the failed job wrote was rolled back with it.
    assert session.scalar(select(func.count()).where(OutboxMessage.to_addr == "never@example.org")) == 0
    run = _run(session, "always-fails")
    assert run.failures == 3 and run.last_success_at is None
    assert run.last_error.startswith("RuntimeError: the disk is full")
    assert "always_fails" in run.last_error  # where it came from, for whoever fixes it
    # The other jobs ran all the same.
    assert session.scalar(select(func.count()).select_from(WorkerHeartbeat)) == 1
    assert _run(session, "dataset").last_success_at is not None


def test_a_failing_job_waits_longer_after_each_failure_then_recovers(app, session, deliver, broken_job):
    app.config.update(JOB_RETRY_BASE_SECONDS=30, JOB_RETRY_MAX_SECONDS=100)
    waits = []
    for _ in range(4):
        before = utcnow()
        deliver()
        run = _run(session, "always-fails")
        waits.append(round((run.next_run_at - before).total_seconds()))
        deliver()  # not due yet: not run again
        assert broken_job["n"] == run.failures
        run.next_run_at = utcnow() - timedelta(seconds=1)
        session.commit()
    assert waits == [30, 60, 100, 100]  # doubling, up to JOB_RETRY_MAX_SECONDS
    app.extensions["jobs"]["always-fails"] = jobs.Job("always-fails", lambda session: None)
    deliver()
    run = _run(session, "always-fails")
    assert run.failures == 0 and run.last_success_at is not None
    assert run.last_error.startswith("RuntimeError")  # kept for the record, no longer shown as failing


def test_a_failing_job_does_not_hold_up_mail_that_its_neighbours_queue(app, session, smtp_server, deliver,
                                                                       broken_job):
    def queues_mail(session):
        queue_email(session, "digest@example.org", "confirm_email", "A digest", link="http://localhost/x")

    jobs.register(app, "queues-mail", queues_mail)
    assert deliver() == (1, 0)
    assert [str(m["Subject"]) for m in smtp_server.messages] == ["A digest"]


def test_a_real_job_failing_shows_on_the_admin_site_page_and_mail_goes_on(app, session, smtp_server, deliver,
                                                                          make_user, client, tmp_path):
    """The unlucky operator: the dataset folder is unusable (a file is in its way)."""
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder")
    app.config["DATASET_DIR"] = str(blocker / "dataset")
    _queue(session, "Still delivered")
    assert deliver() == (1, 0)
    run = _run(session, "dataset")
    assert run.failures == 1 and run.last_error.split("\n")[0].startswith(("FileExistsError", "NotADirectoryError"))
    admin = make_user(email="admin@example.org", admin=True)
    login(client, admin.email, PASSWORD)
    page = html.unescape(client.get("/admin/").get_data(as_text=True))
    assert "1 job is failing." in page
    assert "failed 1 time in a row" in page and run.last_error.split("\n")[0] in page
    assert "<th scope=\"row\">dataset</th>" in page and "<th scope=\"row\">heartbeat</th>" in page
    assert session.scalar(select(OutboxMessage.status)) == SENT


def test_jobs_run_at_their_interval_and_run_soon_brings_one_forward(app, session, deliver):
    calls = []
    app.config["HOURLY_TEST_SECONDS"] = 3600
    jobs.register(app, "hourly", lambda session: calls.append(utcnow()), every="HOURLY_TEST_SECONDS")
    deliver()
    deliver()
    assert len(calls) == 1  # once an hour
    run = _run(session, "hourly")
    assert timedelta(seconds=3590) < run.next_run_at - run.last_started_at <= timedelta(seconds=3600)
    jobs.run_soon(session, "hourly")
    session.commit()
    deliver()
    assert len(calls) == 2  # asked for: run at the next pass
    deliver()
    assert len(calls) == 2  # and only once per request


def test_a_request_made_while_the_job_runs_is_kept_for_the_next_pass(app, session, deliver):
    from app.extensions import db

    calls = []

    def asks_again(session):
        calls.append(1)
        if len(calls) == 1:
            # Another process asks for a run while this one is under way (its own transaction, committed).
            with db.engine.begin() as conn:
                conn.execute(JobRun.__table__.update().where(JobRun.name == "slow")
                             .values(requested_at=utcnow() + timedelta(milliseconds=1)))

    app.config["SLOW_TEST_SECONDS"] = 3600
    jobs.register(app, "slow", asks_again, every="SLOW_TEST_SECONDS")
    jobs.run_soon(session, "slow")
    session.commit()
    deliver()
    deliver()
    assert len(calls) == 2


def test_registering_a_job_is_one_line_and_names_are_unique(app):
    job = jobs.register(app, "example", lambda session: None, every=600)
    assert job in jobs.registered(app)
    with pytest.raises(ValueError):
        jobs.register(app, "example", lambda session: None)
    with pytest.raises(ValueError):
        jobs.register(app, "misconfigured", lambda session: None, every="NO_SUCH_SETTING")
    with pytest.raises(ValueError):
        jobs.register(app, "unlimited", lambda session: None, limit="NO_SUCH_SETTING")
    with pytest.raises(ValueError):
        jobs.register(app, "instant", lambda session: None, limit=0)
    # A time limit: its own, a setting's, or JOB_TIME_LIMIT_SECONDS (an hour without it).
    app.config["SLOW_LIMIT_TEST_SECONDS"] = 7200
    assert jobs.register(app, "slow", lambda session: None, limit="SLOW_LIMIT_TEST_SECONDS").time_limit(app.config) \
        == 7200
    assert jobs.register(app, "quick", lambda session: None, limit=30).time_limit(app.config) == 30
    assert job.time_limit(app.config) == app.config.get("JOB_TIME_LIMIT_SECONDS", jobs.DEFAULT_TIME_LIMIT)
    # In the order of the layers' init_app (app.LAYERS), then the test's own.
    assert [j.name for j in jobs.registered(app)][:10] == ["read-counts", "digests", "reminders", "following-digest",
                                                           "search-queue", "red-flags", "transparency", "dataset",
                                                           "heartbeat", "insight-figures"]
