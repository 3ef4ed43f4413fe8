"""The story services called directly, without HTTP: checking a draft, telling, confirming, the author's edits
and withdrawal, with the audit events and outbox rows each writes in the caller's transaction."""
from __future__ import annotations

from datetime import date

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.passwords import verify_password
from app.audit import AuditEvent
from app.errors import Conflict, Invalid, NotAllowed
from app.mail.models import OutboxMessage
from app.stories import services
from app.stories.models import AWAITING_CONFIRMATION, PENDING, PUBLISHED, RETURNED, WITHDRAWN, Story, Tag
from app.stories.services import Draft
from tests.conftest import PASSWORD, audit_actions, last_audit, outbox, token_in

BODY = ("The nurses on the ward were kind and explained everything about my operation. The food was cold most "
        "days and I waited a long time for pain relief at night, which nobody could explain to me.")


def draft(**fields) -> Draft:
    values = {"provider_code": "W1", "title": "Kind nurses, cold food", "body": BODY, "month": 3, "year": 2025,
              "author_role": "patient", "public_name": "Sam", "email": "teller@example.org", "consent": True}
    values.update(fields)
    return Draft(**values)


def stories(session) -> int:
    return session.scalar(select(func.count(Story.id)))


def confirmation_token(session, address: str = "teller@example.org") -> str:
    return token_in(outbox(session, kind="story.confirm", to=address)[-1], "/stories/confirm/")


# ---------------------------------------------------------------- checking a draft

def test_a_draft_is_cleaned_into_a_story_of_the_month_it_happened(session, tree):
    clean = services.check_draft(session, draft(
        provider_code=" w1 ", title="  Kind\u200b nurses,\tcold   food ", public_name="", month="3", year="2025",
        tags=["good-kindness", "improve-food"]))
    assert clean.provider.id == tree["ward"].id
    assert clean.title == "Kind nurses, cold food"
    assert clean.experienced_on == date(2025, 3, 1)
    assert clean.public_name == "Anonymous"
    assert sorted(t.slug for t in clean.tags) == ["good-kindness", "improve-food"]


def test_every_wrong_field_is_named_at_once(session, tree):
    with pytest.raises(Invalid) as caught:
        services.check_draft(session, Draft(provider_code="NOPE", title="x", body="too short", author_role="king"))
    assert set(caught.value.errors) == {"provider_code", "title", "body", "month", "author_role", "consent"}
    assert "at least 50 characters (you have 9)" in caught.value.errors["body"]


def test_a_title_of_invisible_characters_is_no_title(session, tree):
    # Zero-width spaces, a bidirectional override and a BOM are removed before the length is counted.
    with pytest.raises(Invalid) as caught:
        services.check_draft(session, draft(title="\u200b\u202e\ufeff\u200bab"))
    assert set(caught.value.errors) == {"title"}


def test_control_characters_and_markup_never_reach_the_story(session, tree):
    clean = services.check_draft(session, draft(body="<b>Bold</b> claims\x00 and \x1b[31mcolours\x07. " + BODY))
    assert clean.body.startswith("Bold claims and [31mcolours. ")
    assert "\x00" not in clean.body and "<b>" not in clean.body


def test_a_service_that_closed_is_refused_by_name(session, make_provider):
    make_provider(code="OLD1", name="Old Clinic", active=False)
    with pytest.raises(Invalid) as caught:
        services.check_draft(session, draft(provider_code="OLD1"))
    assert caught.value.errors == {
        "provider_code": "Old Clinic is no longer active. Choose the service that replaced it."}


@pytest.mark.parametrize(("month", "year", "wrong"), [
    (7, 2026, True),  # next month, seen from 15 June 2026
    (6, 2026, False),  # this month
    (6, 1926, False),  # a hundred years ago
    (5, 1925, True),  # before that
    (13, 2025, True),  # no such month
    ("", 2025, True),
])
def test_the_month_it_happened_is_in_the_last_hundred_years_and_not_ahead(session, tree, month, year, wrong):
    checking = draft(month=month, year=year)
    if not wrong:
        assert services.check_draft(session, checking, today=date(2026, 6, 15)).experienced_on == date(year, month, 1)
        return
    with pytest.raises(Invalid) as caught:
        services.check_draft(session, checking, today=date(2026, 6, 15))
    assert set(caught.value.errors) == {"month"}


