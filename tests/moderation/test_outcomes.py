"""Honest outcomes through the moderation queue: an author's dispute of a change made is checked before it shows
beside the change (or turned down), and staff's "not about us" is confirmed (the story moves and the new service
is alerted, over real SMTP) or declined with a reason."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.moderation.models import RerouteRequest
from app.stories.models import Story
from tests.conftest import link_in, text_of
from tests.replies.loop_helpers import change, change_id_from, errors_of, events, kinds, make_it, signed_in


@pytest.fixture
def app_overrides() -> dict:
    return {"RESPONDER_MODERATED_REPLIES": 0}


@pytest.fixture
def people(make_user, tree, make_provider):
    tree["ward2"] = make_provider(code="W2", name="Ward Two", kind="department", parent=tree["hospital"])
    return {
        "author": make_user(email="author@example.org"),
        "ward": make_user(email="ward@example.org", provider=tree["ward"], display_name="Sam Staff"),
        "ward2": make_user(email="ward2@example.org", provider=tree["ward2"]),
        "trust": make_user(email="trust@example.org", provider=tree["trust"]),
        "gp": make_user(email="gp@example.org", provider=tree["other"]),
    }


@pytest.fixture
def story(make_story, tree, people):
    return make_story(tree["ward"], author=people["author"], status="published", title="Wrong ward story")


def public(app, story_id: int) -> str:
    return app.test_client().get(f"/stories/{story_id}").get_data(as_text=True)


# ---------------------------------------------------------------- disputes

def dispute(app, story, session, smtp_server, deliver, note="The old letters still arrive every week.") -> int:
    staff = signed_in(app, "ward@example.org")
    change_id = change_id_from(make_it(staff, story.id))
    deliver()
    link = link_in(smtp_server.last_to("author@example.org"), "/check/")
    assert app.test_client().post(link, data={"verdict": "disputed", "note": note}).status_code == 302
    return change_id


def test_a_dispute_goes_through_the_queue_and_then_shows_beside_the_change(
        app, mod_client, moderator, story, session, smtp_server, deliver):
    change_id = dispute(app, story, session, smtp_server, deliver)
    queue = mod_client.get("/moderation/").get_data(as_text=True)
    section = queue[queue.index('id="disputes"'):queue.index('id="reroutes"')]
    assert "The old letters still arrive every week." in section and "Wrong ward story" in section
    item = mod_client.get(f"/moderation/changes/{change_id}").get_data(as_text=True)
    assert "The old letters still arrive every week." in item and "waiting for a moderator" in item
    # Not public yet, not for the author's own eyes on the public page either.
    assert "The old letters still arrive" not in public(app, story.id)
    # A stranger cannot let it through.
    assert signed_in(app, "ward@example.org").post(f"/moderation/disputes/{change_id}/publish").status_code == 403
    assert app.test_client().post(f"/moderation/disputes/{change_id}/publish").status_code in (302, 401)
    version = change(session, change_id).version
    response = mod_client.post(f"/moderation/disputes/{change_id}/publish", data={"version": version})
    assert response.status_code == 302
    assert change(session, change_id).verdict_status == "visible"
    page = public(app, story.id)
    article = page[page.index(f'id="changes-{change_id}"'):]
    article = article[:article.index("</article>")]
    assert "The author disputes this change." in article and "The old letters still arrive every week." in article
    assert kinds(session, story.id)[-2:] == ["disputed", "reopened"]
    assert session.get(Story, story.id).response_status == "responded"
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "change.verdict_published")).actor_id \
        == moderator.id
    # A second moderator acting on the same dispute is told someone already did.
    again = mod_client.post(f"/moderation/disputes/{change_id}/publish", data={"version": version})
    assert again.status_code == 409


def test_a_dispute_turned_down_never_shows_and_needs_a_reason(app, mod_client, story, session, smtp_server, deliver):
    change_id = dispute(app, story, session, smtp_server, deliver, note="Sister Jane Smith was rude to me again.")
    response = mod_client.post(f"/moderation/disputes/{change_id}/reject", data={"reason": ""})
    assert response.status_code == 400 and "Give a reason" in errors_of(response)
    response = mod_client.post(f"/moderation/disputes/{change_id}/reject", data={"reason": "Names a member of staff"})
    assert response.status_code == 302
    assert change(session, change_id).verdict_status == "rejected"
    assert "Jane Smith" not in public(app, story.id)
    assert "disputed" not in kinds(session, story.id)
    assert session.get(Story, story.id).response_status == "change_made"
    queue = mod_client.get("/moderation/").get_data(as_text=True)
    assert "Jane Smith" not in queue[queue.index('id="disputes"'):queue.index('id="reroutes"')]


# ---------------------------------------------------------------- not about us

def say_not_about_us(app, story, code="W2", note="We have no such clinic; Ward Two runs it."):
    staff = signed_in(app, "ward@example.org")
    return staff.post(f"/stories/{story.id}/not-about-us", data={"provider": code, "note": note})


def story_version(mod_client, story_id: int) -> str:
    page = mod_client.get(f"/moderation/stories/{story_id}").get_data(as_text=True)
    return re.search(r'id="reroute_confirm-version"[^>]*value="(\d+)"', page).group(1)


def test_not_about_us_is_confirmed_the_story_moves_and_the_new_service_is_alerted(
        app, mod_client, story, session, tree, smtp_server, deliver):
    response = say_not_about_us(app, story, code="nope")
    assert response.status_code == 400 and "No service has that code" in errors_of(response)
    response = say_not_about_us(app, story, code="w1")
    assert response.status_code == 400 and "the service the story is about now" in errors_of(response)
    assert say_not_about_us(app, story, code=" w2 ").status_code == 302
    request = session.scalar(select(RerouteRequest))
    assert request.to_provider_id == tree["ward2"].id and request.decided_at is None
    assert events(session, story.id)[-1] == ("not_about_us", tree["ward"].id)
    assert "(a moderator is checking)" in public(app, story.id)
    # A second request while one waits is refused; the staff see it is waiting.
    again = say_not_about_us(app, story, code="G1")
    assert again.status_code == 400 and "already waiting" in again.get_data(as_text=True)
    queue = mod_client.get("/moderation/").get_data(as_text=True)
    section = queue[queue.index('id="reroutes"'):queue.index('id="reports"')]
    assert "Wrong ward story" in section and "Ward Two (W2)" in section and "Ward Two runs it" in section
    smtp_server.clear()
    response = mod_client.post(f"/moderation/reroutes/{request.id}/confirm", data={
        "reroute_confirm-version": story_version(mod_client, story.id), "reroute_confirm-provider": "W2",
        "reroute_confirm-reason": "", "reroute_confirm-csrf_token": mod_client.csrf_token()}, csrf=False)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    session.expire_all()
    moved = session.get(Story, story.id)
    assert moved.provider_id == tree["ward2"].id
    assert session.get(RerouteRequest, request.id).outcome == "moved"
    timeline = events(session, story.id)
    assert timeline[-3:] == [("not_about_us", tree["ward"].id), ("rerouted", tree["ward2"].id),
                             ("alerted", tree["ward2"].id)]
    deliver()
    alert = smtp_server.last_to("ward2@example.org")
    assert "Wrong ward story" in alert["Subject"] and f"/stories/{story.id}" in text_of(alert)
    assert "moved it to Ward Two" in text_of(smtp_server.last_to("ward@example.org"))
    assert smtp_server.to("trust@example.org") == [] and smtp_server.to("gp@example.org") == []
    page = public(app, story.id)
    steps = re.findall(r'<li class="timeline-([a-z_]+)">', page)
    assert steps[-3:] == ["not_about_us", "rerouted", "alerted"]
    assert "Moved to Ward Two" in page and "Ward Two alerted: 1 person told" in page
    # The old ward's staff no longer act for the story; the new ward's do.
    assert signed_in(app, "ward@example.org").post(f"/stories/{story.id}/replies", data={
        "body": "We are looking into it."}).status_code == 403
    assert signed_in(app, "ward2@example.org").post(f"/stories/{story.id}/replies", data={
        "body": "We are looking into it."}).status_code == 302


def test_not_about_us_declined_with_a_reason_keeps_the_story_and_takes_the_step_off_the_timeline(
        app, mod_client, story, session, tree, smtp_server, deliver):
    assert say_not_about_us(app, story).status_code == 302
    request = session.scalar(select(RerouteRequest))
    assert "not_about_us" in kinds(session, story.id)
    response = mod_client.post(f"/moderation/reroutes/{request.id}/decline", data={
        "reroute_decline-reason": "", "reroute_decline-csrf_token": mod_client.csrf_token()}, csrf=False)
    assert response.status_code == 400 and "Give a reason" in errors_of(response)
    response = mod_client.post(f"/moderation/reroutes/{request.id}/decline", data={
        "reroute_decline-reason": "The author names Ward One's clinic.",
        "reroute_decline-csrf_token": mod_client.csrf_token()}, csrf=False)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).provider_id == tree["ward"].id
    decided = session.get(RerouteRequest, request.id)
    assert (decided.outcome, decided.decision_reason) == ("declined", "The author names Ward One's clinic.")
    assert "not_about_us" not in kinds(session, story.id)  # the reminders carry on
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.story_id == story.id)))
    assert {"story.not_about_us", "story.reroute_declined"} <= actions
    deliver()
    assert "The author names Ward One's clinic." in text_of(smtp_server.last_to("ward@example.org"))
    assert smtp_server.to("ward2@example.org") == []
    # Deciding twice is a conflict, and staff may ask again after a decision.
    twice = mod_client.post(f"/moderation/reroutes/{request.id}/decline", data={
        "reroute_decline-reason": "Again", "reroute_decline-csrf_token": mod_client.csrf_token()}, csrf=False)
    assert twice.status_code == 409
    assert say_not_about_us(app, story, code="G1").status_code == 302


def test_only_moderators_decide_not_about_us(app, story, session, people):
    assert say_not_about_us(app, story).status_code == 302
    request = session.scalar(select(RerouteRequest))
    for email in ("ward@example.org", "ward2@example.org", "author@example.org"):
        client = signed_in(app, email)
        response = client.post(f"/moderation/reroutes/{request.id}/confirm",
                               data={"reroute_confirm-provider": "W2"})
        assert response.status_code == 403, email
    assert app.test_client().post(f"/moderation/reroutes/{request.id}/decline").status_code in (302, 401)
    session.expire_all()
    assert session.get(RerouteRequest, request.id).decided_at is None
