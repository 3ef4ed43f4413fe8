"""A small published record with every kind of content, things that must never leak, and the black-box
open-data tests' helpers for reading the dataset, the API and the feeds (test_bb_opendata_*.py)."""
from __future__ import annotations

import csv
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app import jobs
from app.extensions import utcnow
from app.moderation import conversation
from app.replies import changes, verdicts
from app.replies import services as replies
from app.replies.models import Change, Reply
from app.stories import timeline
from app.stories.models import Tag
from app.stories.timeline import record_event
from tests.conftest import PASSWORD, login


@pytest.fixture
def record(session, make_provider, make_user, make_story):
    from sqlalchemy import select

    trust = make_provider(code="T1", name="Trust One", kind="trust", email="secret-contact@trust.example")
    ward = make_provider(code="W1", name="Ward One", kind="department", parent=trust)
    author = make_user(email="hidden-author@example.org")
    staff = make_user(email="hidden-staff@example.org", provider=ward, display_name="Sam Staff",
                      job_title="Ward sister")
    published = make_story(ward, author=author, status="published", title="Published story",
                           body="The published words of a story about the ward, long enough to count.")
    published.tags = [session.scalar(select(Tag).where(Tag.slug == "good-kindness"))]
    published.moderator_note = "PRIVATE MODERATOR NOTE"
    published.flags = ["email"]
    other = make_story(trust, status="published", title="Another published story")
    secrets = {
        "pending": make_story(ward, status="pending", title="UNPUBLISHED pending title"),
        "hidden": make_story(ward, status="hidden", title="UNPUBLISHED hidden title"),
        "withdrawn": make_story(ward, status="withdrawn", title="UNPUBLISHED withdrawn title"),
        "rejected": make_story(ward, status="rejected", title="UNPUBLISHED rejected title"),
    }
    now = utcnow()
    session.add_all([
        Reply(story_id=published.id, author_id=staff.id, kind="staff", provider_id=ward.id,
              responder_name="Sam Staff", responder_title="Ward sister", body="Visible reply text",
              status="visible", published_at=now),
        Reply(story_id=published.id, author_id=staff.id, kind="staff", provider_id=ward.id,
              responder_name="Sam Staff", body="UNPUBLISHED hidden reply", status="hidden", published_at=now),
        Reply(story_id=published.id, author_id=author.id, kind="author", body="UNPUBLISHED pending answer",
              status="pending"),
        Reply(story_id=secrets["hidden"].id, author_id=staff.id, kind="staff", provider_id=ward.id,
              responder_name="Sam Staff", body="UNPUBLISHED reply on a hidden story", status="visible",
              published_at=now),
    ])
    change = Change(story_id=published.id, provider_id=ward.id, kind="planned", description="Visible change planned",
                    reporter_name="Sam Staff", due_on=date(2099, 1, 31), owner="Ward manager")
    session.add(change)
    session.commit()
    # Its progress: the story's timeline (and a hidden story's, which must never show).
    record_event(session, published, timeline.PUBLISHED, at=now, step=0)
    record_event(session, published, timeline.ALERTED, at=now, provider=ward, count=2)
    record_event(session, published, timeline.CHANGE_PLANNED, at=now, provider=ward,
                 detail={"change_id": change.id, "due_on": "2099-01-31"})
    record_event(session, secrets["hidden"], timeline.PUBLISHED, at=now, step=0)
    record_event(session, secrets["hidden"], timeline.REMINDED, at=now, step=1, provider=ward, count=1)
    session.commit()
    return {"published": published, "other": other, "secrets": secrets, "ward": ward, "trust": trust,
            "change": change}


FORBIDDEN = ["hidden-author@example.org", "hidden-staff@example.org", "secret-contact@trust.example",
             "UNPUBLISHED", "PRIVATE MODERATOR NOTE", "argon2", "@example.org"]


# ---------------------------------------------------------------- shared by test_bb_opendata_*.py

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$")
CC_BY_URL = "creativecommons.org/licenses/by/4.0"


