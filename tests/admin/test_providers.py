"""Admin console, providers: search, edit, move without cycles, deactivate, merge with 301s; each audited."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Invitation, Membership
from app.audit import AuditEvent
from app.directory.models import Provider, ProviderRedirect
from app.errors import Invalid
from app.replies.models import Change, Reply
from app.stories.models import PUBLISHED, Story
from app.stories.services import Draft, check_draft
from tests.conftest import PASSWORD, login


def audit(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


PAGES = ("/admin/", "/admin/providers", "/admin/providers/T1", "/admin/people", "/admin/people/1", "/admin/outbox",
         "/admin/audit")
ACTIONS = ("/admin/providers/T1/edit", "/admin/providers/T1/move", "/admin/providers/T1/active",
           "/admin/providers/T1/merge", "/admin/people/1/role", "/admin/people/1/disable", "/admin/outbox/resend",
           "/admin/outbox/1/resend")


def test_console_is_for_admins_only(client, session, make_user, tree):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"], path
    for path in ACTIONS:
        assert client.post(path, data={}).status_code == 302, path
    # Moderators and provider staff are not admins.
    make_user(email="mod@example.org", moderator=True)
    make_user(email="lead@example.org", provider=tree["trust"], role="manager")
    for email in ("mod@example.org", "lead@example.org"):
        login(client, email, PASSWORD)
        for path in PAGES:
            assert client.get(path).status_code == 403, (email, path)
        for path in ACTIONS:
            assert client.post(path, data={"active": "0", "disabled": "1"}).status_code == 403, (email, path)
        client.post("/account/logout")
    assert session.get(Provider, tree["trust"].id).active is True
    assert session.scalars(select(AuditEvent)).all() == []


def test_search_finds_by_name_and_code(admin_client, tree):
    page = admin_client.get("/admin/providers?q=ward").get_data(as_text=True)
    assert "Ward One" in page and "Other Practice" not in page
    assert "Hospital One" in admin_client.get("/admin/providers?q=h1").get_data(as_text=True)


def test_edit_saves_and_is_audited(admin_client, session, tree, admin):
    response = admin_client.post("/admin/providers/H1/edit", data={
        "edit-name": "Hospital Renamed", "edit-kind": "hospital", "edit-postcode": "sw1a1aa",
        "edit-email": "pals@example.org", "edit-website": "example.org/h1"})
    assert response.status_code == 302
    hospital = session.get(Provider, tree["hospital"].id)
    assert (hospital.name, hospital.postcode, hospital.website) == ("Hospital Renamed", "SW1A 1AA",
                                                                     "https://example.org/h1")
    [event] = audit(session, "admin.provider.edit")
    assert event.actor_id == admin.id and (event.subject_type, event.subject_id) == ("provider", hospital.id)
    assert event.before["name"] == "Hospital One" and event.after["name"] == "Hospital Renamed"


def test_edit_explains_bad_input(admin_client, session, tree):
    response = admin_client.post("/admin/providers/H1/edit", data={
        "edit-name": "Hospital One", "edit-kind": "hospital", "edit-postcode": "not a postcode",
        "edit-email": "nope", "edit-website": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a UK postcode" in page and "Enter a valid email address" in page
    assert audit(session, "admin.provider.edit") == []


def test_move_refuses_a_cycle_and_moves_otherwise(admin_client, session, tree):
    response = admin_client.post("/admin/providers/T1/move", data={"move-parent": "W1"})
    assert response.status_code == 400
    assert "would make a loop" in response.get_data(as_text=True)
    assert session.get(Provider, tree["trust"].id).parent_id is None
    response = admin_client.post("/admin/providers/G1/move", data={"move-parent": "t1", "move-reason": "Joined"})
    assert response.status_code == 302
    assert session.get(Provider, tree["other"].id).parent_id == tree["trust"].id
    [event] = audit(session, "admin.provider.move")
    assert event.reason == "Joined" and event.after["parent"] == "T1" and event.before["parent"] is None


def test_deactivated_provider_keeps_its_stories_and_takes_no_new_ones(admin_client, session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED, title="Kept after deactivation")
    assert admin_client.post("/admin/providers/W1/active", data={"active": "0", "active-reason": "Closed"}) \
        .status_code == 302
    assert session.get(Provider, tree["ward"].id).active is False
    assert "Kept after deactivation" in admin_client.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "Kept after deactivation" in admin_client.get("/providers/W1").get_data(as_text=True)
    with pytest.raises(Invalid) as refused:
        check_draft(session, Draft(provider_code="W1"))
    assert "no longer active" in refused.value.errors["provider_code"]
    [event] = audit(session, "admin.provider.deactivate")
    assert event.reason == "Closed"
    admin_client.post("/admin/providers/W1/active", data={"active": "1"})
    assert session.get(Provider, tree["ward"].id).active is True
    assert len(audit(session, "admin.provider.reactivate")) == 1


def test_merge_moves_everything_and_the_old_code_redirects(admin_client, session, make_provider, make_user,
                                                            make_story, tree):
    from app.extensions import utcnow

    keep = tree["hospital"]
    dup = make_provider(code="H1DUP", name="Hospital One (duplicate)", parent=tree["trust"])
    child = make_provider(code="H1DUP-W", name="Ward under duplicate", kind="department", parent=dup)
    both = make_user(email="both@example.org", provider=keep, role="responder")
    session.add(Membership(user_id=both.id, provider_id=dup.id, role="manager", job_title="Lead"))
    only_dup = make_user(email="dup@example.org", provider=dup)
    story = make_story(dup, status=PUBLISHED)
    reply = Reply(story_id=story.id, author_id=only_dup.id, provider_id=dup.id, body="Thank you",
                  responder_title="Lead", published_at=utcnow())
    story.first_reply_at = utcnow()
    session.add(reply)
    session.flush()
    session.add(Change(story_id=story.id, provider_id=dup.id, reported_by_id=only_dup.id, kind="planned",
                       description="We will fix it"))
    session.add(Invitation(provider_id=dup.id, email="new@example.org", created_at=utcnow()))
    session.commit()
    dup_id = dup.id

    response = admin_client.post("/admin/providers/H1DUP/merge", data={"merge-target": "H1", "merge-reason": "Same"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/providers/H1")
    session.expire_all()
    assert session.get(Provider, dup_id) is None
    assert session.get(Story, story.id).provider_id == keep.id
    assert session.get(Reply, reply.id).provider_id == keep.id
    assert session.scalar(select(Change.provider_id)) == keep.id
    assert session.scalar(select(Invitation.provider_id)) == keep.id
    assert session.get(Provider, child.id).parent_id == keep.id
    memberships = {(m.user_id, m.role) for m in session.scalars(select(Membership))}
    assert (both.id, "manager") in memberships and (only_dup.id, "responder") in memberships
    assert all(m.provider_id == keep.id for m in session.scalars(select(Membership)))
    assert session.get(ProviderRedirect, "H1DUP").provider_id == keep.id
    [event] = audit(session, "admin.provider.merge")
    assert event.before["code"] == "H1DUP" and event.after["into"] == "H1" and event.after["stories"] == 1

    for old, new in (("/providers/H1DUP", "/providers/H1"),
                     ("/feeds/providers/H1DUP.atom", "/feeds/providers/H1.atom"),
                     ("/api/v1/providers/H1DUP", "/api/v1/providers/H1")):
        response = admin_client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"].endswith(new), (old, response.headers["Location"])
    followed = admin_client.get("/providers/h1dup", follow_redirects=True)
    assert followed.status_code == 200 and followed.request.path == "/providers/H1"
    # The statistics moved with the stories and replies.
    stats = admin_client.get("/api/v1/providers/H1").get_json()["data"]["statistics"]
    assert stats["stories"] == 1 and stats["replied"] == 1


def test_merge_refuses_itself_an_unknown_code_and_a_provider_below(admin_client, session, tree):
    for target, message in (("T1X", "No provider has that code"), ("H1", "Choose another provider")):
        response = admin_client.post("/admin/providers/H1/merge", data={"merge-target": target})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    response = admin_client.post("/admin/providers/H1/merge", data={"merge-target": "W1"})
    assert response.status_code == 400 and "move it out first" in response.get_data(as_text=True)
    assert session.get(Provider, tree["hospital"].id) is not None
    assert audit(session, "admin.provider.merge") == []


def test_renaming_a_provider_reindexes_the_stories_below_it(admin_client, session, tree, make_story, deliver):
    story = make_story(tree["ward"], status=PUBLISHED, title="Found by the trust's new name")
    story.title = story.title  # a change after insert queues it for the index, as moderation does
    story.criticality = 2
    session.commit()
    deliver()
    assert "Found by the trust" not in admin_client.get("/search?q=Zephyrhills").get_data(as_text=True)
    admin_client.post("/admin/providers/T1/edit", data={"edit-name": "Zephyrhills Trust", "edit-kind": "trust"})
    deliver()
    assert "Found by the trust" in admin_client.get("/search?q=Zephyrhills").get_data(as_text=True)


def test_merge_keeps_the_insight_figures_equal_to_a_rebuild(admin_client, session, make_provider, make_user,
                                                             make_story, tree):
    from app.insight.models import ProviderMonth
    from app.moderation.services import Publication, publish
    from tests.insight.conftest import assert_same_as_rebuild

    dup = make_provider(code="H1DUP", name="Hospital One (duplicate)", parent=tree["trust"])
    moderator = make_user(email="mod@example.org", moderator=True)
    for _ in range(2):
        story = make_story(dup, status="pending")
        publish(session, moderator, story, story.version,
                Publication(criticality=3, tags=["improve-waiting"], title=story.title, body=story.body))
        session.commit()
    dup_id = dup.id
    assert session.scalar(select(func.sum(ProviderMonth.stories)).where(ProviderMonth.provider_id == dup_id)) == 2

    response = admin_client.post("/admin/providers/H1DUP/merge", data={"merge-target": "H1", "merge-reason": "Same"})
    assert response.status_code == 302
    session.expire_all()
    left = select(func.count()).select_from(ProviderMonth).where(ProviderMonth.provider_id == dup_id)
    assert session.scalar(left) == 0
    hospital = tree["hospital"].id
    assert session.scalar(select(func.sum(ProviderMonth.stories)).where(ProviderMonth.provider_id == hospital)) == 2
    assert_same_as_rebuild(session)