def test_tags_must_be_active_ones_from_the_list(session, tree):
    session.scalar(select(Tag).where(Tag.slug == "good-food")).active = False
    for tags in (["good-kindness", "made-up"], ["good-food"]):
        with pytest.raises(Invalid) as caught:
            services.check_draft(session, draft(tags=tags))
        assert set(caught.value.errors) == {"tags"}, tags


def test_an_edit_needs_no_consent_but_a_telling_does(session, tree):
    assert services.check_draft(session, draft(consent=False), need_consent=False).title == "Kind nurses, cold food"
    with pytest.raises(Invalid) as caught:
        services.check_draft(session, draft(consent=False))
    assert set(caught.value.errors) == {"consent"}


# ---------------------------------------------------------------- telling

def test_a_visitors_story_waits_for_the_address_with_one_mail_in_the_same_transaction(session, tree):
    story, created = services.tell(session, draft(email=" Teller@Example.ORG "), None)
    assert created and story.status == AWAITING_CONFIRMATION and story.queued_at is None
    author = session.get(User, story.author_id)
    assert author.email == "teller@example.org" and author.email_confirmed_at is None
    assert author.password_hash is None
    assert audit_actions(session, story) == ["story.told"]
    assert last_audit(session, "story.told").after == {"status": AWAITING_CONFIRMATION}
    [mail] = outbox(session)
    assert (mail.kind, mail.to_addr) == ("story.confirm", "teller@example.org")
    assert "teller" not in confirmation_token(session)  # a keyed digest of the address, never the address
    session.rollback()  # nothing of it outlives the caller's transaction
    assert stories(session) == 0 and audit_actions(session) == [] and outbox(session) == []
    assert session.scalar(select(func.count(User.id))) == 0


def test_a_confirmed_signed_in_authors_story_goes_straight_to_the_queue(session, tree, make_user, clock):
    author = make_user(email="known@example.org")
    story, created = services.tell(session, draft(email=""), author)
    assert created and story.status == PENDING and story.queued_at == clock.now()
    assert story.author_id == author.id
    assert outbox(session) == []
    assert audit_actions(session, story) == ["story.told"]
    assert last_audit(session, "story.told").actor_id == author.id


def test_a_signed_in_author_who_never_proved_the_address_confirms_by_mail(session, tree, make_user):
    author = make_user(email="unproven@example.org", confirmed=False)
    story, _ = services.tell(session, draft(email="ignored@example.org"), author)
    assert story.status == AWAITING_CONFIRMATION and story.author_id == author.id
    assert [m.to_addr for m in outbox(session)] == ["unproven@example.org"]


def test_a_visitor_telling_under_a_known_address_does_not_skip_its_proof(session, tree, make_user):
    owner = make_user(email="owner@example.org")
    story, _ = services.tell(session, draft(email="OWNER@example.org"), AnonymousUserMixin())
    assert story.author_id == owner.id and story.status == AWAITING_CONFIRMATION
    assert session.scalar(select(func.count(User.id))) == 1
    assert [m.to_addr for m in outbox(session, kind="story.confirm")] == ["owner@example.org"]


def test_a_bad_address_and_bad_fields_are_refused_together_and_nothing_is_written(session, tree):
    with pytest.raises(Invalid) as caught:
        services.tell(session, draft(email="not an address", title=""), None)
    assert set(caught.value.errors) == {"email", "title"}
    session.rollback()
    assert stories(session) == 0 and outbox(session) == []


def test_one_form_sent_twice_is_one_story_and_one_mail(session, tree):
    first, created = services.tell(session, draft(submission_key="k" * 32), None)
    session.commit()
    again, created_again = services.tell(session, draft(submission_key="k" * 32, title="Something else"), None)
    assert created and not created_again and again.id == first.id
    assert stories(session) == 1 and len(outbox(session)) == 1
    assert audit_actions(session) == ["story.told"]


