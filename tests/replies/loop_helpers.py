"""Helpers shared by the tests of changes that are checked and honest outcomes (replies, moderation, pages)."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import utcnow
from app.replies.models import Change
from app.stories.timeline import StoryEvent
from tests.conftest import PASSWORD, login

CHANGE_TEXT = "We will send appointment letters in plain English from the spring."


def signed_in(app, email: str | None):
    """A fresh browser, signed in as email (None: an anonymous visitor)."""
    client = app.test_client()
    if email:
        login(client, email, PASSWORD)
    return client


def in_days(n: int) -> str:
    return (utcnow().date() + timedelta(days=n)).isoformat()


def plan(client, story_id: int, due_on: str | None = None, owner: str = "Outpatients manager",
         description: str = CHANGE_TEXT):
    return client.post(f"/stories/{story_id}/changes", data={
        "kind": "planned", "description": description, "due_on": in_days(30) if due_on is None else due_on,
        "owner": owner})


def change_id_from(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"#changes-(\d+)$", response.headers["Location"]).group(1))


def mark_made(client, story_id: int, change_id: int, made_on: str | None = None, evidence: str = "",
              evidence_url: str = ""):
    prefix = f"made-{change_id}"
    return client.post(f"/stories/{story_id}/changes/{change_id}/made", data={
        f"{prefix}-made_on": made_on or utcnow().date().isoformat(), f"{prefix}-evidence": evidence,
        f"{prefix}-evidence_url": evidence_url})


def make_it(client, story_id: int, made_on: str | None = None, **fields):
    data = {"kind": "made", "description": "We rewrote the appointment letters in plain English.",
            "made_on": made_on or utcnow().date().isoformat(), **fields}
    return client.post(f"/stories/{story_id}/changes", data=data)


def events(session, story_id: int) -> list[tuple[str, int | None]]:
    """The story's timeline as (kind, provider id), oldest first."""
    session.expire_all()
    rows = session.scalars(select(StoryEvent).where(StoryEvent.story_id == story_id)
                           .order_by(StoryEvent.at, StoryEvent.id))
    return [(e.kind, e.provider_id) for e in rows]


def kinds(session, story_id: int) -> list[str]:
    return [k for k, _ in events(session, story_id)]


def change(session, change_id: int) -> Change:
    session.expire_all()
    return session.get(Change, change_id)


def errors_of(response) -> str:
    return " ".join(re.findall(r'class="error-message"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S))


def today() -> date:
    return utcnow().date()
