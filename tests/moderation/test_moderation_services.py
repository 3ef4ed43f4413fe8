"""The moderation services called directly, without HTTP: claims and the story actions, reports, the queue, the
conversation's replies (conversation.py) and the fixes (fixing.py), with the audit events and outbox rows each
writes in the caller's transaction."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from app.errors import Conflict, Invalid, commit_or_conflict
from app.extensions import db, utcnow
from app.moderation import conversation, fixing, services
from app.moderation.models import ReplyRevision, Report, StoryRevision
from app.moderation.services import Publication, QueueFilters
from app.replies.models import AUTHOR_ANSWER, AWAITING_MODERATION, HIDDEN, REJECTED, VISIBLE, Change, Reply
from app.stories.models import AWAITING_CONFIRMATION, PENDING, PUBLISHED, RETURNED, WITHDRAWN, Story
from app.stories.models import HIDDEN as STORY_HIDDEN
from app.stories.models import REJECTED as STORY_REJECTED
from tests.conftest import audit_actions, last_audit, outbox

EDITED_BODY = ("The nurses on the ward were kind and explained everything about the operation. The food was cold "
               "most days.")


def publication(story: Story, **fields) -> Publication:
    """The publish form as a moderator sends it when changing nothing but the rating."""
    values = {"criticality": 2, "tags": ["good-kindness"], "title": story.title, "body": story.body}
    values.update(fields)
    return Publication(**values)


def add_reply(session, story, body="Thank you for telling us. We are looking into it.", status=VISIBLE,
              kind="staff", author=None, minutes_ago=0) -> Reply:
    at = utcnow() - timedelta(minutes=minutes_ago)
    reply = Reply(story_id=story.id, kind=kind, provider_id=story.provider_id if kind == "staff" else None,
                  author_id=author.id if author is not None else None, responder_name="Sam Staff", body=body,
                  status=status, created_at=at, published_at=at if status == VISIBLE else None, flags=[])
    session.add(reply)
    session.commit()
    return reply


@pytest.fixture
def staff(make_user, tree):
    """Someone on the ward's staff, alerted at once of each story published there."""
    return make_user(email="staff@example.org", provider=tree["ward"], display_name="Sam Staff")


# ---------------------------------------------------------------- claims

def test_a_claim_lasts_fifteen_minutes_and_does_not_move_the_version(session, tree, make_story, moderator, clock):
    story = make_story(tree["ward"])
    services.claim(session, moderator, story)
    assert story.claimed_by_id == moderator.id
    assert story.claimed_until == clock.now() + timedelta(minutes=services.CLAIM_MINUTES)
    assert story.version == 1 and services.active_claim(story) == moderator
    clock.advance(minutes=services.CLAIM_MINUTES, seconds=1)
    assert services.active_claim(story) is None


def test_another_moderators_claim_stands_until_it_lapses(session, tree, make_story, moderator, make_user, clock):
    story = make_story(tree["ward"])
    other = make_user(email="other-mod@example.org", moderator=True, display_name="Other Mod")
    services.claim(session, moderator, story)
    with pytest.raises(Conflict, match="Mo Derator is already looking"):
        services.claim(session, other, story)
    services.claim(session, moderator, story)  # one's own claim is renewed
    clock.advance(minutes=16)
    services.claim(session, other, story)
    assert story.claimed_by_id == other.id


# ---------------------------------------------------------------- publish, reject, send back

