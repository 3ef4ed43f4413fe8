"""People, a published story and helpers shared by the replies' black-box tests (test_bb_replies_*.py)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.conftest import PASSWORD, login

CHANGE_TEXT = "We have rewritten our appointment letters so they are clearer."


@pytest.fixture
def people(make_user, tree):
    return {
        "author": make_user(email="author@example.org", display_name="Ann Author"),
        "ward": make_user(email="ward@example.org", provider=tree["ward"], job_title="Ward sister",
                          display_name="Sam Staff"),
        "colleague": make_user(email="colleague@example.org", provider=tree["ward"], job_title="Staff nurse",
                               display_name="Col League"),
        "trust": make_user(email="trust@example.org", provider=tree["trust"], job_title="Chief nurse",
                           display_name="Tia Trust"),
        "other": make_user(email="other@example.org", provider=tree["other"], job_title="Practice manager",
                           display_name="Otto Other"),
        "plain": make_user(email="plain@example.org", display_name="Pat Plain"),
        "mod": make_user(email="mod@example.org", moderator=True, display_name="Mo Derator"),
    }


@pytest.fixture
def story(make_story, tree, people):
    return make_story(tree["ward"], author=people["author"], status="published", title="Letters were confusing")


@pytest.fixture
def as_user(app):
    """A fresh logged-in client for an email address (None: anonymous)."""

    def make(email: str | None):
        c = app.test_client()
        if email:
            login(c, email, PASSWORD)
        return c

    return make


def page_of(client, story_id: int) -> str:
    response = client.get(f"/stories/{story_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def conversation(page: str) -> str:
    start = page.index('id="conversation-title"')
    return page[start:page.index("</section>", start)]


def status_badge(page: str) -> str:
    return re.search(r'id="conversation-title"[^>]*>.*?<span class="badge[^"]*">([^<]+)</span>', page, re.S) \
        .group(1).strip()


def post_reply(client, story_id: int, body: str = "Thank you for telling us. We are looking into this."):
    return client.post(f"/stories/{story_id}/replies", data={"body": body})


def post_change(client, story_id: int, kind: str = "planned", description: str = CHANGE_TEXT,
                made_on: str | None = None):
    data = {"kind": kind, "description": description}
    if kind == "planned":  # a change planned names its due date and who owns it
        data.update(due_on=(date.today() + timedelta(days=60)).isoformat(), owner="Outpatients team")
    if made_on is not None:
        data["made_on"] = made_on
    return client.post(f"/stories/{story_id}/changes", data=data)


def reply_id_from(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"#replies-(\d+)$", response.headers["Location"]).group(1))
