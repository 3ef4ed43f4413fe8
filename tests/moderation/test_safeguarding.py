"""Safeguarding: the maintained phrase list, the queue's first place and banner, "safeguarding concern raised",
and the signposting to urgent help and complaints on the tell and thanks pages and in the rejection email."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import utcnow
from app.flags import SAFEGUARDING_LIST, flag_kinds, safeguarding_spans, text_flag_kinds
from app.stories.models import PUBLISHED
from tests.conftest import PASSWORD, login, text_of

RISK = ("My dad had a fall on the ward and was left on the floor for two hours before anyone came. "
        "Nobody checked him for a head injury.")


@pytest.fixture
def mod_client(client, moderator):
    login(client, "mod@example.org", PASSWORD)
    return client


# ---------------------------------------------------------------- the list

def test_the_list_says_where_it_comes_from_and_how_to_maintain_it():
    header = SAFEGUARDING_LIST.read_text(encoding="utf-8").split("\n\n")[0]
    assert "Where it comes from" in header and "How to maintain it" in header
    assert "Care Act 2014" in header


@pytest.mark.parametrize("text", [
    "I wanted to kill myself after the appointment.",
    "She has been having suicidal thoughts for weeks.",
    "He told me about his self-harm and the nurse ignored it.",
    "The carer hit me when I asked for water.",
    "Mum was left in soiled sheets all night.",
    "He had a fall and nobody came.",
    "The man in the next bed threatened to stab the nurse.",
    "She came home with bruises on her arms.",
    "KILL   MYSELF",
    "kill\nmyself",
])
def test_phrases_that_may_mean_a_risk_of_harm_are_flagged(text):
    assert "safeguarding" in text_flag_kinds(text), text


@pytest.mark.parametrize("text", [
    "The falls clinic was excellent and very well organised.",
    "Parking cost a bomb but the staff were lovely.",
    "I had white meat and vegetables for lunch.",
    "They gave me painkillers and I felt better.",
    "The substance abuse services team were kind.",
    "There was a threat of rain so we waited inside.",
    "The shitake mushrooms in the soup were good.",
])
def test_everyday_text_is_not_flagged(text):
    assert "safeguarding" not in text_flag_kinds(text), (text, safeguarding_spans(text))


def test_a_story_with_a_safeguarding_phrase_carries_the_flag():
    assert "safeguarding" in flag_kinds("Dad was left on the floor", RISK, [])


# ---------------------------------------------------------------- the queue

def test_a_safeguarding_story_heads_the_queue_with_a_banner(mod_client, session, tree, make_story):
    old = make_story(tree["ward"], title="An older ordinary story")
    old.queued_at = utcnow() - timedelta(days=5)
    risky = make_story(tree["ward"], title="Dad was left on the floor", body=RISK,
                       flags=flag_kinds("Dad was left on the floor", RISK, []))
    session.commit()
    page = mod_client.get("/moderation/").get_data(as_text=True)
    assert "Safeguarding: read these first" in page
    assert page.index("Dad was left on the floor") < page.index("An older ordinary story")
    banner = page[page.index('class="safeguarding-banner"'):page.index("</section>", page.index("safeguarding-banner"))]
    assert "Dad was left on the floor" in banner and "An older ordinary story" not in banner
    assert page.count("Dad was left on the floor") == 1  # not again in the list below
    story_page = mod_client.get(f"/moderation/stories/{risky.id}").get_data(as_text=True)
    assert "Safeguarding: this may speak of a risk of harm" in story_page
    assert re.search(r'<mark class="flag flag-safeguarding"[^>]*>had a fall', story_page)
    flagged = mod_client.get("/moderation/?flag=safeguarding").get_data(as_text=True)
    assert "Dad was left on the floor" in flagged and "An older ordinary story" not in flagged


def test_a_reply_with_a_safeguarding_phrase_waits_and_heads_the_waiting_replies(
        app, mod_client, session, tree, make_story, make_user):
    from app.extensions import utcnow as now
    from app.replies.models import Reply

    staff = make_user(email="staff@example.org", provider=tree["ward"])
    story = make_story(tree["ward"], status=PUBLISHED)
    for i in range(5):
        session.add(Reply(story_id=story.id, author_id=staff.id, kind="staff", body=f"Earlier {i}", status="visible",
                          published_at=now(), flags=[]))
    session.add(Reply(story_id=story.id, author_id=story.author_id, kind="author", body="An ordinary answer.",
                      status="pending", created_at=now() - timedelta(hours=3), flags=[]))
    session.commit()
    other = app.test_client()
    login(other, "staff@example.org", PASSWORD)
    response = other.post(f"/stories/{story.id}/replies",
                          data={"body": "We know the porter pushed him and we are investigating."})
    assert response.status_code == 302
    reply = session.scalar(select(Reply).where(Reply.body.like("%porter%")))
    assert reply.status == "pending" and "safeguarding" in reply.flags
    queue = mod_client.get("/moderation/").get_data(as_text=True)
    section = queue[queue.index('id="conversation"'):]
    assert section.index("porter") < section.index("An ordinary answer.")


# ---------------------------------------------------------------- safeguarding concern raised

def test_raising_a_concern_is_audited_and_emailed_to_the_safeguarding_lead(app, mod_client, session, tree, make_story,
                                                                          smtp_server, deliver):
    app.config["SAFEGUARDING_EMAIL"] = "safeguarding@trust.example"
    story = make_story(tree["ward"], title="Dad was left on the floor", body=RISK)
    refused = mod_client.post(f"/moderation/stories/{story.id}/safeguarding",
                              data={"safeguarding-note": "", "safeguarding-csrf_token": mod_client.csrf_token()},
                              csrf=False)
    assert refused.status_code == 400 and "Give a reason" in refused.get_data(as_text=True)
    response = mod_client.post(f"/moderation/stories/{story.id}/safeguarding", data={
        "safeguarding-note": "Possible neglect; ward manager phoned.",
        "safeguarding-csrf_token": mod_client.csrf_token()}, csrf=False)
    assert response.status_code == 302
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "safeguarding.raised"))
    assert event.story_id == story.id and event.reason == "Possible neglect; ward manager phoned."
    assert event.actor.email == "mod@example.org"
    deliver()
    mail = smtp_server.last_to("safeguarding@trust.example")
    assert f"story {story.id}" in mail["Subject"]
    body = text_of(mail)
    assert "Possible neglect; ward manager phoned." in body and "left on the floor" in body
    assert f"/moderation/stories/{story.id}" in body
    history = mod_client.get(f"/moderation/stories/{story.id}/history").get_data(as_text=True)
    assert "safeguarding.raised" in history


def test_without_a_safeguarding_address_the_concern_is_recorded_only(app, mod_client, session, tree, make_story,
                                                                     smtp_server, deliver):
    assert app.config["SAFEGUARDING_EMAIL"] is None
    story = make_story(tree["ward"], body=RISK)
    assert mod_client.post(f"/moderation/stories/{story.id}/safeguarding", data={
        "safeguarding-note": "Recorded for the file.", "safeguarding-csrf_token": mod_client.csrf_token()},
        csrf=False).status_code == 302
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "safeguarding.raised")) is not None
    deliver()
    assert [m for m in smtp_server.messages if "Safeguarding" in str(m["Subject"])] == []


# ---------------------------------------------------------------- signposting

def _signposted(text: str, provider_name: str | None = None) -> None:
    assert "999" in text and "NHS 111" in text
    assert "not a complaints route" in text
    assert "Patient Advice and Liaison Service (PALS) or complaints team" in text
    if provider_name:
        assert provider_name in text


def test_the_tell_page_signposts_urgent_help_and_complaints(client):
    _signposted(client.get("/tell").get_data(as_text=True))


def test_the_thanks_page_signposts_with_the_services_name(client, tree):
    page = client.get("/tell")
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/tell", data={
        "provider_code": "W1", "title": "Kind nurses on the ward", "body": "The nurses were kind and explained "
        "everything to me clearly. The ward was clean and the food was warm.", "month": "1", "year": "2025",
        "author_role": "patient", "public_name": "Anonymous", "email": "teller@example.org", "consent": "y",
        "submission_key": key, "action": "tell"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    _signposted(thanks.replace("&#39;", "'"), "Ward One")


def test_the_rejection_email_signposts(mod_client, session, tree, make_story, make_user, smtp_server, deliver):
    author = make_user(email="rejected@example.org")
    story = make_story(tree["ward"], author=author)
    page = mod_client.get(f"/moderation/stories/{story.id}").get_data(as_text=True)
    version = re.search(r'id="reject-version"[^>]*value="(\d+)"', page).group(1)
    assert mod_client.post(f"/moderation/stories/{story.id}/reject", data={
        "reject-version": version, "reject-reason_code": "not_a_service", "reject-note": "",
        "reject-csrf_token": mod_client.csrf_token()}, csrf=False).status_code == 302
    deliver()
    _signposted(text_of(smtp_server.last_to("rejected@example.org")), "Ward One")


def test_signposting_text_comes_from_the_settings(app, client):
    app.config["SIGNPOSTING_URGENT"] = "In Wales call 999, or NHS 111 Wales."
    app.config["SIGNPOSTING_COMPLAINTS"] = "Complaints about {provider} go to Putting Things Right."
    page = client.get("/tell").get_data(as_text=True)
    assert "In Wales call 999, or NHS 111 Wales." in page
    assert "Complaints about the service go to Putting Things Right." in page
