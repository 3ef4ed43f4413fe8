"""The reply services called directly, without HTTP: staff replies and changes, their edits, the author's answers,
the story's derived response, and the alerts and digests (alerts.py), with the audit events and outbox rows each
writes in the caller's transaction."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from app.accounts.models import Invitation, Membership
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import utcnow
from app.replies import alerts, changes, links, services
from app.replies.models import (
    AUTHOR_ANSWER,
    AWAITING_MODERATION,
    HIDDEN,
    REPLY_EDIT_MINUTES,
    VISIBLE,
    Change,
    DigestItem,
    Reply,
)
from app.stories.models import PENDING, PUBLISHED, WITHDRAWN
from tests.conftest import audit_actions, last_audit, outbox, token_in

THANKS = "Thank you for telling us. We are looking into the letters."


@pytest.fixture
def people(make_user, tree):
    return {
        "ward": make_user(email="ward@example.org", provider=tree["ward"], job_title="Ward sister",
                          display_name="Sam Staff"),
        "trust": make_user(email="trust@example.org", provider=tree["trust"], job_title="Chief nurse",
                           display_name="Tia Trust"),
        "other": make_user(email="other@example.org", provider=tree["other"], display_name="Otto Other"),
        "author": make_user(email="author@example.org", display_name="Ann Author"),
    }


@pytest.fixture
def story(make_story, tree, people):
    return make_story(tree["ward"], author=people["author"], status=PUBLISHED, title="Letters were confusing")


@pytest.fixture
def trusted(app):
    """Every responder is trusted: nothing waits for a moderator unless its text is flagged."""
    app.config["RESPONDER_MODERATED_REPLIES"] = 0


def answer_token(story) -> str:
    return links.answer_link(story).rsplit("/answer/", 1)[1]


# ---------------------------------------------------------------- who speaks for a story

def test_staff_speak_through_the_membership_nearest_the_story(session, tree, story, people, make_user):
    both = make_user(email="both@example.org", provider=tree["trust"], job_title="Director")
    session.add(Membership(user_id=both.id, provider_id=tree["ward"].id, job_title="Matron"))
    session.commit()
    assert services.acting_membership(session, both, story).job_title == "Matron"
    assert services.acting_membership(session, people["trust"], story).provider_id == tree["trust"].id
    assert services.acting_membership(session, people["other"], story) is None
    assert services.acting_membership(session, AnonymousUserMixin(), story) is None


def test_only_staff_reply_and_only_to_a_published_story(session, tree, story, people, make_story):
    for who in (people["other"], people["author"]):
        with pytest.raises(NotAllowed):
            services.add_reply(session, who, story, THANKS)
    pending = make_story(tree["ward"], status=PENDING)
    with pytest.raises(Conflict, match="not published"):
        services.add_reply(session, people["ward"], pending, THANKS)
    with pytest.raises(Conflict):
        changes.add_change(session, people["ward"], pending, "planned", "We will write clearer letters.")
    assert session.scalar(select(func.count(Reply.id))) == 0 and audit_actions(session) == []


@pytest.mark.parametrize(("body", "message"), [
    ("", "Write your reply first."),
    ("\u200b\u200b\u202e", "Write your reply first."),
    ("<p></p>", "Write your reply first."),
    ("x" * 5001, "Keep it under 5,000 characters (it has 5,001)."),
])
def test_an_empty_or_overlong_reply_is_refused(session, story, people, body, message):
    with pytest.raises(Invalid) as caught:
        services.add_reply(session, people["ward"], story, body)
    assert caught.value.message == message and caught.value.field == "body"


# ---------------------------------------------------------------- a reply goes public or waits

def test_a_new_responders_reply_waits_and_tells_nobody(app, session, story, people):
    reply = services.add_reply(session, people["ward"], story, THANKS)
    assert reply.status == AWAITING_MODERATION and reply.published_at is None
    assert (reply.responder_name, reply.responder_title) == ("Sam Staff", "Ward sister")
    assert story.response_status == "awaiting_response" and outbox(session) == []
    assert last_audit(session, "reply.added").after["status"] == AWAITING_MODERATION
    assert services.waiting_for_writer(session, story, people["ward"]) == [reply]


def test_a_responder_is_trusted_after_the_set_number_of_public_replies(app, session, story, people):
    app.config["RESPONDER_MODERATED_REPLIES"] = 2
    for _ in range(2):
        services.add_reply(session, people["ward"], story, THANKS).status = VISIBLE
    assert services.published_contributions(session, people["ward"]) == 2
    assert services.add_reply(session, people["ward"], story, "A third, public at once.").status == VISIBLE


def test_a_trusted_reply_is_public_at_once_moves_the_story_and_mails_the_author(session, story, people, trusted,
                                                                                clock):
    clock.advance(hours=1)
    reply = services.add_reply(session, people["ward"], story, THANKS)
    assert reply.status == VISIBLE and reply.published_at == clock.now()
    assert story.response_status == "responded" and story.first_reply_at == clock.now()
    assert story.updated_at == clock.now()
    [mail] = outbox(session)
    assert (mail.kind, mail.to_addr, mail.subject) == ("story.update", "author@example.org",
                                                       "Ward One replied to your story")
    assert THANKS in mail.body_text and f"/stories/{story.id}/answer/" in mail.body_text
    assert audit_actions(session, story) == ["reply.added"]


def test_a_trusted_responders_flagged_reply_still_waits(session, story, people, trusted):
    reply = services.add_reply(session, people["ward"], story, "Ring me on 07700 900123 about it.")
    assert reply.status == AWAITING_MODERATION and reply.flags == ["phone"] and outbox(session) == []


def test_an_unconfirmed_author_is_never_mailed(session, tree, people, make_user, make_story, trusted):
    author = make_user(email="unproven@example.org", confirmed=False)
    story = make_story(tree["ward"], author=author, status=PUBLISHED)
    services.add_reply(session, people["ward"], story, THANKS)
    assert story.response_status == "responded" and outbox(session) == []


# ---------------------------------------------------------------- editing a reply

def test_the_writer_edits_for_thirty_minutes_and_not_a_second_more(session, story, people, trusted, clock):
    reply = services.add_reply(session, people["ward"], story, THANKS)
    clock.advance(minutes=REPLY_EDIT_MINUTES)
    services.edit_reply(session, people["ward"], reply, "Thank you. We have rewritten the letters.")
    assert reply.body == "Thank you. We have rewritten the letters." and reply.edited_at == clock.now()
    event = last_audit(session, "reply.edited")
    assert event.before == {"body": THANKS, "status": VISIBLE}
    clock.advance(seconds=1)
    with pytest.raises(Conflict, match="30 minutes"):
        services.edit_reply(session, people["ward"], reply, "Too late.")
    assert reply.body == "Thank you. We have rewritten the letters."


def test_nobody_else_edits_a_reply_nor_its_writer_once_off_the_staff_or_taken_down(session, story, people,
                                                                                  trusted):
    reply = services.add_reply(session, people["ward"], story, THANKS)
    for who in (people["trust"], people["author"], AnonymousUserMixin()):
        with pytest.raises(NotAllowed, match="Only the person who wrote"):
            services.check_can_edit(session, who, reply)
    reply.status = HIDDEN
    with pytest.raises(NotAllowed, match="took this reply down"):
        services.check_can_edit(session, people["ward"], reply)
    reply.status = VISIBLE
    session.delete(session.scalar(select(Membership).where(Membership.user_id == people["ward"].id)))
    session.flush()
    with pytest.raises(NotAllowed, match="no longer on the staff"):
        services.edit_reply(session, people["ward"], reply, "Edited.")


def test_an_edit_that_adds_personal_details_takes_a_public_reply_out_of_view(session, story, people, trusted):
    reply = services.add_reply(session, people["ward"], story, THANKS)
    services.edit_reply(session, people["ward"], reply, "Call Sister on 07700 900123.")
    assert reply.status == AWAITING_MODERATION and reply.published_at is None and reply.flags == ["phone"]
    assert story.response_status == "awaiting_response" and story.first_reply_at is None
    assert services.conversation(session, story) == []


# ---------------------------------------------------------------- changes

def test_a_change_made_needs_a_date_that_is_neither_ahead_nor_before_the_story(session, story, people, clock):
    clock.set(datetime(2026, 6, 15, 12, tzinfo=UTC))
    ward = people["ward"]
    cases = [(None, "Give the date"), (date(2026, 6, 16), "cannot be in the future"),
             (date(2024, 12, 31), "made before the story happened (in January 2025)")]
    for made_on, message in cases:
        with pytest.raises(Invalid, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
            changes.add_change(session, ward, story, "made", "New letters went out to everyone.", made_on)
        assert "made_on" in caught.value.errors
    with pytest.raises(Invalid) as caught:
        changes.add_change(session, ward, story, "someday", "New letters went out to everyone.")
    assert caught.value.field == "kind"
    with pytest.raises(Invalid) as caught:
        changes.add_change(session, ward, story, "planned", "  Soon\u200b. ", due_on=_due(), owner="Ward team")
    assert "description" in caught.value.errors
    change = changes.add_change(session, ward, story, "made", "New letters went out to everyone.",
                                 date(2026, 6, 15))
    assert change.made_on == date(2026, 6, 15) and change.reporter_title == "Ward sister"


def _due() -> date:
    """A planned change names a due date ahead of today."""
    return utcnow().date() + timedelta(days=30)


def test_changes_move_the_storys_response_planned_then_made(session, story, people, trusted):
    changes.add_change(session, people["ward"], story, "planned", "We will rewrite the letters.",
                        date(2025, 2, 1), due_on=_due(), owner="Ward team")
    assert story.response_status == "change_planned"
    planned = session.scalar(select(Change))
    assert planned.made_on is None  # a planned change carries no date, whatever was sent
    services.add_reply(session, people["ward"], story, THANKS)
    assert story.response_status == "change_planned"  # a change outranks a reply
    changes.add_change(session, people["trust"], story, "made", "The letters are rewritten.", date(2025, 3, 1))
    assert story.response_status == "change_made"
    assert [m.subject for m in outbox(session, kind="story.update")] == [
        "Ward One: change planned after your story", "Ward One replied to your story"]
    # A change made is told to the author by the one email that also asks them to check it.
    assert [m.subject for m in outbox(session, kind="change.check")] == [
        "Ward One: change made after your story. Does it match what you see?"]
    assert audit_actions(session, story) == ["change.planned", "reply.added", "change.made"]


def test_the_conversation_is_what_is_visible_in_time_order(session, story, people, trusted, clock):
    first = services.add_reply(session, people["ward"], story, THANKS)
    clock.advance(minutes=1)
    change = changes.add_change(session, people["ward"], story, "planned", "We will rewrite the letters.",
                                 due_on=_due(), owner="Ward team")
    clock.advance(minutes=1)
    waiting = services.add_reply(session, people["ward"], story, "Ring 07700 900123.")
    clock.advance(minutes=1)
    last = services.add_reply(session, people["trust"], story, "The trust will check every ward's letters.")
    assert services.conversation(session, story) == [first, change, last]
    assert services.waiting_for_writer(session, story, people["ward"]) == [waiting]
    assert services.waiting_for_writer(session, story, AnonymousUserMixin()) == []


# ---------------------------------------------------------------- the author's answers

def test_only_the_author_answers_and_only_a_published_story(session, tree, story, people, make_story):
    for who in (people["ward"], None):
        with pytest.raises(NotAllowed):
            services.add_answer(session, who, story, "Thank you.")
    pending = make_story(tree["ward"], author=people["author"], status=PENDING)
    with pytest.raises(Conflict):
        services.add_answer(session, people["author"], pending, "Thank you.")
    with pytest.raises(Invalid):
        services.add_answer(session, people["author"], story, " ")
    assert not services.has_pending_answer(session, story)


def test_an_answer_always_waits_for_a_moderator(session, story, people, trusted):
    answer = services.add_answer(session, people["author"], story, "Thank you, the new letter is clear.")
    assert answer.kind == AUTHOR_ANSWER and answer.status == AWAITING_MODERATION
    assert services.has_pending_answer(session, story) and services.pending_answers(session) == [answer]
    assert last_audit(session, "answer.added").after["reply"] == answer.id
    assert outbox(session) == [] and story.response_status == "awaiting_response"


def test_the_answer_link_stands_for_its_author_and_story_only(session, tree, story, people, make_story):
    token = answer_token(story)
    assert services.author_from_link(session, story, token) == people["author"]
    other = make_story(tree["ward"], author=people["author"], status=PUBLISHED)
    with pytest.raises(Invalid):
        services.author_from_link(session, other, token)
    people["author"].session_version += 1  # the account's sessions ended: so did its links
    with pytest.raises(Invalid):
        services.author_from_link(session, story, token)


def test_the_answer_link_dies_with_the_storys_publication_and_with_age(app, session, story, people, clock):
    token = answer_token(story)
    story.status = WITHDRAWN
    with pytest.raises(Invalid, match="no longer published"):
        services.author_from_link(session, story, token)
    story.status = PUBLISHED
    clock.advance(seconds=app.config["TOKEN_MAX_AGE_ANSWER"] + 1)
    with pytest.raises(Invalid, match="expired"):
        services.author_from_link(session, story, token)


# ---------------------------------------------------------------- alerts and digests

def test_publication_alerts_each_person_once_by_their_own_settings(app, session, tree, make_user, make_story,
                                                                   clock):
    clock.set(datetime(2026, 6, 10, 9, tzinfo=UTC))  # a Wednesday, after the digest hour (7)
    at_once = make_user(email="now@example.org", provider=tree["ward"])
    daily = make_user(email="daily@example.org", provider=tree["hospital"])
    weekly = make_user(email="weekly@example.org", provider=tree["trust"])
    quiet = make_user(email="quiet@example.org", provider=tree["ward"])
    picky = make_user(email="picky@example.org", provider=tree["ward"])
    make_user(email="elsewhere@example.org", provider=tree["other"])
    make_user(email="unproven@example.org", provider=tree["ward"], confirmed=False)
    session.add(Membership(user_id=at_once.id, provider_id=tree["trust"].id))  # on two levels: alerted once
    for user, frequency, minimum in ((daily, "daily", 0), (weekly, "weekly", 0), (quiet, "none", 0),
                                     (picky, "immediate", 4)):
        user.memberships[0].alert_frequency, user.memberships[0].alert_min_criticality = frequency, minimum
    session.commit()
    story = make_story(tree["ward"], status=PUBLISHED, criticality=3)
    assert alerts.story_published(session, story) == 3
    assert [(m.kind, m.to_addr) for m in outbox(session)] == [("alert.story", "now@example.org")]
    assert outbox(session)[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    due = {item.membership.user.email: item.due_at for item in session.scalars(select(DigestItem))}
    assert due == {"daily@example.org": datetime(2026, 6, 11, 7, tzinfo=UTC),
                   "weekly@example.org": datetime(2026, 6, 15, 7, tzinfo=UTC)}


@pytest.mark.parametrize(("frequency", "after", "expected"), [
    ("daily", datetime(2026, 6, 10, 6, 59, tzinfo=UTC), datetime(2026, 6, 10, 7, tzinfo=UTC)),
    ("daily", datetime(2026, 6, 10, 7, tzinfo=UTC), datetime(2026, 6, 11, 7, tzinfo=UTC)),
    ("weekly", datetime(2026, 6, 15, 6, tzinfo=UTC), datetime(2026, 6, 15, 7, tzinfo=UTC)),  # a Monday
    ("weekly", datetime(2026, 6, 15, 8, tzinfo=UTC), datetime(2026, 6, 22, 7, tzinfo=UTC)),
    ("weekly", datetime(2026, 12, 31, 23, tzinfo=UTC), datetime(2027, 1, 4, 7, tzinfo=UTC)),
])
def test_the_next_digest_is_at_the_hour_and_a_weekly_one_on_a_monday(frequency, after, expected):
    assert alerts.next_digest_time(frequency, after, 7) == expected


def test_a_due_digest_goes_once_with_the_stories_still_public(session, tree, make_user, make_story, clock):
    clock.set(datetime(2026, 6, 10, 9, tzinfo=UTC))
    reader = make_user(email="daily@example.org", provider=tree["ward"])
    reader.memberships[0].alert_frequency = "daily"
    session.commit()
    kept = make_story(tree["ward"], status=PUBLISHED, criticality=2, title="Kept story")
    gone = make_story(tree["ward"], status=PUBLISHED, criticality=5, title="Withdrawn story")
    alerts.story_published(session, kept)
    alerts.story_published(session, gone)
    gone.status = WITHDRAWN
    session.commit()
    assert alerts.run_due_digests(session) == 0
    clock.set(datetime(2026, 6, 11, 7, tzinfo=UTC))
    assert alerts.run_due_digests(session) == 1
    [mail] = outbox(session, kind="alert.digest")
    assert mail.subject == "1 new story about Ward One" and "Kept story" in mail.body_text
    assert "Withdrawn story" not in mail.body_text
    assert alerts.run_due_digests(session) == 0


def test_a_service_without_staff_alerts_its_contact_address_with_one_invitation_a_week(app, session, make_provider,
                                                                                       make_story, clock):
    clinic = make_provider(code="C1", name="Clinic", email="Contact@Clinic.example")
    assert alerts.story_published(session, make_story(clinic, status=PUBLISHED)) == 1
    clock.advance(seconds=app.config["TOKEN_MAX_AGE_INVITE"] // 2)
    alerts.story_published(session, make_story(clinic, status=PUBLISHED))
    assert session.scalar(select(func.count(Invitation.id))) == 1  # the same invitation, still fresh
    clock.advance(seconds=1)
    alerts.story_published(session, make_story(clinic, status=PUBLISHED))
    assert session.scalar(select(func.count(Invitation.id))) == 2
    assert [m.kind for m in outbox(session, to="Contact@Clinic.example")] == ["alert.contact"] * 3
    clinic.contact_alerts = False
    assert alerts.story_published(session, make_story(clinic, status=PUBLISHED)) == 0


def test_unsubscribing_from_a_members_alert_and_from_a_contact_address(session, tree, make_user, make_provider,
                                                                       make_story):
    make_user(email="now@example.org", provider=tree["ward"])
    clinic = make_provider(code="C1", name="Clinic", email="contact@clinic.example")
    alerts.story_published(session, make_story(tree["ward"], status=PUBLISHED))
    alerts.story_published(session, make_story(clinic, status=PUBLISHED))
    member_token = token_in(outbox(session, to="now@example.org")[0], "/alerts/unsubscribe/")
    contact_token = token_in(outbox(session, to="contact@clinic.example")[0], "/alerts/unsubscribe/")
    assert alerts.unsubscribe(session, member_token) == "alerts about Ward One"
    assert session.scalar(select(Membership.alert_frequency)) == "none"
    assert alerts.unsubscribe(session, contact_token) == "alerts to the contact address of Clinic"
    assert clinic.contact_alerts is False
    with pytest.raises(Invalid):
        # the last character of a signature carries padding bits; change one that every bit of counts
        alerts.unsubscribe(session, member_token[:-3] + ("A" if member_token[-3] != "A" else "B") + member_token[-2:])


def test_an_unsubscribe_link_ends_with_its_membership_and_never_opens_another(session, tree, make_user,
                                                                              make_story):
    staff = make_user(email="now@example.org", provider=tree["ward"])
    alerts.story_published(session, make_story(tree["ward"], status=PUBLISHED))
    token = token_in(outbox(session)[0], "/alerts/unsubscribe/")
    membership = staff.memberships[0]
    membership_id = membership.id
    session.delete(membership)
    session.commit()
    session.add(Membership(id=membership_id, user_id=staff.id, provider_id=tree["ward"].id))
    session.commit()
    with pytest.raises(Invalid, match="membership has ended"):
        alerts.read_unsubscribe(token, session)
    assert session.get(Membership, membership_id).alert_frequency == "immediate"


def test_alert_settings_are_checked_and_ones_own(session, tree, make_user, people):
    membership = people["ward"].memberships[0]
    with pytest.raises(Invalid):
        alerts.update_settings(session, people["trust"], membership, "daily", 2)
    for frequency, minimum, field in (("hourly", 2, "frequency"), ("daily", 6, "min_criticality"),
                                      ("daily", -1, "min_criticality")):
        with pytest.raises(Invalid) as caught:
            alerts.update_settings(session, people["ward"], membership, frequency, minimum)
        assert caught.value.field == field
    alerts.update_settings(session, people["ward"], membership, "weekly", 3)
    assert (membership.alert_frequency, membership.alert_min_criticality) == ("weekly", 3)


def test_a_moved_story_drops_the_old_services_digest_and_alerts_the_new_one(session, tree, make_user, make_story,
                                                                            clock):
    clock.set(datetime(2026, 6, 10, 9, tzinfo=UTC))
    old = make_user(email="ward-daily@example.org", provider=tree["ward"])
    old.memberships[0].alert_frequency = "daily"
    make_user(email="practice@example.org", provider=tree["other"])
    session.commit()
    story = make_story(tree["ward"], status=PUBLISHED)
    alerts.story_published(session, story)
    assert session.scalar(select(func.count(DigestItem.id))) == 1
    story.provider_id, story.provider = tree["other"].id, tree["other"]
    assert alerts.story_moved(session, story, tree["ward"].id) == 1
    session.flush()
    assert session.scalar(select(func.count(DigestItem.id))) == 0
    assert [m.to_addr for m in outbox(session)] == ["practice@example.org"]
    clock.advance(days=1)
    assert alerts.run_due_digests(session) == 0
