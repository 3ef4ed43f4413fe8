"""Transports: hand a finished email to an SMTP relay, or write it as an .eml file for local runs."""
from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from app.extensions import utcnow
from app.mail.models import OutboxMessage


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_addr
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at or utcnow())
    email["Auto-Submitted"] = "auto-generated"
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


class SMTPTransport:
    """One connection reused across a batch; reopened after any error."""

    def __init__(self, host: str, port: int, user: str | None, password: str | None,
                 starttls: bool, timeout: int, ca_file: str | None = None) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.timeout, self.ca_file = starttls, timeout, ca_file
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        conn.ehlo()
        if self.starttls:
            conn.starttls(context=ssl.create_default_context(cafile=self.ca_file))
            conn.ehlo()
        if self.user:
            conn.login(self.user, self.password or "")
        return conn

    def send(self, email: EmailMessage) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.send_message(email)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except Exception:
                pass
            self._conn = None


class FileTransport:
    """Writes each message to DIR/<utc time>-<id>.eml, atomically, for local runs without a relay."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def send(self, email: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        ident = str(email["Message-ID"]).strip("<>").split("@")[0]
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(bytes(email))
        os.replace(tmp, self.directory / f"{stamp}-{ident}.eml")

    def close(self) -> None:
        pass


def transport_from_config(config: dict) -> SMTPTransport | FileTransport:
    if config.get("SMTP_HOST"):
        return SMTPTransport(
            config["SMTP_HOST"], config["SMTP_PORT"], config.get("SMTP_USER"), config.get("SMTP_PASSWORD"),
            config.get("SMTP_STARTTLS", False), config.get("SMTP_TIMEOUT", 30), config.get("SMTP_CA_FILE"),
        )
    return FileTransport(config["MAIL_FILE_DIR"])