def test_a_form_key_used_by_someone_else_is_a_conflict(session, tree, make_user):
    services.tell(session, draft(submission_key="s" * 32), make_user(email="first@example.org"))
    session.commit()
    with pytest.raises(Conflict):
        services.tell(session, draft(submission_key="s" * 32), make_user(email="second@example.org"))


def test_the_same_text_again_is_the_same_telling_for_a_day_only(session, tree, clock):
    first, _ = services.tell(session, draft(submission_key="a" * 32), None)
    session.commit()
    clock.advance(hours=23, minutes=59)
    again, created = services.tell(session, draft(submission_key="b" * 32, title="  Kind nurses, cold food"), None)
    assert (again.id, created) == (first.id, False)
    clock.advance(minutes=2)
    later, created = services.tell(session, draft(submission_key="c" * 32), None)
    assert created and later.id != first.id
    assert len(outbox(session, kind="story.confirm")) == 2


def test_a_withdrawn_story_told_again_is_a_new_story(session, tree):
    first, _ = services.tell(session, draft(), None)
    services.withdraw(session, first.author, first)
    session.commit()
    second, created = services.tell(session, draft(), None)
    assert created and second.id != first.id


def test_a_story_that_names_someone_is_flagged_for_the_moderator(session, tree):
    story, _ = services.tell(session, draft(body=BODY + " Nurse Jones gave my NHS number 943 476 5919 aloud."), None)
    assert {"name", "nhs_number"} <= set(story.flags)


# ---------------------------------------------------------------- confirming

def test_confirming_queues_the_story_proves_the_address_and_works_once(session, tree, clock):
    story, _ = services.tell(session, draft(), None)
    session.commit()
    token = confirmation_token(session)
    clock.advance(hours=2)
    confirmed, now = services.confirm(session, token)
    assert confirmed.id == story.id and now
    assert story.status == PENDING and story.queued_at == clock.now()
    assert story.author.email_confirmed_at == clock.now()
    assert audit_actions(session, story) == ["story.told", "story.confirmed"]
    session.commit()
    assert services.confirm(session, token) == (story, False)
    assert audit_actions(session, story) == ["story.told", "story.confirmed"]


def test_confirming_with_the_accounts_password_keeps_it_and_a_wrong_one_changes_nothing(session, tree, make_user):
    squatter = make_user(email="teller@example.org", confirmed=False, display_name="Squatter")
    services.tell(session, draft(), None)
    session.commit()
    token = confirmation_token(session)
    with pytest.raises(Invalid) as caught:
        services.confirm(session, token, "not the password")
    assert caught.value.field == "password"
    session.rollback()
    story, now = services.confirm(session, token, PASSWORD)
    assert now and story.status == PENDING
    assert squatter.display_name == "Squatter" and verify_password(squatter.password_hash, PASSWORD)


def test_confirming_without_the_password_takes_the_account_over(session, tree, make_user):
    squatter = make_user(email="teller@example.org", confirmed=False, display_name="Squatter")
    version, key = squatter.session_version, squatter.token_key
    services.tell(session, draft(), None)
    session.commit()
    services.confirm(session, confirmation_token(session))
    assert squatter.password_hash is None and squatter.display_name == ""
    assert squatter.session_version == version + 1 and squatter.token_key != key
    assert squatter.email_confirmed_at is not None


def test_a_confirmation_link_expires_with_the_setting(app, session, tree, clock):
    story, _ = services.tell(session, draft(), None)
    session.commit()
    token = confirmation_token(session)
    clock.advance(seconds=app.config["TOKEN_MAX_AGE_CONFIRM"] + 1)
    with pytest.raises(Invalid) as caught:
        services.story_from_confirmation(session, token)
    assert "expired" in caught.value.message
    assert story.status == AWAITING_CONFIRMATION


def test_a_confirmation_link_dies_with_the_story_and_with_the_accounts_sessions(session, tree):
    story, _ = services.tell(session, draft(), None)
    session.commit()
    token = confirmation_token(session)
    services.withdraw(session, story.author, story)
    with pytest.raises(Invalid, match="withdrawn"):
        services.story_from_confirmation(session, token)
    other, _ = services.tell(session, draft(title="Another visit", body=BODY + " Again."), None)
    session.commit()
    token = confirmation_token(session)
    other.author.session_version += 1  # a password change or a reset ends every link
    with pytest.raises(Invalid, match="no longer valid"):
        services.confirm(session, token)
    assert other.status == AWAITING_CONFIRMATION


