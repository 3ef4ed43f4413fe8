"""Transports: hand a finished email to an SMTP relay, or write it as an .eml file for local runs."""
from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from app.extensions import utcnow
from app.mail.models import OutboxMessage
from app.text import single_line

SENDING_POLICY = policy.default.clone(max_line_length=998)
# RFC 5322 field names: printable ASCII but the colon.
_HEADER_NAME = re.compile(r"[!-9;-~]+")
# The start of an RFC 2047 encoded word, "=?charset?q?" or "=?charset?b?". The email package decodes encoded words
# in a value it is given and writes what they hold as it is: a title holding "=?utf-8?q?=0D=0ABcc:_x@example.org?="
# became a Bcc header (Python 3.11), and smtplib sends to Bcc.
_ENCODED_WORD = re.compile(r"=\?(?=[^?\s]*\?[bBqQ]\?)")


def header_value(value: str | None) -> str:
    """A header value as typed, made safe to hand to the email package: one line (app.text.single_line), and any
    encoded word kept as the text it was typed as (a zero-width space after its "=" stops it being decoded, and
    makes the header go out encoded, so readers still see "=?")."""
    return _ENCODED_WORD.sub("=\u200b?", single_line(value))


def recipient(address: str | None) -> str:
    """The one address a message goes to, or ValueError: a stored recipient that is not exactly one valid
    address (a CR LF with a Bcc after it, a list, an empty local part) fails its message, never mails elsewhere."""
    address = address or ""
    try:
        checked = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not one valid recipient address: {address!r} ({exc})") from exc
    if checked.lower() != address.lower():
        raise ValueError(f"not one valid recipient address: {address!r}")
    return checked


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The message as it goes out. Every header value goes through header_value: a subject built from a story
    title holding CR, LF, U+2028 (the email package splits headers wherever str.splitlines does) or an encoded
    word must neither fail to build nor start a header of its own."""
    email = EmailMessage()
    email["From"] = header_value(sender)
    email["To"] = recipient(message.to_addr)
    email["Subject"] = header_value(message.subject)
    email["Message-ID"] = header_value(message.message_id)
    email["Date"] = format_datetime(message.created_at or utcnow())
    email["Auto-Submitted"] = "auto-generated"
    for name, value in (message.headers or {}).items():
        if not _HEADER_NAME.fullmatch(name or ""):
            raise ValueError(f"not a header name: {name!r}")
        email[name] = header_value(value)
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    # Headers are written with lines up to RFC 5322's limit (998), not folded at 78: Python 3.11's folding of a
    # header with non-ASCII words splits them into encoded words of their own at the fold, and readers then join
    # words that had a space between them ("Stori arall 👩‍⚕️ i’w" came out "Stori arall  👩‍⚕️i’w"). The body's
    # encoding was chosen above under the usual 78.
    email.policy = SENDING_POLICY
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
