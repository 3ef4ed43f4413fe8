"""Moderation: the queue, claims, every action with its audit event and email, optimistic locking, reports."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import utcnow
from app.moderation.models import Report, StoryRevision
from app.stories.models import HIDDEN, PENDING, PUBLISHED, REJECTED, RETURNED, Story
from tests.conftest import PASSWORD, link_in, login, text_of


@pytest.fixture
def mod_client(client, moderator):
    login(client, "mod@example.org", PASSWORD)
    return client


def version_of(client, story_id: int) -> str:
    page = client.get(f"/moderation/stories/{story_id}").get_data(as_text=True)
    return re.search(r'name="publish-version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="publish-version"', page) \
        .group(1) or ""


def events(session, story_id: int) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.story_id == story_id)
                                .order_by(AuditEvent.id)))


def test_queue_is_for_moderators_only(client, make_user, tree, make_story):
    make_story(tree["ward"])
    assert client.get("/moderation/").status_code == 302  # to log in
    make_user(email="plain@example.org")
    login(client, "plain@example.org", PASSWORD)
    assert client.get("/moderation/").status_code == 403
    assert client.get("/moderation/stories/1").status_code == 403


def test_queue_lists_oldest_first_with_counts_and_filters(mod_client, session, tree, make_story):
    old = make_story(tree["ward"], title="Old ward story")
    old.queued_at = utcnow() - timedelta(days=5)
    new = make_story(tree["other"], title="New practice story", flags=["email"])
    make_story(tree["ward"], status=PUBLISHED, title="Already published")
    session.commit()
    page = mod_client.get("/moderation/").get_data(as_text=True)
    assert page.index("Old ward story") < page.index("New practice story")
    assert "Already published" not in page
    assert "<strong>2</strong> waiting for moderation" in page
    by_provider = mod_client.get("/moderation/?provider=T1").get_data(as_text=True)  # the trust covers its ward
    assert "Old ward story" in by_provider and "New practice story" not in by_provider
    by_flag = mod_client.get("/moderation/?flag=email").get_data(as_text=True)
    assert "New practice story" in by_flag and "Old ward story" not in by_flag
    waiting = mod_client.get("/moderation/?waiting=72").get_data(as_text=True)
    assert "Old ward story" in waiting and "New practice story" not in waiting
    assert new.id != old.id


def test_claim_is_shown_to_others_and_lapses_after_15_minutes(client, session, make_user, tree, make_story):
    story = make_story(tree["ward"])
    make_user(email="a@mods.org", moderator=True, display_name="Alice Mod")
    make_user(email="b@mods.org", moderator=True, display_name="Bob Mod")
    login(client, "a@mods.org", PASSWORD)
    client.post(f"/moderation/stories/{story.id}/claim", data={"claim-csrf_token": client.csrf_token()}, csrf=False)
    client.post("/account/logout")
    login(client, "b@mods.org", PASSWORD)
    page = client.get(f"/moderation/stories/{story.id}").get_data(as_text=True)
    assert "Claimed by Alice Mod" in page
    assert "Alice Mod" in client.get("/moderation/").get_data(as_text=True)
    response = client.post(f"/moderation/stories/{story.id}/claim", data={"claim-csrf_token": client.csrf_token()},
                           csrf=False, follow_redirects=True)
    assert "Alice Mod is already looking at this story" in response.get_data(as_text=True)
    session.expire_all()
    session.get(Story, story.id).claimed_until = utcnow() - timedelta(seconds=1)
    session.commit()
    client.post(f"/moderation/stories/{story.id}/claim", data={"claim-csrf_token": client.csrf_token()}, csrf=False)
    assert "Claimed by Bob Mod" in client.get(f"/moderation/stories/{story.id}").get_data(as_text=True)


def _publish(client, story_id: int, **overrides):
    story_page = client.get(f"/moderation/stories/{story_id}").get_data(as_text=True)
    version = re.search(r'id="publish-version"[^>]*value="(\d+)"', story_page).group(1)
    # As a browser would: the title and text fields come prefilled with the story as it is.
    title = html.unescape(re.search(r'id="publish-title"[^>]*value="([^"]*)"', story_page).group(1))
    body = re.search(r'<textarea[^>]*id="publish-body"[^>]*>\s*(.*?)</textarea>', story_page, re.S).group(1)
    body = html.unescape(body)
    data = {"publish-version": version, "publish-criticality": "3", "publish-tags": ["good-kindness"],
            "publish-title": overrides.pop("title", title), "publish-body": overrides.pop("body", body),
            "publish-csrf_token": client.csrf_token()}
    data.update({f"publish-{k}": v for k, v in overrides.items()})
    return client.post(f"/moderation/stories/{story_id}/publish", data={k: v for k, v in data.items() if v is not None},
                       csrf=False)


def test_publish_with_an_edit_keeps_a_revision_audits_and_emails(mod_client, session, tree, make_story, make_user,
                                                                 smtp_server, deliver):
    author = make_user(email="writer@example.org")
    story = make_story(tree["ward"], author=author, title="Dr Smith was wonderful",
                       body="Dr Smith on the ward was wonderful and kind, and explained everything to my mum.")
    response = _publish(mod_client, story.id, title="The doctor was wonderful",
                        body="The doctor on the ward was wonderful and kind, and explained everything to my mum.",
                        edit_reason="removed a staff name")
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    story = session.get(Story, story.id)
    assert story.status == PUBLISHED and story.criticality == 3 and story.published_at
    assert [t.slug for t in story.tags] == ["good-kindness"]
    revision = session.scalar(select(StoryRevision).where(StoryRevision.story_id == story.id))
    assert revision.title_before == "Dr Smith was wonderful" and revision.reason == "removed a staff name"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "story.published"))
    assert event.before["title"] == "Dr Smith was wonderful" and event.after["title"] == "The doctor was wonderful"
    assert event.actor.email == "mod@example.org"
    deliver()
    mail = smtp_server.last_to("writer@example.org")
    assert mail["Subject"] == "Your story is published"
    assert f"/stories/{story.id}" in link_in(mail, "/stories/")
    history = mod_client.get(f"/moderation/stories/{story.id}/history").get_data(as_text=True)
    assert "story.published" in history and "removed a staff name" in history and "Dr Smith was wonderful" in history
    public = mod_client.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "The doctor was wonderful" in public and "Dr Smith" not in public


def test_an_edit_without_a_reason_is_refused(mod_client, session, tree, make_story):
    story = make_story(tree["ward"])
    response = _publish(mod_client, story.id, title="A changed title")
    assert response.status_code == 400
    assert "Say why you changed the text" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Story, story.id).status == PENDING


def test_publish_needs_a_criticality(mod_client, session, tree, make_story):
    story = make_story(tree["ward"])
    response = _publish(mod_client, story.id, criticality=None)
    assert response.status_code == 400
    assert "criticality from 0 to 5" in response.get_data(as_text=True)


def _act(client, story_id: int, action: str, **fields):
    page = client.get(f"/moderation/stories/{story_id}").get_data(as_text=True)
    version = re.search(rf'id="{action}-version"[^>]*value="(\d+)"', page).group(1)
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data[f"{action}-version"] = fields.pop("version", version)
    data[f"{action}-csrf_token"] = client.csrf_token()
    return client.post(f"/moderation/stories/{story_id}/{action}", data=data, csrf=False)


def test_reject_emails_the_reason_and_audits(mod_client, session, tree, make_story, make_user, smtp_server, deliver):
    author = make_user(email="rejected@example.org")
    story = make_story(tree["ward"], author=author)
    response = _act(mod_client, story.id, "reject", reason_code="not_a_service", note="This is about a shop.")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).status == REJECTED
    assert events(session, story.id)[-1] == "story.rejected"
    deliver()
    body = text_of(smtp_server.last_to("rejected@example.org"))
    assert "It is not about a health or care service" in body and "This is about a shop." in body


def test_send_back_lets_the_author_edit_and_resubmit(client, session, tree, make_story, make_user, moderator,
                                                     smtp_server, deliver):
    author = make_user(email="sentback@example.org")
    story = make_story(tree["ward"], author=author)
    login(client, "mod@example.org", PASSWORD)
    assert _act(client, story.id, "send_back", note="Please remove the room number.").status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).status == RETURNED
    deliver()
    mail = smtp_server.last_to("sentback@example.org")
    assert "Please remove the room number." in text_of(mail)
    edit_link = link_in(mail, "/edit")
    client.post("/account/logout")
    login(client, "sentback@example.org", PASSWORD)
    page = client.get(edit_link).get_data(as_text=True)
    assert "Please remove the room number." in page
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', page)
    response = client.post(edit_link, data={
        "provider_code": "W1", "title": "Edited title", "body": "A new version of my story without the room number, "
        "which the moderator asked me to take out.", "month": "1", "year": "2025", "author_role": "patient",
        "public_name": "Anonymous", "version": version.group(1) or version.group(2), "action": "save"})
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    story = session.get(Story, story.id)
    assert story.status == PENDING and story.title == "Edited title"
    assert events(session, story.id)[-2:] == ["story.returned", "story.edited_by_author"]


def test_hide_and_restore_with_reasons(mod_client, session, tree, make_story, make_user, smtp_server, deliver, client):
    author = make_user(email="hidden@example.org")
    story = make_story(tree["ward"], author=author, status=PUBLISHED)
    assert _act(mod_client, story.id, "hide", reason="Legal advice").status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).status == HIDDEN
    deliver()
    assert "Legal advice" in text_of(smtp_server.last_to("hidden@example.org"))
    assert _act(mod_client, story.id, "restore", reason="Cleared").status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).status == PUBLISHED
    assert events(session, story.id)[-2:] == ["story.hidden", "story.restored"]
    assert _act(mod_client, story.id, "hide", reason="").status_code == 400


def test_second_moderator_acting_on_an_old_version_is_told_and_nothing_is_overwritten(
        client, app, session, tree, make_story, make_user):
    story = make_story(tree["ward"])
    make_user(email="one@mods.org", moderator=True)
    make_user(email="two@mods.org", moderator=True)
    other = app.test_client()
    login(client, "one@mods.org", PASSWORD)
    login(other, "two@mods.org", PASSWORD)
    page_two = other.get(f"/moderation/stories/{story.id}").get_data(as_text=True)
    stale = re.search(r'id="reject-version"[^>]*value="(\d+)"', page_two).group(1)
    assert _publish(client, story.id).status_code == 302
    response = other.post(f"/moderation/stories/{story.id}/reject", data={
        "reject-version": stale, "reject-reason_code": "spam", "reject-note": "",
        "reject-csrf_token": other.csrf_token()}, csrf=False)
    assert response.status_code == 409
    assert "changed this story since you opened it" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Story, story.id).status == PUBLISHED
    assert "story.rejected" not in events(session, story.id)


def test_report_reaches_the_queue_and_hiding_resolves_it(client, app, session, tree, make_story, moderator):
    story = make_story(tree["ward"], status=PUBLISHED, title="Reported story")
    response = client.post(f"/stories/{story.id}/report", data={"reason": "identifies", "note": "Names my neighbour"})
    assert response.status_code == 302
    report = session.scalar(select(Report))
    assert report.story_id == story.id and report.resolved_at is None
    mod = app.test_client()
    login(mod, "mod@example.org", PASSWORD)
    queue = mod.get("/moderation/").get_data(as_text=True)
    assert "Names my neighbour" in queue and "<strong>1</strong> open reports" in queue
    assert _act(mod, story.id, "hide", reason="Identifies a neighbour").status_code == 302
    session.expire_all()
    assert session.scalar(select(Report)).resolution == "hidden"
    assert "Names my neighbour" not in mod.get("/moderation/").get_data(as_text=True)


def test_report_needs_a_reason_and_only_published_stories_can_be_reported(client, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    response = client.post(f"/stories/{story.id}/report", data={"reason": "", "note": "hmm"})
    assert response.status_code == 200 and "Choose what is wrong" in response.get_data(as_text=True)
    pending = make_story(tree["ward"])
    assert client.get(f"/stories/{pending.id}/report").status_code == 404


def test_dismissing_a_report(mod_client, session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    session.add(Report(story_id=story.id, reason="other", note="meh"))
    session.commit()
    report = session.scalar(select(Report))
    mod_client.post(f"/moderation/reports/{report.id}/dismiss")
    session.expire_all()
    assert session.scalar(select(Report)).resolution == "dismissed"
    assert events(session, story.id)[-1] == "report.resolved"


def test_a_story_awaiting_confirmation_cannot_be_published(mod_client, session, tree, make_story):
    from app.stories.models import AWAITING_CONFIRMATION

    story = make_story(tree["ward"], status=AWAITING_CONFIRMATION)
    page = mod_client.get(f"/moderation/stories/{story.id}").get_data(as_text=True)
    assert "has not yet confirmed" in page and 'id="publish-version"' not in page
    response = mod_client.post(f"/moderation/stories/{story.id}/publish", data={
        "publish-version": "1", "publish-criticality": "1", "publish-title": story.title, "publish-body": story.body,
        "publish-csrf_token": mod_client.csrf_token()}, csrf=False)
    assert response.status_code == 409
    session.expire_all()
    assert session.get(Story, story.id).status == AWAITING_CONFIRMATION


def test_a_reply_can_be_reported_and_hiding_it_resolves_the_report(client, app, session, tree, make_story, moderator):
    from app.replies.models import Reply

    story = make_story(tree["ward"], status=PUBLISHED)
    reply = Reply(story_id=story.id, kind="staff", responder_name="Someone", body="A rude reply",
                  status="visible", published_at=utcnow())
    session.add(reply)
    session.commit()
    assert "Report this reply" in client.get(f"/stories/{story.id}").get_data(as_text=True)
    page = client.get(f"/stories/{story.id}/report?reply={reply.id}").get_data(as_text=True)
    assert "Report a reply" in page and "A rude reply" in page
    assert client.post(f"/stories/{story.id}/report?reply={reply.id}",
                       data={"reason": "offensive", "note": "Rude"}).status_code == 302
    report = session.scalar(select(Report))
    assert report.reply_id == reply.id
    mod = app.test_client()
    login(mod, "mod@example.org", PASSWORD)
    assert "A rude reply" in mod.get("/moderation/").get_data(as_text=True)
    assert mod.post(f"/moderation/replies/{reply.id}/hide", data={"reason": "Abusive"}).status_code == 302
    session.expire_all()
    assert session.scalar(select(Report)).resolution == "hidden"
    assert client.get(f"/stories/{story.id}/report?reply={reply.id}").status_code == 404
