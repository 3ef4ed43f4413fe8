"""Moderators fix what they find: move a story to another service, correct a published story after a report,
and published content reported by several different visitors is hidden until a moderator looks."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.moderation.models import Report, StoryRevision
from app.replies.models import VISIBLE, DigestItem, Reply
from app.stories.models import HIDDEN, PENDING, PUBLISHED, Story
from app.stories.timeline import StoryEvent
from tests.conftest import PASSWORD, login, text_of


@pytest.fixture
def staff(make_user, tree, make_provider):
    """Staff at the ward, at a second ward of the same hospital, at the trust above both, and at the GP practice."""
    tree["ward2"] = make_provider(code="W2", name="Ward Two", kind="department", parent=tree["hospital"])
    return {
        "ward": make_user(email="ward@example.org", provider=tree["ward"]),
        "ward2": make_user(email="ward2@example.org", provider=tree["ward2"]),
        "trust": make_user(email="trust@example.org", provider=tree["trust"]),
        "gp": make_user(email="gp@example.org", provider=tree["other"]),
    }


def form_version(page: str, prefix: str) -> str:
    return re.search(rf'id="{prefix}-version"[^>]*value="(\d+)"', page).group(1)


def act(client, story_id: int, action: str, **fields):
    page = client.get(f"/moderation/stories/{story_id}").get_data(as_text=True)
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data[f"{action}-version"] = form_version(page, action)
    data[f"{action}-csrf_token"] = client.csrf_token()
    return client.post(f"/moderation/stories/{story_id}/{action}", data=data, csrf=False)


def dashboard_waiting(app, email: str) -> str:
    client = app.test_client()
    login(client, email, PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    start = page.index("Stories awaiting a reply")
    return page[start:page.index("Recent replies by colleagues", start)]


# ---------------------------------------------------------------- move

def test_moving_a_published_story_is_audited_and_alerts_the_new_service_only(
        app, mod_client, session, tree, staff, make_story, smtp_server, deliver):
    story = make_story(tree["ward"], status=PUBLISHED, title="Wrong ward story")
    assert "Wrong ward story" in dashboard_waiting(app, "ward@example.org")
    response = act(mod_client, story.id, "move", provider="w2", reason="The author meant Ward Two")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    session.expire_all()
    story = session.get(Story, story.id)
    assert story.provider.code == "W2" and story.status == PUBLISHED
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "story.moved"))
    assert event.reason == "The author meant Ward Two" and event.actor.email == "mod@example.org"
    assert event.before["provider"] == "W1" and event.after["provider"] == "W2"
    # The timeline says so: moved to Ward Two, then Ward Two's staff alerted (the trust was told before).
    steps = session.scalars(select(StoryEvent).where(StoryEvent.story_id == story.id)
                            .order_by(StoryEvent.at, StoryEvent.id)).all()
    assert [(e.kind, e.provider_id, e.count) for e in steps] == [("rerouted", story.provider_id, None),
                                                                 ("alerted", story.provider_id, 1)]
    deliver()
    alert = smtp_server.last_to("ward2@example.org")
    assert "Wrong ward story" in alert["Subject"] and f"/stories/{story.id}" in text_of(alert)
    # The old ward is not alerted; the trust above both was told at publication and is not told twice.
    assert smtp_server.to("ward@example.org") == [] and smtp_server.to("trust@example.org") == []
    assert smtp_server.to("gp@example.org") == []
    assert "Wrong ward story" not in dashboard_waiting(app, "ward@example.org")
    assert "Wrong ward story" in dashboard_waiting(app, "ward2@example.org")
    history = mod_client.get(f"/moderation/stories/{story.id}/history").get_data(as_text=True)
    assert "story.moved" in history and "The author meant Ward Two" in history


def test_moving_to_another_organisation_alerts_its_staff(mod_client, session, tree, staff, make_story, smtp_server,
                                                         deliver):
    story = make_story(tree["ward"], status=PUBLISHED, title="Really about the practice")
    assert act(mod_client, story.id, "move", provider="G1", reason="It is about the GP").status_code == 302
    deliver()
    assert "Really about the practice" in smtp_server.last_to("gp@example.org")["Subject"]
    assert smtp_server.to("trust@example.org") == []


def test_a_waiting_digest_for_the_old_service_is_dropped(mod_client, session, tree, staff, make_story):
    from app.accounts.models import Membership
    from app.extensions import utcnow

    story = make_story(tree["ward"], status=PUBLISHED)
    ward_membership = session.scalar(select(Membership).where(Membership.user_id == staff["ward"].id))
    trust_membership = session.scalar(select(Membership).where(Membership.user_id == staff["trust"].id))
    for m in (ward_membership, trust_membership):
        session.add(DigestItem(membership_id=m.id, story_id=story.id, frequency="daily", due_at=utcnow()))
    session.commit()
    assert act(mod_client, story.id, "move", provider="W2", reason="Wrong ward").status_code == 302
    left = session.scalars(select(DigestItem.membership_id).where(DigestItem.story_id == story.id)).all()
    assert left == [trust_membership.id]  # the trust still covers Ward Two


def test_moving_a_pending_story_alerts_nobody_until_it_is_published(
        mod_client, session, tree, staff, make_story, smtp_server, deliver):
    story = make_story(tree["ward"], status=PENDING, title="Not yet published")
    assert act(mod_client, story.id, "move", provider="G1", reason="About the GP").status_code == 302
    deliver()
    assert smtp_server.messages == []
    session.expire_all()
    assert session.get(Story, story.id).provider.code == "G1"
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "story.moved"))


def test_moving_needs_a_known_service_and_a_reason(mod_client, session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    unknown = act(mod_client, story.id, "move", provider="NOPE", reason="Because")
    assert unknown.status_code == 400 and "No service has that code" in unknown.get_data(as_text=True)
    same = act(mod_client, story.id, "move", provider="W1", reason="Because")
    assert same.status_code == 400 and "already about that service" in same.get_data(as_text=True)
    no_reason = act(mod_client, story.id, "move", provider="G1", reason="")
    assert no_reason.status_code == 400
    session.expire_all()
    assert session.get(Story, story.id).provider.code == "W1"
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "story.moved")) is None


# ---------------------------------------------------------------- correct after a report

def test_correcting_a_published_story_after_a_report(app, mod_client, client, session, tree, staff, make_story,
                                                    make_user, smtp_server, deliver):
    author = make_user(email="teller@example.org")
    body = ("Our neighbour Jo Bloggs from 4 Mill Lane sat with us. The nurses on the ward were kind and "
            "explained everything clearly.")
    story = make_story(tree["ward"], author=author, status=PUBLISHED, title="Kind nurses", body=body)
    assert client.post(f"/stories/{story.id}/report",
                       data={"reason": "identifies", "note": "Names my neighbour"}).status_code == 302
    corrected = "Our neighbour sat with us. The nurses on the ward were kind and explained everything clearly."
    without_reason = act(mod_client, story.id, "correct", title="Kind nurses", body=corrected, reason="")
    assert without_reason.status_code == 400
    response = act(mod_client, story.id, "correct", title="Kind nurses", body=corrected,
                   reason="Removed a neighbour's name and address after a report")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    session.expire_all()
    story = session.get(Story, story.id)
    assert story.status == PUBLISHED and story.body == corrected
    revision = session.scalar(select(StoryRevision).where(StoryRevision.story_id == story.id))
    assert revision.body_before == body and revision.reason.startswith("Removed a neighbour")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "story.corrected"))
    assert event.before["body"] == body and event.after["body"] == corrected
    assert session.scalar(select(Report)).resolution == "corrected"
    public = app.test_client().get(f"/stories/{story.id}").get_data(as_text=True)
    assert "Jo Bloggs" not in public and "Our neighbour sat with us." in public
    deliver()
    mail = smtp_server.last_to("teller@example.org")
    assert "edited your published story" in text_of(mail) and "Removed a neighbour" in text_of(mail)
    history = mod_client.get(f"/moderation/stories/{story.id}/history").get_data(as_text=True)
    assert "story.corrected" in history and "Jo Bloggs" in history  # the text before, for moderators


# ---------------------------------------------------------------- hidden after reports from several visitors

def report_from(app, story_id: int, address: str, reply_id: int | None = None, email: str | None = None):
    client = app.test_client()
    if email:
        login(client, email, PASSWORD)
    query = f"?reply={reply_id}" if reply_id else ""
    return client.post(f"/stories/{story_id}/report{query}", data={"reason": "offensive", "note": ""},
                       environ_base={"REMOTE_ADDR": address})


def test_three_different_visitors_hide_a_story_until_a_moderator_looks(app, mod_client, session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED, title="Much reported")
    for _ in range(3):  # one visitor reporting again and again counts once
        assert report_from(app, story.id, "203.0.113.7").status_code == 302
    assert report_from(app, story.id, "203.0.113.8").status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).status == PUBLISHED
    assert report_from(app, story.id, "203.0.113.9").status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).status == HIDDEN
    assert app.test_client().get(f"/stories/{story.id}").status_code in (404, 410)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "story.hidden_by_reports")) is not None
    # The address itself is never stored; a keyed hash tells visitors apart.
    keys = set(session.scalars(select(Report.reporter_key)))
    assert len(keys) == 3 and not any("203.0.113" in k for k in keys)
    page = mod_client.get(f"/moderation/stories/{story.id}").get_data(as_text=True)
    assert "Reports from several visitors hid this story" in page
    assert act(mod_client, story.id, "restore", reason="The reports are unfounded").status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).status == PUBLISHED
    assert all(r.resolution == "restored" for r in session.scalars(select(Report)))


def test_signed_in_reporters_count_by_account_not_address(app, session, tree, make_story, make_user):
    story = make_story(tree["ward"], status=PUBLISHED)
    for n in range(3):
        make_user(email=f"reader{n}@example.org")
    for n in range(3):  # three accounts behind one address (a hospital's network, say) are three people
        assert report_from(app, story.id, "198.51.100.1", email=f"reader{n}@example.org").status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).status == HIDDEN


def test_the_number_of_reports_is_a_setting(app, session, tree, make_story):
    app.config["REPORTS_TO_HIDE"] = 5
    story = make_story(tree["ward"], status=PUBLISHED)
    for n in range(4):
        report_from(app, story.id, f"192.0.2.{n}")
    session.expire_all()
    assert session.get(Story, story.id).status == PUBLISHED
    report_from(app, story.id, "192.0.2.99")
    session.expire_all()
    assert session.get(Story, story.id).status == HIDDEN


def test_a_reply_reported_by_three_visitors_is_hidden_until_a_moderator_restores_it(
        app, mod_client, session, tree, make_story, make_user):
    from app.extensions import utcnow

    staff = make_user(email="staff@example.org", provider=tree["ward"])
    story = make_story(tree["ward"], status=PUBLISHED)
    reply = Reply(story_id=story.id, author_id=staff.id, kind="staff", body="A reply people dislike",
                  status=VISIBLE, published_at=utcnow(), flags=[])
    session.add(reply)
    session.commit()
    for n in range(3):
        assert report_from(app, story.id, f"203.0.113.{n}", reply_id=reply.id).status_code == 302
    session.expire_all()
    assert session.get(Reply, reply.id).status == "hidden"
    assert session.get(Story, story.id).status == PUBLISHED  # the story itself stays up
    assert "A reply people dislike" not in app.test_client().get(f"/stories/{story.id}").get_data(as_text=True)
    queue = mod_client.get("/moderation/").get_data(as_text=True)
    assert "hidden until a moderator looks" in queue
    assert mod_client.post(f"/moderation/replies/{reply.id}/restore", data={"reason": "Fair comment"}) \
        .status_code == 302
    assert "A reply people dislike" in app.test_client().get(f"/stories/{story.id}").get_data(as_text=True)
    session.expire_all()
    assert all(r.resolved_at is not None for r in session.scalars(select(Report)))


def test_a_moderator_moves_a_story_by_the_services_name_but_never_on_a_guess(mod_client, session, tree, make_story,
                                                                            make_provider):
    make_provider(code="W2", name="Ward Two", kind="department", parent=tree["hospital"])
    make_provider(code="W3", name="Ward Three", kind="department", parent=tree["hospital"])
    story = make_story(tree["ward"], status=PUBLISHED)
    # A name that could be either ward: not moved; the close matches are offered with their codes.
    vague = act(mod_client, story.id, "move", provider="Ward", reason="Wrong ward")
    page = vague.get_data(as_text=True)
    assert vague.status_code == 400 and "No single service matches" in page
    assert "(W2)" in page and "(W3)" in page and 'aria-invalid="true"' in page
    session.expire_all()
    assert session.get(Story, story.id).provider.code == "W1"
    # Its name, as people write it (case, an invisible character): moved.
    assert act(mod_client, story.id, "move", provider="ward\u200b two", reason="Wrong ward").status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).provider.code == "W2"
