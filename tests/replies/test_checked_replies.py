"""Replies, changes and answers are checked like stories: flags, pre-moderation of new responders, moderators'
edits with revisions, and who may still edit a reply."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.moderation.models import ReplyRevision
from app.replies.models import AWAITING_MODERATION, HIDDEN, REJECTED, VISIBLE, Change, Reply
from tests.conftest import text_of

NHS_REPLY = "Please call us quoting NHS number 943 476 5919 so we can look into this."
CLEAN = "Thank you for telling us. We are looking into the letters with the team."


@pytest.fixture
def people(make_user, tree):
    return {
        "author": make_user(email="author@example.org", display_name="Ann Author"),
        "ward": make_user(email="ward@example.org", provider=tree["ward"], job_title="Ward sister",
                          display_name="Sam Staff"),
        "trust": make_user(email="trust@example.org", provider=tree["trust"], display_name="Tia Trust"),
        "mod": make_user(email="mod@example.org", moderator=True, display_name="Mo Derator"),
    }


@pytest.fixture
def story(make_story, tree, people, session):
    story = make_story(tree["ward"], author=people["author"], status="published", title="Letters were confusing")
    story.experienced_on = date(2025, 3, 1)
    session.commit()
    return story


def trust(session, user, story, n: int = 5) -> None:
    """Give a responder n published replies already (the default RESPONDER_MODERATED_REPLIES is 5)."""
    from app.extensions import utcnow

    for i in range(n):
        session.add(Reply(story_id=story.id, author_id=user.id, kind="staff", body=f"Earlier reply {i}",
                          status=VISIBLE, published_at=utcnow(), flags=[]))
    session.commit()


def public_page(app, story_id: int) -> str:
    return app.test_client().get(f"/stories/{story_id}").get_data(as_text=True)


def reply_id_from(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"#replies-(\d+)$", response.headers["Location"]).group(1))


def test_a_reply_with_an_nhs_number_waits_and_is_highlighted(app, as_user, story, people, session, smtp_server,
                                                             deliver):
    trust(session, people["ward"], story)  # even a trusted responder's flagged reply waits
    staff = as_user("ward@example.org")
    response = staff.post(f"/stories/{story.id}/replies", data={"body": NHS_REPLY})
    reply_id = reply_id_from(response)
    reply = session.get(Reply, reply_id)
    assert reply.status == AWAITING_MODERATION and reply.published_at is None and "nhs_number" in reply.flags
    assert "943 476 5919" not in public_page(app, story.id)
    own = staff.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "waiting for a moderator" in own and "943 476 5919" in own  # the writer sees it is waiting
    deliver()
    assert smtp_server.to("author@example.org") == []  # told only once it is public
    mod = as_user("mod@example.org")
    queue = mod.get("/moderation/").get_data(as_text=True)
    assert re.search(r'<mark class="flag flag-nhs_number"[^>]*>943 476 5919', queue)
    item = mod.get(f"/moderation/replies/{reply_id}").get_data(as_text=True)
    assert re.search(r'<mark class="flag flag-nhs_number"[^>]*>943 476 5919', item) and "NHS number" in item
    assert mod.post(f"/moderation/replies/{reply_id}/publish", data={"version": reply.version}).status_code == 302
    assert "943 476 5919" in public_page(app, story.id)
    deliver()
    mail = smtp_server.last_to("author@example.org")
    assert "replied to your story" in mail["Subject"] and "943 476 5919" in text_of(mail)
    assert len(smtp_server.to("author@example.org")) == 1


def test_a_new_responders_first_five_replies_wait_then_clean_ones_publish_at_once(app, as_user, story, people,
                                                                                  session):
    staff = as_user("ward@example.org")
    mod = as_user("mod@example.org")
    for n in range(5):
        reply_id = reply_id_from(staff.post(f"/stories/{story.id}/replies", data={"body": f"{CLEAN} Part {n}."}))
        assert session.get(Reply, reply_id).status == AWAITING_MODERATION, n
        assert f"Part {n}." not in public_page(app, story.id)
        assert mod.post(f"/moderation/replies/{reply_id}/publish").status_code == 302
    sixth = reply_id_from(staff.post(f"/stories/{story.id}/replies", data={"body": f"{CLEAN} Part six."}))
    session.expire_all()
    assert session.get(Reply, sixth).status == VISIBLE
    assert "Part six." in public_page(app, story.id)


def test_a_trusted_responders_clean_reply_publishes_at_once(app, as_user, story, people, session, smtp_server,
                                                           deliver):
    trust(session, people["ward"], story)
    reply_id = reply_id_from(as_user("ward@example.org").post(f"/stories/{story.id}/replies", data={"body": CLEAN}))
    assert session.get(Reply, reply_id).status == VISIBLE
    assert CLEAN in public_page(app, story.id)
    deliver()
    assert "replied to your story" in smtp_server.last_to("author@example.org")["Subject"]


def test_the_threshold_is_a_setting(app, as_user, story, people, session):
    app.config["RESPONDER_MODERATED_REPLIES"] = 1
    staff = as_user("ward@example.org")
    first = reply_id_from(staff.post(f"/stories/{story.id}/replies", data={"body": CLEAN}))
    assert session.get(Reply, first).status == AWAITING_MODERATION
    as_user("mod@example.org").post(f"/moderation/replies/{first}/publish")
    second = reply_id_from(staff.post(f"/stories/{story.id}/replies", data={"body": CLEAN + " Again."}))
    session.expire_all()
    assert session.get(Reply, second).status == VISIBLE


def test_a_hidden_reply_does_not_count_towards_trust(as_user, story, people, session):
    trust(session, people["ward"], story)
    first = session.scalars(select(Reply).where(Reply.author_id == people["ward"].id)).first()
    first.status = HIDDEN
    session.commit()
    reply_id = reply_id_from(as_user("ward@example.org").post(f"/stories/{story.id}/replies", data={"body": CLEAN}))
    assert session.get(Reply, reply_id).status == AWAITING_MODERATION


def test_a_new_responders_change_waits_and_the_author_hears_of_it_on_publication(app, as_user, story, people,
                                                                                session, smtp_server, deliver):
    staff = as_user("ward@example.org")
    response = staff.post(f"/stories/{story.id}/changes",
                          data={"kind": "planned", "description": "We will rewrite the appointment letters.",
                                "due_on": (date.today() + timedelta(days=60)).isoformat(), "owner": "Outpatients"})
    assert response.status_code == 302
    change = session.scalar(select(Change))
    assert change.status == AWAITING_MODERATION
    assert "rewrite the appointment letters" not in public_page(app, story.id)
    assert "Change planned" not in public_page(app, story.id).split('id="conversation-title"')[1][:300]
    deliver()
    assert smtp_server.to("author@example.org") == []
    mod = as_user("mod@example.org")
    assert "rewrite the appointment letters" in mod.get("/moderation/").get_data(as_text=True)
    assert mod.post(f"/moderation/changes/{change.id}/publish", data={"version": change.version}).status_code == 302
    page = public_page(app, story.id)
    assert "rewrite the appointment letters" in page
    deliver()
    assert "change planned" in smtp_server.last_to("author@example.org")["Subject"].lower()


def test_an_authors_answer_is_flagged_and_highlighted(as_user, story, people, session):
    author = as_user("author@example.org")
    assert author.post(f"/stories/{story.id}/answers",
                       data={"body": "Ring me on 07700 900123, I am still waiting."}).status_code == 302
    answer = session.scalar(select(Reply).where(Reply.kind == "author"))
    assert answer.status == AWAITING_MODERATION and "phone" in answer.flags
    queue = as_user("mod@example.org").get("/moderation/").get_data(as_text=True)
    assert re.search(r'<mark class="flag flag-phone"[^>]*>07700 900123', queue)


def test_a_moderator_edits_a_reply_with_a_reason_and_the_revision_is_on_the_history_page(
        app, as_user, story, people, session):
    reply_id = reply_id_from(as_user("ward@example.org").post(f"/stories/{story.id}/replies", data={"body": NHS_REPLY}))
    mod = as_user("mod@example.org")
    version = session.get(Reply, reply_id).version
    refused = mod.post(f"/moderation/replies/{reply_id}/revise",
                       data={"version": version, "body": "Please call us so we can look into this.", "reason": ""})
    assert refused.status_code == 400 and "Give a reason" in refused.get_data(as_text=True)
    assert mod.post(f"/moderation/replies/{reply_id}/revise", data={
        "version": version, "body": "Please call us so we can look into this.",
        "reason": "Removed an NHS number"}).status_code == 302
    session.expire_all()
    reply = session.get(Reply, reply_id)
    assert reply.body == "Please call us so we can look into this." and reply.flags == []
    revision = session.scalar(select(ReplyRevision))
    assert revision.body_before == NHS_REPLY and revision.reason == "Removed an NHS number"
    history = mod.get(f"/moderation/stories/{story.id}/history").get_data(as_text=True)
    assert "Removed an NHS number" in history and "reply.revised" in history and "943 476 5919" in history
    assert mod.post(f"/moderation/replies/{reply_id}/publish").status_code == 302
    page = public_page(app, story.id)
    assert "Please call us so we can look into this." in page and "943 476 5919" not in page


def test_a_moderator_edits_a_published_answer(app, as_user, story, people, session):
    from app.extensions import utcnow

    answer = Reply(story_id=story.id, author_id=people["author"].id, kind="author", status=VISIBLE,
                   body="Nurse Jane Smith was lovely to my mum.", published_at=utcnow(), flags=["name"])
    session.add(answer)
    session.commit()
    mod = as_user("mod@example.org")
    assert mod.post(f"/moderation/replies/{answer.id}/revise", data={
        "version": answer.version, "body": "A nurse was lovely to my mum.", "reason": "Removed a staff name"}
    ).status_code == 302
    page = public_page(app, story.id)
    assert "A nurse was lovely to my mum." in page and "Jane Smith" not in page
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "answer.revised")).reason \
        == "Removed a staff name"


def test_a_responder_removed_from_the_staff_can_no_longer_edit_their_reply(as_user, story, people, session):
    from app.accounts.models import Membership

    trust(session, people["ward"], story)
    reply_id = reply_id_from(as_user("ward@example.org").post(f"/stories/{story.id}/replies", data={"body": CLEAN}))
    staff = as_user("ward@example.org")
    assert staff.get(f"/replies/{reply_id}/edit").status_code == 200
    session.delete(session.scalar(select(Membership).where(Membership.user_id == people["ward"].id)))
    session.commit()
    assert staff.get(f"/replies/{reply_id}/edit").status_code == 403
    assert staff.post(f"/replies/{reply_id}/edit", data={"body": "Rewritten after leaving"}).status_code == 403
    session.expire_all()
    assert session.get(Reply, reply_id).body == CLEAN


def test_a_responder_cannot_edit_a_reply_a_moderator_hid(as_user, story, people, session):
    trust(session, people["ward"], story)
    staff = as_user("ward@example.org")
    reply_id = reply_id_from(staff.post(f"/stories/{story.id}/replies", data={"body": CLEAN}))
    assert as_user("mod@example.org").post(f"/moderation/replies/{reply_id}/hide",
                                           data={"reason": "Off topic"}).status_code == 302
    assert staff.get(f"/replies/{reply_id}/edit").status_code == 403
    assert staff.post(f"/replies/{reply_id}/edit", data={"body": "Sneaking it back in"}).status_code == 403
    session.expire_all()
    reply = session.get(Reply, reply_id)
    assert reply.status == HIDDEN and reply.body == CLEAN


def test_an_edit_that_adds_personal_data_sends_a_public_reply_back_to_the_moderator(app, as_user, story, people,
                                                                                   session):
    trust(session, people["ward"], story)
    staff = as_user("ward@example.org")
    reply_id = reply_id_from(staff.post(f"/stories/{story.id}/replies", data={"body": CLEAN}))
    assert session.get(Reply, reply_id).status == VISIBLE
    assert staff.post(f"/replies/{reply_id}/edit", data={"body": NHS_REPLY}).status_code == 302
    session.expire_all()
    assert session.get(Reply, reply_id).status == AWAITING_MODERATION
    page = public_page(app, story.id)
    assert "943 476 5919" not in page and CLEAN not in page


def test_a_turned_down_reply_stays_out_and_its_writer_sees_why(app, as_user, story, people, session):
    reply_id = reply_id_from(as_user("ward@example.org").post(f"/stories/{story.id}/replies", data={"body": NHS_REPLY}))
    mod = as_user("mod@example.org")
    assert mod.post(f"/moderation/replies/{reply_id}/reject", data={"reason": ""}).status_code == 400
    assert mod.post(f"/moderation/replies/{reply_id}/reject",
                    data={"reason": "Holds a patient's NHS number"}).status_code == 302
    session.expire_all()
    assert session.get(Reply, reply_id).status == REJECTED
    assert "943 476 5919" not in public_page(app, story.id)
    own = as_user("ward@example.org").get(f"/stories/{story.id}").get_data(as_text=True)
    assert "Holds a patient&#39;s NHS number" in own or "Holds a patient's NHS number" in own


def test_a_second_moderator_publishing_the_same_reply_gets_the_it_changed_page(as_user, story, people, session):
    reply_id = reply_id_from(as_user("ward@example.org").post(f"/stories/{story.id}/replies", data={"body": CLEAN}))
    version = session.get(Reply, reply_id).version
    first, second = as_user("mod@example.org"), as_user("mod@example.org")
    assert first.post(f"/moderation/replies/{reply_id}/publish", data={"version": version}).status_code == 302
    response = second.post(f"/moderation/replies/{reply_id}/publish", data={"version": version})
    assert response.status_code == 409
    assert "changed this reply since you opened it" in response.get_data(as_text=True)


def test_a_change_made_before_the_story_happened_is_refused(as_user, story, people, session):
    staff = as_user("ward@example.org")
    response = staff.post(f"/stories/{story.id}/changes", data={
        "kind": "made", "description": "The appointment letters were rewritten.", "made_on": "2025-02-28"})
    assert response.status_code == 400
    assert "before the story happened" in response.get_data(as_text=True)
    assert "March 2025" in response.get_data(as_text=True)
    assert session.scalar(select(Change)) is None
    # The first day of the story's month is fine.
    assert staff.post(f"/stories/{story.id}/changes", data={
        "kind": "made", "description": "The appointment letters were rewritten.", "made_on": "2025-03-01"}
    ).status_code == 302