def test_publishing_rates_tags_and_dates_the_story_and_tells_author_and_staff(session, tree, make_story, moderator,
                                                                              staff, clock):
    story = make_story(tree["ward"], status=PENDING)
    services.claim(session, moderator, story)
    clock.advance(minutes=3)
    services.publish(session, moderator, story, story.version, publication(story, criticality=4,
                                                                             tags=["improve-food", "good-kindness"]))
    assert story.status == PUBLISHED and story.criticality == 4 and story.published_at == clock.now()
    assert sorted(t.slug for t in story.tags) == ["good-kindness", "improve-food"]
    assert story.claimed_by_id is None and story.claimed_until is None
    event = last_audit(session, "story.published")
    assert event.actor_id == moderator.id and event.before["status"] == PENDING
    assert event.after["tags"] == ["good-kindness", "improve-food"] and event.after["criticality"] == 4
    assert [(m.kind, m.to_addr) for m in outbox(session)] == [
        ("story.story_published", story.author.email), ("alert.story", "staff@example.org")]
    assert session.scalar(select(func.count(StoryRevision.id))) == 0  # nothing edited, no revision


def test_an_edit_at_publication_needs_a_reason_and_keeps_a_revision(session, tree, make_story, moderator):
    story = make_story(tree["ward"], status=PENDING, body=EDITED_BODY + " Nurse Jones was rude to me.")
    original = story.body
    with pytest.raises(Invalid) as caught:
        services.publish(session, moderator, story, story.version, publication(story, body=EDITED_BODY))
    assert set(caught.value.errors) == {"edit_reason"} and story.status == PENDING
    services.publish(session, moderator, story, story.version,
                     publication(story, body=EDITED_BODY, edit_reason="removed a staff name"))
    revision = session.scalar(select(StoryRevision).where(StoryRevision.story_id == story.id))
    assert (revision.body_before, revision.body_after, revision.reason) == (original, EDITED_BODY,
                                                                           "removed a staff name")
    assert "name" not in story.flags
    assert last_audit(session, "story.published").reason == "removed a staff name"


def test_publishing_refuses_a_bad_rating_unknown_tags_and_short_text_all_at_once(session, tree, make_story,
                                                                                moderator):
    story = make_story(tree["ward"], status=PENDING)
    with pytest.raises(Invalid) as caught:
        services.publish(session, moderator, story, story.version, publication(
            story, criticality=None, tags=["no-such-tag"], title="\u200b\u200b", body="Too short."))
    assert set(caught.value.errors) == {"criticality", "tags", "title", "body", "edit_reason"}
    assert story.status == PENDING and audit_actions(session) == [] and outbox(session) == []


def test_a_story_is_published_once(session, tree, make_story, moderator, staff):
    story = make_story(tree["ward"], status=PENDING)
    services.publish(session, moderator, story, story.version, publication(story))
    session.commit()
    with pytest.raises(Conflict, match="published; it cannot be published"):
        services.publish(session, moderator, story, story.version, publication(story))
    assert audit_actions(session, story) == ["story.published"]
    assert len(outbox(session, kind="alert.story")) == 1


@pytest.mark.parametrize("status", [AWAITING_CONFIRMATION, WITHDRAWN, STORY_REJECTED, STORY_HIDDEN])
def test_only_a_queued_story_can_be_published_or_rejected(session, tree, make_story, moderator, status):
    story = make_story(tree["ward"], status=status)
    with pytest.raises(Conflict):
        services.publish(session, moderator, story, story.version, publication(story))
    with pytest.raises(Conflict):
        services.reject(session, moderator, story, story.version, "spam", "")
    assert story.status == status


def test_a_moderator_acting_on_an_old_version_overwrites_nothing(session, tree, make_story, moderator):
    story = make_story(tree["ward"], status=PENDING)
    old = story.version
    services.send_back(session, moderator, story, old, "Please take out the name.")
    session.commit()
    for act in (lambda: services.publish(session, moderator, story, old, publication(story)),
                lambda: services.reject(session, moderator, story, old, "spam", ""),
                lambda: services.hide(session, moderator, story, old, "reason")):
        with pytest.raises(Conflict, match="changed this story since you opened it"):
            act()
    assert story.status == RETURNED


def test_publishing_for_an_author_whose_address_is_unproven_mails_nobody_but_staff(session, tree, make_story,
                                                                                 make_user, moderator, staff):
    author = make_user(email="unproven@example.org", confirmed=False)
    story = make_story(tree["ward"], author=author, status=PENDING)
    services.publish(session, moderator, story, story.version, publication(story))
    assert [m.to_addr for m in outbox(session)] == ["staff@example.org"]


