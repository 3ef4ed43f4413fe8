"""Queueing email: render a message from templates and add it to the outbox in the caller's transaction."""
from __future__ import annotations

import uuid
from contextlib import nullcontext
from email.utils import parseaddr

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.mail.models import OutboxMessage
from app.text import single_line


def new_message_id() -> str:
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "storyloop.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def queue_email(
    session: Session,
    to: str,
    template: str,
    subject: object,
    *,
    kind: str = "",
    locale: str | None = None,
    headers: dict[str, str] | None = None,
    **context: object,
) -> OutboxMessage:
    """Render templates/mail/<template>.txt and .html and add the message to the outbox.

    The message is written in `locale` ("cy", "en"): an author's mail in the language of their story, whoever
    acts; without it, in the language of the request that queues it (the visitor asking for their own link), or
    English outside a request. `subject` may be a lazy_gettext string, translated here in that language.
    Nothing is sent here: the row commits (or rolls back) with the caller's transaction.
    """
    with force_locale(locale) if locale else nullcontext():
        subject = single_line(str(subject))  # often built from a story's title: one line, whatever was typed
        context.setdefault("site_url", current_app.config["SITE_URL"])
        context.setdefault("site_name", current_app.config["SITE_NAME"])
        context["subject"] = subject
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    message = OutboxMessage(
        message_id=new_message_id(),
        to_addr=to,
        subject=subject,
        body_text=text,
        body_html=html,
        headers=headers or {},
        kind=kind or template,
    )
    session.add(message)
    return message


def forget_address(session: Session, address: str) -> None:
    """An erased account: nothing waiting in the outbox may still carry its address."""
    session.execute(delete(OutboxMessage).where(OutboxMessage.to_addr == address))
