"""The story page shows the story's progress: its timeline in order, in plain words (published, the provider
alerted and how many people were told, first read by staff, replied, change planned and made, the author's
confirmation, reminders and escalations), and readers can say "this happened to me too", once per browser."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import utcnow
from app.stories.models import Story
from app.stories.timeline import ESCALATED, REMINDED, StoryEvent, record_event
from tests.conftest import link_in
from tests.moderation.test_moderation import _publish
from tests.replies.loop_helpers import change_id_from, kinds, mark_made, plan, signed_in


@pytest.fixture
def app_overrides() -> dict:
    return {"RESPONDER_MODERATED_REPLIES": 0}


@pytest.fixture
def people(make_user, tree):
    return {
        "author": make_user(email="author@example.org"),
        "ward": make_user(email="ward@example.org", provider=tree["ward"], display_name="Sam Staff"),
        "colleague": make_user(email="colleague@example.org", provider=tree["ward"]),
        "trust": make_user(email="trust@example.org", provider=tree["trust"], role="manager"),
        "gp": make_user(email="gp@example.org", provider=tree["other"]),
        "mod": make_user(email="mod@example.org", moderator=True),
    }


@pytest.fixture
def story(make_story, tree, people):
    return make_story(tree["ward"], author=people["author"], status="published", title="Letters were confusing")


def steps(page: str) -> list[str]:
    section = page[page.index('id="timeline-title"'):]
    section = section[:section.index("</ol>")]
    return [re.sub(r"<[^>]+>", "", item).strip()
            for item in re.findall(r'<li class="timeline-[a-z_]+">(.*?)</li>', section, re.S)]


# ---------------------------------------------------------------- the timeline

def test_the_timeline_shows_each_step_in_order_in_plain_words(app, make_story, tree, people, session,
                                                              smtp_server, deliver):
    pending = make_story(tree["ward"], author=people["author"], title="Letters were confusing")
    mod = signed_in(app, "mod@example.org")
    assert _publish(mod, pending.id).status_code == 302
    assert kinds(session, pending.id) == ["published", "alerted"]
    alerted = session.scalar(select(StoryEvent).where(StoryEvent.kind == "alerted"))
    assert (alerted.count, alerted.provider_id) == (3, tree["ward"].id)  # ward, colleague and trust were told
    # Neither a moderator, the author, another provider's staff nor a visitor counts as staff reading it.
    for email in ("mod@example.org", "author@example.org", "gp@example.org", None):
        signed_in(app, email).get(f"/stories/{pending.id}")
    assert session.get(Story, pending.id).first_read_at is None
    staff = signed_in(app, "ward@example.org")
    first = staff.get(f"/stories/{pending.id}").get_data(as_text=True)
    assert "Read by staff of Ward One" in steps(first)[-1]
    signed_in(app, "trust@example.org").get(f"/stories/{pending.id}")  # a second reader: not a new step
    assert kinds(session, pending.id).count("first_read") == 1
    assert staff.post(f"/stories/{pending.id}/replies", data={"body": "Thank you; we are on it."}).status_code == 302
    assert staff.post(f"/stories/{pending.id}/replies", data={"body": "A second reply, later."}).status_code == 302
    # Reminders and escalations (written by the reminders job) appear as they are in story_events.
    story = session.get(Story, pending.id)
    record_event(session, story, REMINDED, step=1, provider=tree["ward"], count=2)
    record_event(session, story, ESCALATED, step=2, provider=tree["trust"], count=1)
    session.commit()
    change_id = change_id_from(plan(staff, pending.id))
    assert mark_made(staff, pending.id, change_id, evidence="New letters since March.").status_code == 302
    deliver()
    link = link_in(smtp_server.last_to("author@example.org"), "/check/")
    assert app.test_client().post(link, data={"verdict": "confirmed"}).status_code == 302
    page = app.test_client().get(f"/stories/{pending.id}").get_data(as_text=True)
    words = steps(page)
    due = (utcnow().date() + timedelta(days=30)).strftime("%d %B %Y")
    expected = ["Published", "Ward One alerted: 3 people told", "Read by staff of Ward One", "Ward One replied",
                "Staff of Ward One reminded (2 people)", "Escalated to Trust One: 1 person told",
                f"Change planned, due {due}", "Ward One made a change",
                "The author confirmed the change matches what they see"]
    assert [w.split(": ", 1)[1] for w in words] == expected, words
    day = story.published_at.strftime("%d %B %Y")
    assert words[0].startswith(day)  # dates as on the rest of the page
    assert '<ol class="timeline-steps">' in page
    assert "author@example.org" not in page and "ward@example.org" not in page


def test_a_story_with_nobody_to_alert_says_so_and_an_invited_contact_is_shown(app, make_story, make_provider,
                                                                              people, session):
    lonely = make_provider(code="L1", name="Lonely Practice", kind="gp_practice", email="desk@lonely.example")
    nobody = make_provider(code="N1", name="Quiet Clinic", kind="gp_practice")
    mod = signed_in(app, "mod@example.org")
    for provider in (lonely, nobody):
        pending = make_story(provider, author=people["author"], title=f"About {provider.name}")
        assert _publish(mod, pending.id).status_code == 302
        page = app.test_client().get(f"/stories/{pending.id}").get_data(as_text=True)
        if provider is lonely:
            assert "Lonely Practice told at its contact address and invited to register and reply" in page
        else:
            assert "Quiet Clinic alerted: nobody could be told" in page


# ---------------------------------------------------------------- this happened to me too

def test_me_too_counts_once_per_browser_with_an_atomic_update(app, story, session):
    page = app.test_client().get(f"/stories/{story.id}").get_data(as_text=True)
    assert "<strong>0</strong> people said this happened to them too." in page
    assert 'csrf_token' not in page.split('id="me-too"')[1][:600]  # the story page stays the same for everyone
    browser = app.test_client()
    ask = browser.get(f"/stories/{story.id}/me-too")
    assert ask.status_code == 200 and "This happened to me too" in ask.get_data(as_text=True)
    response = browser.post(f"/stories/{story.id}/me-too")
    assert response.status_code == 302
    cookie = browser.get_cookie("storyloop_me_too", path="/stories/")
    assert cookie is not None and cookie.http_only
    assert browser.post(f"/stories/{story.id}/me-too").status_code == 302  # again: not counted
    shown = browser.get(f"/stories/{story.id}/me-too").get_data(as_text=True)
    assert "You have already said this happened to you too" in shown
    session.expire_all()
    assert session.get(Story, story.id).me_too_count == 1
    # Another browser counts; a forged cookie counts nothing extra for the forger's list but is not trusted.
    other = app.test_client()
    other.set_cookie("storyloop_me_too", "forged.value", path="/stories/")
    assert other.post(f"/stories/{story.id}/me-too").status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).me_too_count == 2
    page = app.test_client().get(f"/stories/{story.id}").get_data(as_text=True)
    assert "<strong>2</strong> people said this happened to them too." in page


def test_me_too_is_refused_without_a_csrf_token_and_on_a_story_not_published(app, story, make_story, tree, session):
    browser = app.test_client()
    assert browser.post(f"/stories/{story.id}/me-too", csrf=False).status_code == 400
    assert browser.post(f"/stories/{story.id}/me-too", data={"csrf_token": "forged"}, csrf=False).status_code == 400
    pending = make_story(tree["ward"], title="Still waiting")
    assert browser.get(f"/stories/{pending.id}/me-too").status_code == 404
    assert browser.post(f"/stories/{pending.id}/me-too").status_code == 404
    session.expire_all()
    assert session.get(Story, story.id).me_too_count == 0 and session.get(Story, pending.id).me_too_count == 0


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_POSTING": "3 per minute"}])
def test_me_too_is_rate_limited(app, make_story, tree, session):
    stories = [make_story(tree["ward"], status="published", title=f"Story {n}") for n in range(4)]
    browser = app.test_client()
    token = browser.csrf_token()
    codes = [browser.post(f"/stories/{s.id}/me-too", data={"csrf_token": token}, csrf=False).status_code
             for s in stories]
    assert codes[:3] == [302, 302, 302] and codes[3] == 429
    session.expire_all()
    assert [session.get(Story, s.id).me_too_count for s in stories] == [1, 1, 1, 0]


def test_a_change_a_moderator_hid_takes_its_steps_off_the_timeline(app, session, story, people, tree):
    """The story page shows the timeline the open data publishes: a hidden change's "planned, due …" goes too."""
    from datetime import date

    from app.moderation import conversation
    from app.replies.changes import add_change

    kept = add_change(session, people["ward"], story, "planned", "Letters rewritten in plain English.",
                      due_on=date.today() + timedelta(days=30), owner="Outpatients manager")
    hidden = add_change(session, people["ward"], story, "planned", "A change naming a nurse.",
                        due_on=date.today() + timedelta(days=60), owner="Ward sister")
    session.commit()
    conversation.hide(session, people["mod"], hidden, "It names a member of staff.")
    session.commit()
    shown = steps(app.test_client().get(f"/stories/{story.id}").get_data(as_text=True))
    assert [s.split(": ", 1)[1] for s in shown if "Change planned" in s] == [
        f"Change planned, due {kept.due_on.strftime('%d %B %Y')}"]
    assert sorted(kinds(session, story.id)).count("change_planned") == 2  # still in the database
