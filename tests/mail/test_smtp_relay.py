"""Delivery through a relay that requires STARTTLS and a login, as production relays do."""
from __future__ import annotations

import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from app.mail.models import QUEUED, SENT, OutboxMessage
from app.mail.services import queue_email
from app.mail.worker import OutboxWorker
from tests.conftest import CaughtMail, _free_port


@pytest.fixture
def certificate(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return key, cert


@pytest.fixture
def secure_relay(certificate):
    key, cert = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = CaughtMail()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"relay-user" \
            and auth_data.password == b"relay-secret"
        return AuthResult(success=ok)

    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), tls_context=context,
                            require_starttls=True, auth_required=True, authenticator=authenticator)
    controller.start()
    handler.port = controller.port
    yield handler, cert
    controller.stop()


def _send_one(app, session) -> OutboxMessage:
    message = queue_email(session, "r@example.org", "confirm_email", "Via the relay", link="http://localhost/z")
    session.commit()
    OutboxWorker(app).run_once()
    session.refresh(message)
    return message


def test_starttls_and_login_deliver_through_the_relay(app, session, secure_relay):
    relay, cert = secure_relay
    app.config.update(SMTP_PORT=relay.port, SMTP_STARTTLS=True, SMTP_CA_FILE=str(cert),
                      SMTP_USER="relay-user", SMTP_PASSWORD="relay-secret")
    assert _send_one(app, session).status == SENT
    assert [m["Subject"] for m in relay.messages] == ["Via the relay"]


def test_wrong_relay_password_is_retried_not_lost(app, session, secure_relay):
    relay, cert = secure_relay
    app.config.update(SMTP_PORT=relay.port, SMTP_STARTTLS=True, SMTP_CA_FILE=str(cert),
                      SMTP_USER="relay-user", SMTP_PASSWORD="wrong", SMTP_TIMEOUT=3)
    message = _send_one(app, session)
    assert message.status == QUEUED
    # smtplib tries PLAIN (refused with 535) then LOGIN, which aiosmtpd leaves hanging: either error will do.
    assert message.last_error
    assert relay.messages == []


def test_relay_certificate_is_verified(app, session, secure_relay):
    relay, _ = secure_relay
    app.config.update(SMTP_PORT=relay.port, SMTP_STARTTLS=True, SMTP_CA_FILE=None,
                      SMTP_USER="relay-user", SMTP_PASSWORD="relay-secret")
    message = _send_one(app, session)
    assert message.status == QUEUED
    assert "CERTIFICATE_VERIFY_FAILED" in message.last_error
