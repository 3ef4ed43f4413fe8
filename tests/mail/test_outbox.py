"""The outbox: written in the caller's transaction, delivered by the worker, retried, never sent twice."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db, utcnow
from app.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage
from app.mail.services import queue_email
from app.mail.worker import OutboxWorker, requeue
from tests.conftest import make_app, text_of


def _queue(session, n: int = 1, to: str = "someone@example.org") -> list[OutboxMessage]:
    messages = [queue_email(session, to, "confirm_email", f"Message {i}", link=f"http://localhost/x/{i}")
                for i in range(n)]
    session.commit()
    return messages


def test_queued_mail_is_rolled_back_with_its_transaction(session, smtp_server, deliver):
    queue_email(session, "a@example.org", "confirm_email", "Hello", link="http://localhost/x")
    session.rollback()
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert deliver() == (0, 0)
    assert smtp_server.messages == []


def test_worker_delivers_text_and_html_with_the_stored_message_id(session, smtp_server, deliver):
    [message] = _queue(session)
    assert smtp_server.messages == []  # nothing leaves until the worker runs
    assert deliver() == (1, 0)
    [received] = smtp_server.messages
    assert received["Message-ID"] == message.message_id
    assert received["To"] == "someone@example.org"
    assert received["Subject"] == "Message 0"
    assert "http://localhost/x/0" in text_of(received)
    assert received.get_body(preferencelist=("html",)) is not None
    session.refresh(message)
    assert message.status == SENT and message.sent_at is not None and message.attempts == 1


def test_refused_then_accepted_message_is_delivered_once_after_retry(session, smtp_server, deliver):
    [message] = _queue(session)
    smtp_server.refuse = 1
    assert deliver() == (0, 1)
    session.refresh(message)
    assert message.status == QUEUED
    assert "451" in message.last_error
    assert smtp_server.messages == []
    assert deliver() == (1, 0)
    assert len(smtp_server.messages) == 1
    session.refresh(message)
    assert message.status == SENT and message.attempts == 2


def test_retry_waits_with_exponential_backoff(app, session, smtp_server):
    app.config["MAIL_RETRY_BASE_SECONDS"] = 60
    [message] = _queue(session)
    smtp_server.refuse = 2
    before = utcnow()
    OutboxWorker(app).run_once()
    session.refresh(message)
    first_wait = message.next_attempt_at - before
    assert timedelta(seconds=55) < first_wait < timedelta(seconds=70)
    # Not due yet: another pass leaves it alone.
    assert OutboxWorker(app).run_once() == (0, 0)
    message.next_attempt_at = utcnow()
    session.commit()
    before = utcnow()
    OutboxWorker(app).run_once()
    session.refresh(message)
    assert timedelta(seconds=115) < message.next_attempt_at - before < timedelta(seconds=130)


def test_message_fails_after_the_last_try_keeps_its_error_and_can_be_resent(app, session, smtp_server, deliver):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    [message] = _queue(session)
    smtp_server.refuse = 10
    for _ in range(3):
        deliver()
    session.refresh(message)
    assert message.status == FAILED
    assert "451" in message.last_error
    assert deliver() == (0, 0)
    smtp_server.refuse = 0
    assert requeue(session) == 1
    session.commit()
    assert deliver() == (1, 0)
    assert len(smtp_server.messages) == 1


def test_relay_down_then_back_loses_nothing(app, session, smtp_server, deliver):
    _queue(session, 3)
    real_port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = 1  # nothing listens there
    assert deliver() == (0, 3)
    app.config["SMTP_PORT"] = real_port
    assert deliver() == (3, 0)
    assert len(smtp_server.messages) == 3


def test_two_workers_draining_one_outbox_deliver_each_message_exactly_once(app, session, smtp_server):
    messages = _queue(session, 120)
    expected = {m.message_id for m in messages}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            worker = OutboxWorker(app, name=name, batch_size=7)
            worker.run_once()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    received = [m["Message-ID"] for m in smtp_server.messages]
    assert sorted(received) == sorted(expected)
    assert len(received) == len(set(received)) == 120
    session.expire_all()
    assert session.scalar(select(func.count()).where(OutboxMessage.status == SENT)) == 120


def test_claimed_message_is_not_taken_by_another_worker(app, session, smtp_server):
    _queue(session, 5)
    first = OutboxWorker(app, name="first")
    ids = first.claim()
    assert len(ids) == 5
    assert OutboxWorker(app, name="second").claim() == []
    # The first worker delivers what it claimed.
    assert first.deliver(ids) == (5, 0)
    assert len(smtp_server.messages) == 5


def test_crashed_worker_message_is_sent_again_once_its_lease_lapses(app, session, smtp_server, deliver):
    [message] = _queue(session)
    crashed = OutboxWorker(app, name="crashed")
    assert crashed.claim() == [message.id]  # then it dies without sending or marking
    session.expire_all()
    assert session.get(OutboxMessage, message.id).status == SENDING
    assert deliver() == (0, 0)  # its lease still holds
    msg = session.get(OutboxMessage, message.id)
    msg.lease_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert deliver() == (1, 0)
    assert len(smtp_server.messages) == 1
    session.expire_all()
    assert session.get(OutboxMessage, message.id).status == SENT


def test_message_is_not_marked_sent_when_the_send_raises(app, session, smtp_server, monkeypatch):
    [message] = _queue(session)
    from app.mail import transports

    def boom(self, email):
        raise ConnectionResetError("connection dropped mid-send")

    monkeypatch.setattr(transports.SMTPTransport, "send", boom)
    OutboxWorker(app).run_once()
    session.expire_all()
    stored = session.get(OutboxMessage, message.id)
    assert stored.status == QUEUED and stored.sent_at is None
    assert "connection dropped" in stored.last_error


def test_without_smtp_host_mail_is_written_as_eml_files(database_url, tmp_path):
    app = make_app(database_url, tmp_path / "nosmtp", SMTP_HOST=None)
    with app.app_context():
        db.drop_all()
        db.create_all()
        queue_email(db.session, "b@example.org", "confirm_email", "Local mail", link="http://localhost/y")
        db.session.commit()
        assert OutboxWorker(app).run_once() == (1, 0)
        files = list((tmp_path / "nosmtp" / "mail").glob("*.eml"))
        assert len(files) == 1
        content = files[0].read_text()
        assert "Subject: Local mail" in content and "b@example.org" in content
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_outbox_work_once_command_delivers_and_reports(app, session, smtp_server):
    _queue(session, 2)
    result = app.test_cli_runner().invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 sent, 0 failed" in result.output
    assert len(smtp_server.messages) == 2


def test_a_failure_mid_batch_keeps_the_sent_ones_sent_and_only_the_failed_one_waits(app, session, smtp_server,
                                                                                     monkeypatch):
    from app.mail import transports, worker

    monkeypatch.setattr(worker, "MARK_EVERY", 2)  # marks are committed in groups: a group ends at the failure
    messages = _queue(session, 5)
    real_send = transports.SMTPTransport.send

    def third_fails(self, email):
        if email["Subject"] == "Message 2":
            raise ConnectionResetError("dropped")
        return real_send(self, email)

    monkeypatch.setattr(transports.SMTPTransport, "send", third_fails)
    assert OutboxWorker(app).run_once() == (4, 1)
    session.expire_all()
    statuses = [session.get(OutboxMessage, m.id).status for m in messages]
    assert statuses == [SENT, SENT, QUEUED, SENT, SENT]
    assert sorted(str(m["Subject"]) for m in smtp_server.messages) == ["Message 0", "Message 1", "Message 3",
                                                                       "Message 4"]