def test_rejecting_needs_a_known_reason_and_a_note_for_other(session, tree, make_story, moderator):
    story = make_story(tree["ward"], status=PENDING)
    with pytest.raises(Invalid) as caught:
        services.reject(session, moderator, story, story.version, "boring", "")
    assert caught.value.field == "reason_code"
    with pytest.raises(Invalid) as caught:
        services.reject(session, moderator, story, story.version, "other", "  \u200b ")
    assert caught.value.field == "note"
    assert story.status == PENDING and audit_actions(session) == []


def test_a_rejection_is_audited_and_mailed_with_the_signposting(app, session, tree, make_story, moderator):
    story = make_story(tree["ward"], status=PENDING)
    services.reject(session, moderator, story, story.version, "duplicate", "Told twice.")
    assert story.status == STORY_REJECTED
    event = last_audit(session, "story.rejected")
    assert event.reason == "It repeats a story already told. Told twice."
    assert event.after == {"status": STORY_REJECTED, "reason_code": "duplicate"}
    [mail] = outbox(session, kind="story.story_rejected")
    assert "Told twice." in mail.body_text and "call 999" in mail.body_text
    assert "Ward One's Patient Advice" in mail.body_text


def test_sending_back_keeps_the_note_for_the_author(session, tree, make_story, moderator):
    story = make_story(tree["ward"], status=PENDING)
    with pytest.raises(Invalid):
        services.send_back(session, moderator, story, story.version, "")
    services.send_back(session, moderator, story, story.version, "Please take out the nurse's name.")
    assert story.status == RETURNED and story.moderator_note == "Please take out the nurse's name."
    assert last_audit(session, "story.returned").reason == "Please take out the nurse's name."
    [mail] = outbox(session, kind="story.story_returned")
    assert "Please take out the nurse's name." in mail.body_text
    with pytest.raises(Conflict):  # only a pending story goes back
        services.send_back(session, moderator, story, story.version, "Again.")


# ---------------------------------------------------------------- hide and restore, reports

def test_hiding_and_restoring_a_published_story(session, tree, make_story, moderator):
    story = make_story(tree["ward"], status=PUBLISHED)
    with pytest.raises(Invalid):
        services.hide(session, moderator, story, story.version, "")
    with pytest.raises(Conflict):
        services.restore(session, moderator, story, story.version, "Nothing to restore.")
    services.hide(session, moderator, story, story.version, "It names a patient.")
    assert story.status == STORY_HIDDEN
    assert [m.kind for m in outbox(session)] == ["story.story_hidden"]
    services.restore(session, moderator, story, story.version, "The name was a pet's.")
    assert story.status == PUBLISHED
    assert audit_actions(session, story) == ["story.hidden", "story.restored"]
    with pytest.raises(Conflict):
        services.hide(session, moderator, make_story(tree["ward"], status=PENDING), 1, "Not public.")


