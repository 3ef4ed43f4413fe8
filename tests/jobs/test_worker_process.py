"""`flask --app wsgi outbox work` as its own process on a SQLite file: a signal stops it promptly and cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import JobRun
from app.mail.models import SENT, OutboxMessage
from app.mail.services import queue_email
from tests.conftest import make_app
from tests.jobs.conftest import SAFETY_SECONDS
from tests.jobs.test_worker_loop import _arrivals

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_the_worker_promptly_leaving_nothing_under_way(tmp_path, smtp_server, stop_signal):
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    app = make_app(url, tmp_path)
    with app.app_context():
        db.create_all()
        queue_email(db.session, "reader@example.org", "confirm_email", "Delivered by the process",
                    link="http://localhost/x")
        db.session.commit()
        db.engine.dispose()
    env = {key: value for key, value in os.environ.items()
           if key not in ("TEST_DATABASE_URL", "FLASK_DEBUG", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS")}
    env.update(DATABASE_URL=url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port),
               SECRET_KEY="worker-process-test", STORYLOOP_INSTANCE_DIR=str(tmp_path / "instance"),
               MAIL_FILE_DIR=str(tmp_path / "mail"), DATASET_DIR=str(tmp_path / "dataset"),
               SEARCH_INDEX_DIR=str(tmp_path / "search-index"), SEARCH_REBUILD_PROCS="1",
               MAIL_POLL_SECONDS="600")  # a worker that slept between passes would not stop for ten minutes
    arrived = _arrivals(smtp_server, 1)
    with open(tmp_path / "worker.log", "w") as log:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "work"], cwd=ROOT,
                                  env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            assert "running" in worker.stdout.readline()
            assert arrived.wait(SAFETY_SECONDS * 2), (tmp_path / "worker.log").read_text()
            began = time.monotonic()
            worker.send_signal(stop_signal)
            assert worker.wait(SAFETY_SECONDS) == 0, (tmp_path / "worker.log").read_text()
            took = time.monotonic() - began
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        assert "stopped" in worker.stdout.read()
        worker.stdout.close()
    assert took < 25  # the jobs' grace (10 s) and the start of its exit, never the 600 s pause
    assert str(smtp_server.messages[0]["Subject"]) == "Delivered by the process"
    with app.app_context():
        assert set(db.session.scalars(select(OutboxMessage.status))) == {SENT}
        runs = db.session.scalars(select(JobRun)).all()
        assert {run.name for run in runs} >= {"heartbeat", "digests"}  # its jobs ran, in threads of their own
        for run in runs:  # each ended or was let go of: none is left looking under way, held by a dead worker
            assert run.last_finished_at is not None and run.last_finished_at >= run.last_started_at, run.name
        db.engine.dispose()
