"""One bad message never stops the mail: a message that cannot be built, or that the relay refuses, fails alone
(its error kept, retried up to MAIL_MAX_ATTEMPTS, then failed) and the rest of its batch is delivered once."""
from __future__ import annotations

import os

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from app.errors import one_line
from app.mail.models import FAILED, QUEUED, SENT, OutboxMessage
from app.mail.services import queue_email
from app.mail.worker import OutboxWorker
from tests.conftest import CaughtMail, _free_port

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


class PickyRelay(CaughtMail):
    """A real SMTP server that refuses some recipients at RCPT, as a relay refuses an unknown mailbox."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def relay(app):
    handler = PickyRelay()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    handler.port = controller.port
    app.config["SMTP_PORT"] = controller.port
    yield handler
    controller.stop()


def _queue(session, to: str, subject: str) -> OutboxMessage:
    message = queue_email(session, to, "confirm_email", subject, link="http://localhost/confirm")
    session.flush()
    return message


def _batch(session) -> dict[str, OutboxMessage]:
    """Five messages claimed as one batch: two of them bad in different ways."""
    messages = {
        "first": _queue(session, "first@example.org", "First"),
        "unbuildable": _queue(session, "broken@example.org", "Broken"),
        "second": _queue(session, "second@example.org", "Second"),
        "refused": _queue(session, "refused@example.org", "Refused"),
        "third": _queue(session, "third@example.org", "Third"),
    }
    # Headers that are not a mapping (a bad template context, a hand-edited row): the email cannot be built.
    messages["unbuildable"].headers = ["List-Unsubscribe", "<https://example.org/u>"]
    session.commit()
    return messages


def _state(session, message: OutboxMessage) -> OutboxMessage:
    session.expire_all()
    return session.get(OutboxMessage, message.id)


def test_a_batch_holding_an_unbuildable_and_a_refused_message_delivers_the_others(app, session, relay, deliver):
    messages = _batch(session)
    assert deliver() == (3, 2)
    assert sorted(str(m["Subject"]) for m in relay.messages) == ["First", "Second", "Third"]
    for name in ("first", "second", "third"):
        assert _state(session, messages[name]).status == SENT
    broken = _state(session, messages["unbuildable"])
    assert broken.status == QUEUED and broken.attempts == 1 and broken.sent_at is None
    assert broken.last_error.startswith("AttributeError")
    refused = _state(session, messages["refused"])
    assert refused.status == QUEUED and refused.attempts == 1
    assert "550" in refused.last_error and "User unknown" in refused.last_error


def test_the_bad_ones_are_retried_up_to_the_limit_then_failed_and_never_bring_back_the_rest(app, session, relay,
                                                                                             deliver):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    messages = _batch(session)
    assert deliver() == (3, 2)
    assert deliver() == (0, 2)  # tried again (MAIL_RETRY_BASE_SECONDS is 0 in tests), alone
    assert deliver() == (0, 2)  # the last try
    for name in ("unbuildable", "refused"):
        stored = _state(session, messages[name])
        assert stored.status == FAILED and stored.attempts == 3 and stored.last_error
    assert deliver() == (0, 0)  # failed for good: left for an admin to resend
    # The good three went out once each, however often the bad ones were tried.
    assert sorted(str(m["Subject"]) for m in relay.messages) == ["First", "Second", "Third"]
    ids = [m["Message-ID"] for m in relay.messages]
    assert len(ids) == len(set(ids)) == 3


def test_a_bad_message_waits_for_its_backoff_while_new_mail_goes_out(app, session, relay, deliver):
    app.config["MAIL_RETRY_BASE_SECONDS"] = 60
    messages = _batch(session)
    assert deliver() == (3, 2)
    _queue(session, "later@example.org", "Later")
    session.commit()
    assert deliver() == (1, 0)  # the bad two wait a minute; the new message does not wait for them
    assert [str(m["Subject"]) for m in relay.messages][-1] == "Later"
    assert _state(session, messages["refused"]).attempts == 1


def test_a_send_error_does_not_poison_the_connection_for_the_next_message(app, session, relay, deliver):
    """The relay's refusal closes our connection; the next message in the batch opens a fresh one."""
    _queue(session, "refused@example.org", "Refused")
    for i in range(3):
        _queue(session, f"after{i}@example.org", f"After {i}")
    session.commit()
    assert deliver() == (3, 1)
    assert sorted(str(m["To"]) for m in relay.messages) == [f"after{i}@example.org" for i in range(3)]


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL refuses malformed JSON when it is written")
def test_a_row_that_cannot_even_be_read_fails_alone(app, session, relay, deliver):
    good = _queue(session, "good@example.org", "Good")
    bad = _queue(session, "bad@example.org", "Bad")
    session.commit()
    good_id, bad_id = good.id, bad.id
    session.execute(text("UPDATE outbox SET headers = 'not json{' WHERE id = :id"), {"id": bad_id})
    session.commit()
    session.expunge_all()
    assert deliver() == (1, 1)
    assert [str(m["Subject"]) for m in relay.messages] == ["Good"]
    row = session.execute(select(OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.last_error)
                          .where(OutboxMessage.id == bad_id)).one()
    assert row.status == QUEUED and row.attempts == 1 and "JSONDecodeError" in row.last_error
    assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == good_id)) == SENT


def test_each_worker_pass_survives_a_bad_message_when_run_by_the_command(app, session, relay):
    _batch(session)
    result = app.test_cli_runner().invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "3 sent, 2 failed" in result.output


def test_an_error_is_kept_as_one_printable_line():
    error = one_line(ValueError("bad header\r\nBcc: someone@example.org\x00"))
    assert error == "ValueError: bad header\\r\\nBcc: someone@example.org\\x00"
    assert len(one_line(ValueError("x" * 10_000))) == 2000


@pytest.mark.skipif(not ON_POSTGRES, reason="only PostgreSQL refuses a NUL character in text")
def test_a_message_whose_error_cannot_be_stored_still_fails_alone(app, session, relay, monkeypatch):
    """Whatever the error says, the failure is recorded and the batch goes on."""
    from app.mail import worker

    messages = _batch(session)
    real_one_line = worker.one_line
    monkeypatch.setattr(worker, "one_line", lambda exc: "\x00" + real_one_line(exc))
    assert OutboxWorker(app).run_once() == (3, 2)
    stored = _state(session, messages["refused"])
    assert stored.status == QUEUED and stored.last_error == "SMTPRecipientsRefused (its message could not be stored)"
