"""/readyz tells the truth: 503 with one line per reason (an unmigrated schema, a dead Redis, a stalled worker, old
queued mail, a failing job, an unwritable folder), 200 only when none holds; `flask check` says the same."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.admin import site
from app.admin.cli import all_findings
from app.admin.models import WorkerHeartbeat
from app.jobs import JobRun
from app.mail.models import OutboxMessage
from app.mail.services import queue_email
from tests.conftest import _free_port
from tests.ops.conftest import stamp


def problems(client) -> list[str]:
    response = client.get("/readyz")
    assert response.status_code == 503, response.get_json()
    assert response.headers["Retry-After"]
    body = response.get_json()
    assert body["status"] == "not ready"
    assert all("\n" not in line for line in body["problems"])
    return body["problems"]


def test_a_migrated_site_with_a_live_worker_is_ready(client, ready):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_healthz_stays_the_cheap_liveness_probe_on_an_unmigrated_database(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503


def test_an_unmigrated_schema_is_not_ready(client, session, clock):
    site.beat(session)
    [line] = problems(client)
    assert line.startswith("The database has no migrations applied") and "db upgrade" in line


def test_a_schema_behind_the_code_is_not_ready(client, session, clock):
    site.beat(session)
    stamp(session, "20261127accountability")  # an earlier release: new code on an old schema
    [line] = [p for p in problems(client) if "schema" in p]
    assert "behind" in line and "20261127accountability" in line


def test_a_schema_newer_than_the_code_is_not_ready(client, session, clock):
    site.beat(session)
    stamp(session, "29991231future")
    [line] = problems(client)
    assert "which this code does not know" in line


@pytest.mark.settings(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_free_port()}")
def test_a_dead_redis_is_not_ready(client, ready):
    [line] = problems(client)
    assert line.startswith("The rate-limit storage (RATELIMIT_STORAGE_URI) does not answer")


def test_a_stale_heartbeat_is_not_ready(client, session, ready):
    name = session.scalar(select(WorkerHeartbeat.name))
    ready.advance(seconds=121)
    [line] = problems(client)
    assert f"The outbox worker {name} was last seen 121 seconds ago" in line


def test_no_worker_at_all_is_not_ready(client, at_head, clock):
    [line] = problems(client)
    assert line.startswith("No outbox worker has made a pass in the last 120 seconds")


def test_one_live_worker_does_not_hide_a_stalled_one(client, session, ready):
    session.add(WorkerHeartbeat(name="other-host:4242", seen_at=ready.now() - timedelta(seconds=600)))
    session.commit()
    [line] = problems(client)
    assert "other-host:4242 was last seen 600 seconds ago" in line


def test_a_worker_that_stopped_cleanly_leaves_at_once_and_a_dead_one_after_the_forget_time(
        client, app, session, ready):
    session.add(WorkerHeartbeat(name="killed:1", seen_at=ready.now() - timedelta(seconds=3599)))
    session.commit()
    assert any("killed:1" in line for line in problems(client))
    ready.advance(seconds=2)  # killed:1 is now past WORKER_FORGET_SECONDS (3600); ours beats again
    site.beat(session)
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        site.forget_stopped(session)  # the heartbeat job deletes what is forgotten
        session.commit()
    assert "killed:1" not in session.scalars(select(WorkerHeartbeat.name)).all()
    site.leave(session)
    session.commit()
    assert session.scalars(select(WorkerHeartbeat.name)).all() == []


def test_the_admin_page_no_longer_lists_a_forgotten_worker(client, app, session, ready, make_user):
    from tests.conftest import login

    admin = make_user(email="ops-admin@example.org", admin=True)
    session.add(WorkerHeartbeat(name="gone-host:7", seen_at=ready.now() - timedelta(hours=2)))
    session.add(WorkerHeartbeat(name="stuck-host:8", seen_at=ready.now() - timedelta(seconds=500)))
    session.commit()
    login(client, admin.email)
    page = client.get("/admin/").get_data(as_text=True)
    assert "gone-host:7" not in page
    assert "stuck-host:8" in page and "<strong>stalled</strong>" in page


def test_an_old_queued_email_is_not_ready(client, session, ready):
    queue_email(session, "reader@example.org", "confirm_email", "Waiting", link="http://localhost/x")
    session.commit()
    ready.advance(seconds=600)
    site.beat(session)
    assert client.get("/readyz").status_code == 200  # due for ten minutes: within READY_OUTBOX_SECONDS
    ready.advance(seconds=301)
    site.beat(session)
    [line] = problems(client)
    assert line.startswith("The oldest email due has waited 901 seconds")


def test_mail_waiting_for_its_retry_is_not_late(client, session, ready):
    queue_email(session, "reader@example.org", "confirm_email", "Later", link="http://localhost/x")
    session.execute(update(OutboxMessage).values(next_attempt_at=ready.now() + timedelta(hours=1)))
    session.commit()
    ready.advance(seconds=1000)
    site.beat(session)
    assert client.get("/readyz").status_code == 200


def test_a_job_failing_again_and_again_is_not_ready_and_its_error_stays_private(client, session, ready):
    session.add(JobRun(name="dataset", failures=2, last_error="RuntimeError: author@example.org broke it"))
    session.commit()
    assert client.get("/readyz").status_code == 200  # two failures: READY_JOB_FAILURES is 3
    session.execute(update(JobRun).where(JobRun.name == "dataset").values(failures=3))
    session.commit()
    response = client.get("/readyz")
    [line] = response.get_json()["problems"]
    assert line.startswith("The scheduled job dataset has failed 3 times in a row")
    assert "author@example.org" not in response.get_data(as_text=True)


def test_an_unwritable_folder_is_not_ready(app, client, ready, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # a file where the folder should be: unusable even for root
    app.config["DATASET_DIR"] = str(blocker / "dataset")
    [line] = problems(client)
    assert line == f"The folder {blocker / 'dataset'} (DATASET_DIR) is not writable by this user."


@pytest.mark.settings(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_free_port()}")
def test_every_reason_at_once_one_line_each(app, client, session, at_head, clock, tmp_path):
    session.add(WorkerHeartbeat(name="w:1", seen_at=clock.now() - timedelta(seconds=300)))
    queue_email(session, "reader@example.org", "confirm_email", "Old", link="http://localhost/x")
    session.add(JobRun(name="digests", failures=5))
    session.commit()
    clock.advance(seconds=1000)
    (tmp_path / "f").write_text("x")
    app.config["DATASET_DIR"] = str(tmp_path / "f" / "d")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert sorted(response.get_json()["checks"]) == ["folders", "jobs", "outbox", "ratelimit", "workers"]
    assert len(response.get_json()["problems"]) == 5


def test_check_reports_what_readiness_finds(app, session, ready):
    session.add(WorkerHeartbeat(name="stalled:9", seen_at=ready.now() - timedelta(seconds=400)))
    session.add(JobRun(name="dataset", failures=4, last_error="OSError: disk full\n\ntraceback"))
    session.commit()
    problems_found, _ = all_findings(app)
    assert any(p.startswith("readiness: The outbox worker stalled:9") for p in problems_found)
    assert any(p.startswith("readiness: The scheduled job dataset") and p.endswith("(OSError: disk full)")
               for p in problems_found)


def test_check_before_the_first_upgrade_only_notes_the_schema(app, session):
    problems_found, notes = all_findings(app)
    assert not [p for p in problems_found if p.startswith("readiness:")]
    assert any("no migrations applied" in n for n in notes)
