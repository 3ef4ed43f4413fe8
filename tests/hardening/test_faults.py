"""Faults: a worker process killed in the middle of a send, and the database dropping the worker's connections.

Also covered elsewhere: the relay down and back (tests/mail/test_outbox.py), two workers on one outbox (same),
two moderators on one story (tests/moderation), the search index deleted (tests/search).
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from app.extensions import utcnow
from app.mail.models import SENDING, SENT, OutboxMessage
from app.mail.services import queue_email
from app.mail.worker import OutboxWorker
from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]


class HangingRelay:
    """An SMTP server that takes the message in and then never answers: the sender waits mid-send."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        self.arrived.set()
        # Real time, on the relay's own event loop: a sender in another process must be left hanging mid-send
        # until the test kills it (no test clock reaches that process, and none should).
        await asyncio.sleep(120)
        return "250 OK"


def test_a_worker_killed_mid_send_leaves_the_message_to_be_sent_again_not_marked_sent(app, session, database_url,
                                                                                       smtp_server, deliver):
    message = queue_email(session, "someone@example.org", "confirm_email", "Hello", link="http://localhost/x")
    session.commit()
    relay = HangingRelay()
    controller = Controller(relay, hostname="127.0.0.1", port=_free_port())
    controller.start()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret", "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(controller.port), "SMTP_TIMEOUT": "120", "MAIL_FILE_DIR": str(Path(app.instance_path))}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "work", "--once"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert relay.arrived.wait(60), "the worker never reached the relay"
        worker.send_signal(signal.SIGKILL)  # dies between handing the message over and hearing back
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
        controller.stop()
    session.expire_all()
    stuck = session.get(OutboxMessage, message.id)
    assert stuck.status == SENDING and stuck.sent_at is None  # never marked sent before it was
    # Once the dead worker's lease lapses, another worker sends it again: at least once, then marked.
    stuck.lease_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert deliver() == (1, 0)
    assert len(smtp_server.messages) == 1 and len(relay.received) == 1
    session.expire_all()
    assert session.get(OutboxMessage, message.id).status == SENT


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="PostgreSQL only: the server drops the worker's connections")
def test_the_worker_survives_the_database_dropping_its_connections(app, session, smtp_server):
    from app.extensions import db

    def queue(n: int) -> None:
        for i in range(n):
            queue_email(session, f"r{i}@example.org", "confirm_email", f"Message {i}", link="http://localhost/x")
        session.commit()

    worker = OutboxWorker(app, name="survivor")
    app.config["MAIL_POLL_SECONDS"] = 0
    queue(2)
    assert worker.run_once() == (2, 0)  # the pool now holds live connections
    queue(3)
    # What a database restart does to the clients: every other connection to this database is cut.
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.commit()
    passes = {"n": 0}

    def should_stop() -> bool:
        passes["n"] += 1
        return len(smtp_server.messages) >= 5 or passes["n"] > 20

    thread = threading.Thread(target=worker.run_forever, args=(should_stop,))
    thread.start()
    thread.join(120)
    assert not thread.is_alive()
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)) == 5  # each delivered once
    session.rollback()
    assert session.scalar(select(OutboxMessage.id).where(OutboxMessage.status != SENT)) is None