def test_a_report_is_kept_without_the_reporters_address(app, session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    item = services.report(session, story, "identifies", "  It names\u202e my neighbour. ", None,
                           address="203.0.113.7")
    assert item.reason == "identifies" and item.note == "It names my neighbour."
    assert item.reporter_key.startswith("addr:") and "203.0.113" not in item.reporter_key
    assert item.reporter_key == services.reporter_key(None, "203.0.113.7")  # the same visitor, the same key
    assert item.reporter_key != services.reporter_key(None, "203.0.113.8")
    assert last_audit(session, "story.reported").reason == "It could identify someone. It names my neighbour."
    assert story.status == PUBLISHED


def test_only_a_published_story_or_its_visible_reply_can_be_reported(session, tree, make_story):
    pending = make_story(tree["ward"], status=PENDING)
    with pytest.raises(Invalid):
        services.report(session, pending, "spam", "", None, address="203.0.113.7")
    story = make_story(tree["ward"], status=PUBLISHED)
    with pytest.raises(Invalid) as caught:
        services.report(session, story, "because", "", None, address="203.0.113.7")
    assert caught.value.field == "reason"
    waiting = add_reply(session, story, status=AWAITING_MODERATION)
    elsewhere = add_reply(session, make_story(tree["ward"], status=PUBLISHED))
    for reply in (waiting, elsewhere):
        with pytest.raises(Invalid, match="cannot be reported"):
            services.report(session, story, "spam", "", None, reply=reply, address="203.0.113.7")
    assert session.scalar(select(func.count(Report.id))) == 0


def test_enough_different_reporters_hide_a_story_until_a_moderator_looks(app, session, tree, make_story,
                                                                         make_user, moderator):
    story = make_story(tree["ward"], status=PUBLISHED)
    assert app.config["REPORTS_TO_HIDE"] == 3
    for _ in range(3):  # one visitor again and again counts once
        services.report(session, story, "spam", "", None, address="198.51.100.1")
    services.report(session, story, "spam", "", make_user(email="signed@example.org"), address="198.51.100.1")
    assert story.status == PUBLISHED
    services.report(session, story, "offensive", "", None, address="198.51.100.2")
    assert story.status == STORY_HIDDEN and services.hidden_by_reports(session, story)
    assert last_audit(session, "story.hidden_by_reports").reason.startswith("Reported by 3 different visitors")
    # A moderator who keeps it hidden closes its reports.
    services.hide(session, moderator, story, story.version, "Spam indeed.")
    assert not services.hidden_by_reports(session, story)
    assert session.scalar(select(func.count(Report.id)).where(Report.resolved_at.is_(None))) == 0
    assert set(session.scalars(select(Report.resolution))) == {"hidden"}


def test_a_report_closed_stays_closed(session, tree, make_story, moderator, clock):
    story = make_story(tree["ward"], status=PUBLISHED)
    item = services.report(session, story, "untrue", "", None, address="198.51.100.9")
    services.resolve_report(session, moderator, item, "restored")
    resolved_at = item.resolved_at
    clock.advance(hours=1)
    services.resolve_report(session, moderator, item, "hidden")
    assert (item.resolution, item.resolved_at) == ("restored", resolved_at)
    assert audit_actions(session, story).count("report.resolved") == 1


def test_enough_reporters_of_a_reply_hide_the_reply_not_the_story(session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    reply = add_reply(session, story)
    story.response_status = "responded"
    session.commit()
    for n in range(3):
        services.report(session, story, "offensive", "", None, reply=reply, address=f"192.0.2.{n}")
    assert reply.status == HIDDEN and story.status == PUBLISHED
    assert story.response_status == "awaiting_response"  # its only reply left the conversation
    assert audit_actions(session, story)[-1] == "reply.hidden_by_reports"


def test_a_threshold_of_nought_never_hides(app, session, tree, make_story):
    app.config["REPORTS_TO_HIDE"] = 0
    story = make_story(tree["ward"], status=PUBLISHED)
    for n in range(5):
        services.report(session, story, "spam", "", None, address=f"192.0.2.{n}")
    assert story.status == PUBLISHED


# ---------------------------------------------------------------- the queue

def test_the_queue_splits_safeguarding_and_filters_by_place_flag_and_wait(session, tree, make_story, clock):
    harm = make_story(tree["ward"], status=PENDING, flags=["safeguarding"])
    ward = make_story(tree["ward"], status=PENDING, flags=["email"])
    clock.advance(hours=5)
    practice = make_story(tree["other"], status=PENDING)
    make_story(tree["ward"], status=PUBLISHED)

    def ids(filters=QueueFilters(), safeguarding=None):
        return {s.id for s in session.scalars(services.queue_query(filters, safeguarding))}

    assert ids() == {harm.id, ward.id, practice.id}
    assert ids(safeguarding=True) == {harm.id} and ids(safeguarding=False) == {ward.id, practice.id}
    assert ids(QueueFilters(provider=tree["trust"])) == {harm.id, ward.id}  # the trust's subtree
    assert ids(QueueFilters(flag="email")) == {ward.id}
    assert ids(QueueFilters(flag="not-a-flag")) == {harm.id, ward.id, practice.id}
    assert ids(QueueFilters(waiting_hours=4)) == {harm.id, ward.id}


def test_queue_counts(session, tree, make_story):
    make_story(tree["ward"], status=PENDING, flags=["phone", "name"])
    make_story(tree["ward"], status=PENDING, flags=["phone"])
    make_story(tree["ward"], status=RETURNED, flags=["phone"])
    make_story(tree["ward"], status=AWAITING_CONFIRMATION)
    published = make_story(tree["ward"], status=PUBLISHED)
    services.report(session, published, "spam", "", None, address="192.0.2.1")
    counts = services.queue_counts(session)
    assert (counts[PENDING], counts[RETURNED], counts[AWAITING_CONFIRMATION], counts["reports"]) == (2, 1, 1, 1)
    assert (counts["flag:phone"], counts["flag:name"], counts["flag:email"]) == (2, 1, 0)


def test_a_change_committed_by_someone_else_meanwhile_is_a_conflict(session, tree, make_story, moderator):
    story = make_story(tree["ward"], status=PUBLISHED)
    with db.engine.begin() as other:  # another moderator's request, on its own connection
        other.execute(update(Story).where(Story.id == story.id).values(version=Story.version + 1))
    story.title = "Changed here too"
    with pytest.raises(Conflict, match="at the same moment"):
        commit_or_conflict(session)
    assert session.scalar(select(Story.title).where(Story.id == story.id)) != "Changed here too"
    assert session.execute(text("SELECT 1")).scalar() == 1  # the session was rolled back and is usable


# ---------------------------------------------------------------- the conversation

def test_publishing_a_waiting_reply_makes_it_public_and_tells_the_author_once(session, tree, make_story, moderator,
                                                                            clock):
    story = make_story(tree["ward"], status=PUBLISHED)
    reply = add_reply(session, story, status=AWAITING_MODERATION)
    clock.advance(minutes=10)
    conversation.publish(session, moderator, reply, reply.version)
    assert reply.status == VISIBLE and reply.published_at == clock.now()
    assert story.response_status == "responded" and story.first_reply_at == clock.now()
    assert last_audit(session, "reply.published").after == {"reply": reply.id, "status": VISIBLE}
    assert [m.kind for m in outbox(session)] == ["story.update"]
    with pytest.raises(Conflict, match="already dealt with"):
        conversation.publish(session, moderator, reply)
    with pytest.raises(Conflict):
        conversation.reject(session, moderator, reply, "Too late.")


def test_an_answer_published_alerts_the_responders_who_replied(session, tree, make_story, moderator, staff):
    story = make_story(tree["ward"], status=PUBLISHED)
    add_reply(session, story, author=staff)
    answer = add_reply(session, story, body="Thank you for the reply.", status=AWAITING_MODERATION,
                       kind=AUTHOR_ANSWER, author=story.author)
    conversation.publish(session, moderator, answer)
    assert [(m.kind, m.to_addr) for m in outbox(session)] == [("answer.alert", "staff@example.org")]
    assert audit_actions(session, story) == ["answer.published"]


def test_turning_a_reply_down_needs_a_reason_and_keeps_it(session, tree, make_story, moderator):
    story = make_story(tree["ward"], status=PUBLISHED)
    reply = add_reply(session, story, status=AWAITING_MODERATION)
    with pytest.raises(Invalid):
        conversation.reject(session, moderator, reply, "\u200b")
    with pytest.raises(Conflict, match="changed this reply"):
        conversation.reject(session, moderator, reply, "Names a patient.", expected_version=reply.version + 1)
    conversation.reject(session, moderator, reply, "Names a patient.")
    assert reply.status == REJECTED and reply.hidden_reason == "Names a patient."
    assert outbox(session) == []
    with pytest.raises(Conflict, match="turned down; there is nothing to edit"):
        conversation.revise(session, moderator, reply, "Something else entirely.", "Because.")


def test_hiding_and_restoring_a_reply_moves_the_storys_response_and_closes_its_reports(session, tree, make_story,
                                                                                      moderator):
    story = make_story(tree["ward"], status=PUBLISHED)
    reply = add_reply(session, story)
    change = Change(story_id=story.id, provider_id=story.provider_id, kind="planned", status=VISIBLE,
                    description="We will write clearer letters.")
    session.add(change)
    session.commit()
    item = services.report(session, story, "offensive", "", None, reply=reply, address="192.0.2.1")
    conversation.hide(session, moderator, reply, "Rude.")
    assert reply.status == HIDDEN and item.resolution == "hidden"
    assert story.response_status == "change_planned" and story.first_reply_at is None
    conversation.hide(session, moderator, change, "Not a change.")
    assert story.response_status == "awaiting_response"
    conversation.restore(session, moderator, reply, "It was polite after all.")
    assert reply.status == VISIBLE and reply.hidden_reason is None and story.response_status == "responded"
    assert audit_actions(session, story)[-3:] == ["reply.hidden", "change.hidden", "reply.restored"]
    with pytest.raises(Conflict, match="Only a hidden reply"):
        conversation.restore(session, moderator, reply, "Again.")


def test_a_moderators_edit_of_a_reply_is_a_revision_and_rechecks_its_flags(session, tree, make_story, moderator,
                                                                         clock):
    story = make_story(tree["ward"], status=PUBLISHED)
    reply = add_reply(session, story, body="Call me on 07700 900123 about it.")
    with pytest.raises(Invalid, match="unchanged"):
        conversation.revise(session, moderator, reply, " Call me on 07700 900123 about it. ", "No change.")
    with pytest.raises(Invalid):
        conversation.revise(session, moderator, reply, "x", "Too short.")
    with pytest.raises(Invalid):
        conversation.revise(session, moderator, reply, "Call the ward about it.", "")
    clock.advance(minutes=1)
    conversation.revise(session, moderator, reply, "Call the ward about it.", "Took out a phone number.")
    assert reply.body == "Call the ward about it." and reply.edited_at == clock.now() and reply.flags == []
    revision = session.scalar(select(ReplyRevision))
    assert (revision.reply_id, revision.body_before, revision.reason) == (
        reply.id, "Call me on 07700 900123 about it.", "Took out a phone number.")
    assert story.updated_at == clock.now()  # the public conversation changed


def test_waiting_items_put_possible_harm_first_then_the_oldest(session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    old = add_reply(session, story, status=AWAITING_MODERATION, minutes_ago=30)
    new = add_reply(session, story, status=AWAITING_MODERATION, minutes_ago=5)
    harm = add_reply(session, story, status=AWAITING_MODERATION, minutes_ago=1)
    harm.flags = ["safeguarding"]
    add_reply(session, story, minutes_ago=60)  # public already
    change = Change(story_id=story.id, provider_id=story.provider_id, kind="planned", status=AWAITING_MODERATION,
                    description="New signs at the door.")
    session.add(change)
    session.commit()
    waiting = conversation.waiting(session)
    assert waiting[:3] == [harm, old, new] and waiting[3] is change and len(waiting) == 4
    assert conversation.waiting(session, limit=3) == [harm, old, new]


def test_a_short_waiting_list_still_starts_with_possible_harm(session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    old = add_reply(session, story, status=AWAITING_MODERATION, minutes_ago=30)
    add_reply(session, story, status=AWAITING_MODERATION, minutes_ago=5)
    harm = add_reply(session, story, status=AWAITING_MODERATION, minutes_ago=1)
    harm.flags = ["safeguarding"]
    session.commit()
    assert conversation.waiting(session, limit=2) == [harm, old]


# ---------------------------------------------------------------- moving and correcting

def test_a_move_checks_the_new_service(session, tree, make_story, make_provider, moderator):
    story = make_story(tree["ward"], status=PENDING)
    closed = make_provider(code="X1", name="Closed Clinic", active=False)
    for provider, message in ((None, "No service"), (closed, "Closed Clinic no longer takes stories"),
                              (tree["ward"], "already about that service")):
        with pytest.raises(Invalid, match=message):
            fixing.move(session, moderator, story, story.version, provider, "Wrong place.")
    with pytest.raises(Invalid):
        fixing.move(session, moderator, story, story.version, tree["other"], "")
    withdrawn = make_story(tree["ward"], status=WITHDRAWN)
    with pytest.raises(Conflict):
        fixing.move(session, moderator, withdrawn, withdrawn.version, tree["other"], "Wrong place.")
    assert story.provider_id == tree["ward"].id and audit_actions(session) == []


def test_moving_a_published_story_alerts_only_the_new_services_staff(session, tree, make_story, make_user,
                                                                     moderator):
    make_user(email="ward@example.org", provider=tree["ward"])
    make_user(email="trust@example.org", provider=tree["trust"])
    make_user(email="practice@example.org", provider=tree["other"])
    story = make_story(tree["ward"], status=PUBLISHED)
    fixing.move(session, moderator, story, story.version, tree["hospital"], "It was the outpatients.")
    assert story.provider_id == tree["hospital"].id
    event = last_audit(session, "story.moved")
    assert (event.before["provider"], event.after["provider"]) == ("W1", "H1")
    assert outbox(session) == []  # the trust's staff heard of it already; nobody works at the hospital itself
    fixing.move(session, moderator, story, story.version, tree["other"], "It was the practice.")
    assert [m.to_addr for m in outbox(session)] == ["practice@example.org"]


def test_a_correction_keeps_the_story_published_closes_reports_and_tells_the_author(session, tree, make_story,
                                                                                  moderator):
    story = make_story(tree["ward"], status=PUBLISHED, body=EDITED_BODY + " Nurse Jones was rude.")
    item = services.report(session, story, "identifies", "", None, address="192.0.2.1")
    with pytest.raises(Invalid) as caught:
        fixing.correct(session, moderator, story, story.version, story.title, story.body, "")
    assert set(caught.value.errors) == {"body", "reason"}
    fixing.correct(session, moderator, story, story.version, story.title, EDITED_BODY, "Took out a name.")
    assert story.status == PUBLISHED and story.body == EDITED_BODY and item.resolution == "corrected"
    assert session.scalar(select(StoryRevision.reason)) == "Took out a name."
    assert [m.kind for m in outbox(session)] == ["story.story_corrected"]
    pending = make_story(tree["ward"], status=PENDING)
    with pytest.raises(Conflict):
        fixing.correct(session, moderator, pending, pending.version, "A title", EDITED_BODY, "Why not.")


def test_a_safeguarding_concern_is_audited_and_mailed_only_when_an_address_is_set(app, session, tree, make_story,
                                                                                moderator):
    story = make_story(tree["ward"], status=PENDING)
    with pytest.raises(Invalid):
        fixing.raise_safeguarding(session, moderator, story, " ")
    fixing.raise_safeguarding(session, moderator, story, "Mentions a child at risk.")
    assert last_audit(session, "safeguarding.raised").after == {"emailed": False}
    assert outbox(session) == []
    app.config["SAFEGUARDING_EMAIL"] = "safeguarding@example.org"
    fixing.raise_safeguarding(session, moderator, story, "Still worried.")
    assert last_audit(session, "safeguarding.raised").after == {"emailed": True}
    [mail] = outbox(session, to="safeguarding@example.org")
    assert mail.subject == f"Safeguarding concern raised: story {story.id}" and "Still worried." in mail.body_text