def test_a_confirmation_link_of_another_purpose_or_tampered_is_refused(session, tree):
    services.tell(session, draft(), None)
    session.commit()
    token = confirmation_token(session)
    for bad in (token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:], "x" + token, ""):
        with pytest.raises(Invalid):
            services.story_from_confirmation(session, bad)


# ---------------------------------------------------------------- the author's own story

def test_only_its_author_opens_a_story_as_theirs(session, tree, make_user, make_story):
    author = make_user(email="mine@example.org")
    story = make_story(tree["ward"], author=author)
    assert services.author_story(session, author, story.id) is story
    for who in (make_user(email="else@example.org"), AnonymousUserMixin()):
        with pytest.raises(NotAllowed):
            services.author_story(session, who, story.id)
    with pytest.raises(NotAllowed):
        services.author_story(session, author, story.id + 1000)


def test_a_returned_story_edited_goes_back_to_the_queue_with_its_before_and_after(session, tree, make_story, clock):
    story = make_story(tree["ward"], status=RETURNED, title="First title")
    clock.advance(days=1)
    services.edit_by_author(session, story.author, story, draft(title="Second title", provider_code="H1",
                                                                 body=BODY + " Call me on 07700 900123."),
                            story.version)
    assert story.status == PENDING and story.queued_at == clock.now()
    assert story.provider_id == tree["hospital"].id and story.title == "Second title"
    assert "phone" in story.flags
    event = last_audit(session, "story.edited_by_author")
    assert event.before["title"] == "First title" and event.before["status"] == RETURNED
    assert event.after["title"] == "Second title" and event.after["status"] == PENDING


def test_editing_refuses_another_user_a_published_story_and_an_old_version(session, tree, make_user, make_story):
    story = make_story(tree["ward"], status=PENDING)
    with pytest.raises(NotAllowed):
        services.edit_by_author(session, make_user(email="else@example.org"), story, draft(), story.version)
    with pytest.raises(Conflict, match="changed since you opened it"):
        services.edit_by_author(session, story.author, story, draft(), story.version - 1)
    published = make_story(tree["ward"], status=PUBLISHED)
    with pytest.raises(Conflict, match="cannot be edited"):
        services.edit_by_author(session, published.author, published, draft(), published.version)
    assert audit_actions(session) == []


def test_an_invalid_edit_changes_nothing(session, tree, make_story):
    story = make_story(tree["ward"], status=PENDING, title="Kept title")
    with pytest.raises(Invalid):
        services.edit_by_author(session, story.author, story, draft(title="", body="short"), story.version)
    assert story.title == "Kept title" and audit_actions(session) == []


# ---------------------------------------------------------------- withdrawal

def test_withdrawing_takes_the_story_down_frees_its_claim_and_is_audited_once(session, tree, make_story,
                                                                              make_user, clock):
    story = make_story(tree["ward"], status=PUBLISHED)
    story.claimed_by_id = make_user(email="mod@example.org", moderator=True).id
    session.commit()
    clock.advance(minutes=5)
    services.withdraw(session, story.author, story)
    assert story.status == WITHDRAWN and story.withdrawn_at == clock.now() and story.claimed_by_id is None
    event = last_audit(session, "story.withdrawn")
    assert (event.before, event.after, event.actor_id) == ({"status": PUBLISHED}, {"status": WITHDRAWN},
                                                           story.author_id)
    withdrawn_at = story.withdrawn_at
    clock.advance(minutes=5)
    services.withdraw(session, story.author, story)  # a second press changes nothing
    assert audit_actions(session, story) == ["story.withdrawn"] and story.withdrawn_at == withdrawn_at


def test_nobody_else_withdraws_your_story(session, tree, make_story, make_user):
    story = make_story(tree["ward"], status=PUBLISHED)
    with pytest.raises(NotAllowed):
        services.withdraw(session, make_user(email="else@example.org", moderator=True), story)
    assert story.status == PUBLISHED
    assert session.scalar(select(func.count(AuditEvent.id))) == 0
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0