def export(app, directory: Path) -> Path:
    result = app.test_cli_runner().invoke(args=["dataset", "export", str(directory)])
    assert result.exit_code == 0, result.output
    return directory


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_ndjson(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def relative(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def api_pages(client, url: str) -> list[dict]:
    """Every page of a paginated API list, following links.next."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        pages.append(body)
        nxt = body["links"]["next"]
        url = relative(nxt) if nxt else None
        assert len(pages) < 500, "pagination does not end"
    return pages


def api_all(client, url: str) -> list[dict]:
    return [item for page in api_pages(client, url) for item in page["data"]]


def main_of(html: str) -> str:
    """The page's <main> element only (the footer names the licence on every page)."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match, "page has no <main>"
    return match.group(0)


def assert_problem(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json", response.headers.get("Content-Type")
    body = json.loads(response.get_data(as_text=True))
    assert body["status"] == status
    assert body.get("title")
    assert "type" in body
    return body


def assert_clean(text: str, where: str):
    for secret in FORBIDDEN:
        assert secret not in text, f"{secret!r} leaked in {where}"


def iso_utc(value: str) -> datetime:
    assert ISO_UTC.match(value), f"not ISO 8601 UTC: {value!r}"
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.utcoffset() == timedelta(0)
    return parsed


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def withdraw_as_author(app, story_id: int, email: str):
    author = app.test_client()
    login(author, email, PASSWORD)
    response = author.post(f"/my/stories/{story_id}/withdraw")
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:1000]
    return response


def add_reply(session, story, provider, author, body, status="visible", kind="staff"):
    from app.extensions import utcnow
    from app.replies.models import Reply

    reply = Reply(story_id=story.id, author_id=author.id, kind=kind,
                  provider_id=provider.id if kind == "staff" else None,
                  responder_name="Rhys Responder" if kind == "staff" else None,
                  responder_title="Ward manager" if kind == "staff" else None,
                  body=body, status=status, published_at=utcnow() if status == "visible" else None)
    session.add(reply)
    session.commit()
    return reply


def named_story(session, make_story, provider, public_name, **kwargs):
    story = make_story(provider, status="published", **kwargs)
    story.public_name = public_name
    session.commit()
    return story


def published_many(make_story, provider, n, **fields):
    return [make_story(provider, status="published", title=f"Bulk story {i:03d}", **fields) for i in range(n)]


def form_data(page: str, action: str) -> dict:
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page, re.S)
    assert form, f"no form posting to {action}"
    html = form.group(0)
    data = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name and (not kind or kind.group(1) not in ("radio", "checkbox")):
            data[name.group(1)] = value.group(1) if value else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = text.strip()
    return data


# ---------------------------------------------------------------- a story through the whole loop (story events)

DISPUTE = "The letters are just as confusing as before."


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)  # March 2026: no bank holiday in England


def run_reminders(session) -> None:
    job = next(j for j in jobs.registered() if j.name == "reminders")
    job.func(session)
    session.commit()


@pytest.fixture
def loop(app, session, clock, tree, make_user, make_story):
    """A story taken through the loop by the services and the reminders job themselves, on the test clock:
    published on Monday 2 March 2026, reminded, escalated, answered, with a change planned that falls overdue, a
    change made that its author disputes (waiting for a moderator), and a planned change a moderator hid."""
    app.config["RESPONDER_MODERATED_REPLIES"] = 0  # trusted responders: the loop itself
    clock.set(at(2))
    author = make_user(email="author@example.org", display_name="Ann Author")
    staff = make_user(email="ward@nhs.example", provider=tree["ward"], display_name="Sam Staff")
    make_user(email="manager@nhs.example", provider=tree["hospital"], role="manager", display_name="Hal Manager")
    moderator = make_user(email="mod@example.org", moderator=True, display_name="Mo Derator")
    story = make_story(tree["ward"], author=author, status="published", title="Letters were confusing")
    record_event(session, story, timeline.PUBLISHED, step=0, at=story.published_at)
    record_event(session, story, timeline.ALERTED, provider=tree["ward"], count=1)
    session.commit()

    clock.set(at(9))  # 5 working days: the ward's staff are reminded
    run_reminders(session)
    clock.set(at(16))  # 10: the managers of the hospital above are told
    run_reminders(session)
    clock.set(at(16, 10))
    replies.add_reply(session, staff, story, "Thank you for telling us; we are looking at our letters.")
    planned = changes.add_change(session, staff, story, "planned", "Letters rewritten in plain English.",
                                 due_on=date(2026, 3, 24), owner="Outpatients manager")
    hidden = changes.add_change(session, staff, story, "planned", "HIDDEN CHANGE naming a nurse by name.",
                                due_on=date(2026, 3, 27), owner="Ward sister")
    made = changes.add_change(session, staff, story, "made", "A phone number on every letter.", date(2026, 3, 16),
                              evidence="The new letter template is on our website.",
                              evidence_url="https://example.org/letters")
    session.commit()
    clock.set(at(16, 11))
    conversation.hide(session, moderator, hidden, "It names a member of staff.")
    session.commit()
    clock.set(at(17))
    run_reminders(session)  # the planned change (planned eight days ahead) is due in a week: reminded
    clock.set(at(24))
    run_reminders(session)  # due today
    clock.set(at(25))
    run_reminders(session)  # overdue
    clock.set(at(26))
    verdicts.record_verdict(session, author, made, "disputed", DISPUTE)
    session.commit()
    return {"story": story, "planned": planned, "hidden": hidden, "made": made, "author": author,
            "moderator": moderator, "staff": staff}
