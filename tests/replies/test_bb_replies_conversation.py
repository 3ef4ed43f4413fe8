"""Black-box tests of the provider-response loop's conversation: moderators hiding replies, its order and
anchors, and the staff dashboard.

Written from the spec only; the site is observed through the test client.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.replies.conftest import (
    CHANGE_TEXT,
    conversation,
    page_of,
    post_change,
    post_reply,
    reply_id_from,
    status_badge,
)

# Every responder here is trusted (no first replies held for a moderator), so these tests follow the loop
# itself; pre-moderation of new responders and flagged replies is tested in test_checked_replies.py.
pytestmark = pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)


# ---------------------------------------------------------------- moderators hide replies

def test_moderator_hides_the_only_reply_with_a_reason(as_user, story, people, session):
    reply_id = reply_id_from(post_reply(as_user("ward@example.org"), story.id, "A reply that names a patient."))
    anon = as_user(None)
    assert status_badge(page_of(anon, story.id)) == "Responded"
    mod = as_user("mod@example.org")
    assert mod.post(f"/moderation/replies/{reply_id}/hide", data={"reason": "Names a patient"}).status_code == 302
    page = page_of(anon, story.id)
    assert "A reply that names a patient." not in page
    assert status_badge(page) == "Awaiting response"
    history = mod.get(f"/moderation/stories/{story.id}/history").get_data(as_text=True)
    assert "reply.hidden" in history and "Names a patient" in history


def test_hiding_one_of_two_replies_keeps_the_story_responded(as_user, story, people):
    staff = as_user("ward@example.org")
    first = reply_id_from(post_reply(staff, story.id, "The first reply stays."))
    second = reply_id_from(post_reply(staff, story.id, "The second reply goes."))
    assert first != second
    mod = as_user("mod@example.org")
    assert mod.post(f"/moderation/replies/{second}/hide", data={"reason": "Off topic"}).status_code == 302
    page = page_of(as_user(None), story.id)
    assert "The first reply stays." in page and "The second reply goes." not in page
    assert status_badge(page) == "Responded"


def test_hiding_a_reply_without_a_reason_is_refused(as_user, story, people):
    reply_id = reply_id_from(post_reply(as_user("ward@example.org"), story.id, "A reply that stays put."))
    mod = as_user("mod@example.org")
    for reason in ("", "   "):
        response = mod.post(f"/moderation/replies/{reply_id}/hide", data={"reason": reason})
        assert response.status_code in (302, 400)
    page = page_of(as_user(None), story.id)
    assert "A reply that stays put." in page and status_badge(page) == "Responded"
    assert "reply.hidden" not in mod.get(f"/moderation/stories/{story.id}/history").get_data(as_text=True)


def test_a_non_moderator_cannot_hide_a_reply(as_user, story, people):
    reply_id = reply_id_from(post_reply(as_user("ward@example.org"), story.id, "A reply nobody else can hide."))
    for email in ("ward@example.org", "trust@example.org", "author@example.org", "plain@example.org"):
        client = as_user(email)
        assert "/hide" not in page_of(client, story.id), email
        assert client.post(f"/moderation/replies/{reply_id}/hide", data={"reason": "I dislike it"}) \
            .status_code == 403, email
    assert "A reply nobody else can hide." in page_of(as_user(None), story.id)


# ---------------------------------------------------------------- the conversation

def test_conversation_is_in_time_order(as_user, story, people):
    staff = as_user("ward@example.org")
    post_reply(staff, story.id, "Alpha: our first reply.")
    post_change(staff, story.id, "planned", "Bravo: we plan to rewrite the letters.")
    post_reply(as_user("trust@example.org"), story.id, "Charlie: a later reply from the trust.")
    talk = conversation(page_of(as_user(None), story.id))
    assert talk.index("Alpha") < talk.index("Bravo") < talk.index("Charlie")
    assert status_badge(page_of(as_user(None), story.id)) in ("Change planned",)


def test_every_conversation_item_has_its_own_anchor(as_user, story, people):
    staff = as_user("ward@example.org")
    reply_location = post_reply(staff, story.id, "A reply first.").headers["Location"]
    change_location = post_change(staff, story.id).headers["Location"]
    assert reply_location != change_location
    ids = re.findall(r'id="((?:replies|changes)-[^"]+)"', conversation(page_of(as_user(None), story.id)))
    assert len(ids) == 2 and len(set(ids)) == 2
    anchor = change_location.split("#", 1)[1]
    talk = conversation(page_of(as_user(None), story.id))
    item = talk[talk.index(f'id="{anchor}"'):]
    assert CHANGE_TEXT in item[:item.index("</article>")]


# ---------------------------------------------------------------- the dashboard

def test_dashboard_needs_login(as_user):
    response = as_user(None).get("/dashboard")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def _awaiting_section(page: str) -> str:
    start = page.index("Stories awaiting a reply")
    return page[start:page.index("Recent replies by colleagues", start)]


def test_dashboard_lists_awaiting_stories_most_critical_then_oldest(as_user, make_story, tree, people, session):
    from app.extensions import utcnow

    now = utcnow()

    def published(title, provider, criticality, days_ago, status="published"):
        s = make_story(provider, status=status, title=title, criticality=criticality)
        if s.published_at is not None:
            s.published_at = now - timedelta(days=days_ago)
        session.commit()
        return s

    published("Three but recent", tree["ward"], 3, 1)
    published("Three and old", tree["ward"], 3, 10)
    published("Five and recent", tree["ward"], 5, 1)
    published("Zero and ancient", tree["ward"], 0, 100)
    answered = published("Already answered", tree["ward"], 5, 20)
    published("Elsewhere story", tree["other"], 5, 30)
    make_story(tree["ward"], status="pending", title="Still pending")
    assert post_reply(as_user("ward@example.org"), answered.id).status_code == 302

    section = _awaiting_section(as_user("colleague@example.org").get("/dashboard").get_data(as_text=True))
    order = ["Five and recent", "Three and old", "Three but recent", "Zero and ancient"]
    positions = [section.index(title) for title in order]
    assert positions == sorted(positions), section
    for absent in ("Already answered", "Elsewhere story", "Still pending"):
        assert absent not in section

    trust_section = _awaiting_section(as_user("trust@example.org").get("/dashboard").get_data(as_text=True))
    assert all(title in trust_section for title in order)  # the trust sees its ward's stories
    other_section = _awaiting_section(as_user("other@example.org").get("/dashboard").get_data(as_text=True))
    assert "Elsewhere story" in other_section and "Five and recent" not in other_section


def test_dashboard_shows_recent_replies_by_colleagues(as_user, story, make_story, tree, people):
    elsewhere = make_story(tree["other"], status="published", title="Practice story")
    assert post_reply(as_user("ward@example.org"), story.id, "The ward replied here.").status_code == 302
    assert post_reply(as_user("other@example.org"), elsewhere.id, "The practice replied.").status_code == 302
    page = as_user("colleague@example.org").get("/dashboard").get_data(as_text=True)
    recent = page[page.index("Recent replies by colleagues"):]
    assert "Letters were confusing" in recent and "Sam Staff" in recent
    assert "Practice story" not in recent and "Otto Other" not in recent
    assert "Letters were confusing" not in _awaiting_section(page)
