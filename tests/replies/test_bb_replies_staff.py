"""Black-box tests of the provider-response loop from the staff side: who may reply and record changes, how
a reply shows, the story's response status, editing a reply.

Written from the spec only; the site is observed through the test client.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.replies.conftest import (
    CHANGE_TEXT,
    conversation,
    page_of,
    post_change,
    post_reply,
    reply_id_from,
    status_badge,
)

# Every responder here is trusted (no first replies held for a moderator), so these tests follow the loop
# itself; pre-moderation of new responders and flagged replies is tested in test_checked_replies.py.
pytestmark = pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)


def error_messages(response) -> str:
    return " ".join(re.findall(r'class="error-message"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S))


def reply_form_shown(page: str, story_id: int) -> bool:
    return f'action="/stories/{story_id}/replies"' in page


def change_form_shown(page: str, story_id: int) -> bool:
    return f'action="/stories/{story_id}/changes"' in page


def replies(session, story_id: int):
    from app.replies.models import Reply

    session.expire_all()
    return list(session.scalars(select(Reply).where(Reply.story_id == story_id).order_by(Reply.id)))


# ---------------------------------------------------------------- who may reply and record changes

def test_ward_staff_see_the_forms_and_can_reply_and_record_a_change(as_user, story, people, session):
    staff = as_user("ward@example.org")
    page = page_of(staff, story.id)
    assert reply_form_shown(page, story.id) and change_form_shown(page, story.id)
    response = post_reply(staff, story.id)
    assert response.status_code == 302
    assert re.search(rf"/stories/{story.id}#replies-\d+$", response.headers["Location"])
    response = post_change(staff, story.id)
    assert response.status_code == 302
    assert re.search(rf"/stories/{story.id}#changes-\d+$", response.headers["Location"])
    assert len(replies(session, story.id)) == 1


def test_trust_staff_act_for_a_ward_story_below_them(as_user, story, people, session):
    staff = as_user("trust@example.org")
    page = page_of(staff, story.id)
    assert reply_form_shown(page, story.id) and change_form_shown(page, story.id)
    assert post_reply(staff, story.id, "The trust is looking into this story.").status_code == 302
    assert post_change(staff, story.id).status_code == 302
    assert "The trust is looking into this story." in page_of(staff, story.id)


def _assert_refused(client, story_id: int, session, expected_status: int):
    page = page_of(client, story_id)
    assert not reply_form_shown(page, story_id)
    assert not change_form_shown(page, story_id)
    reply = post_reply(client, story_id, "I should not be able to post this reply.")
    change = post_change(client, story_id, description="I should not be able to record this change at all.")
    assert reply.status_code == expected_status
    assert change.status_code == expected_status
    assert replies(session, story_id) == []
    after = page_of(client, story_id)
    assert "should not be able" not in after
    assert status_badge(after) == "Awaiting response"
    return reply, change


def test_staff_of_an_unrelated_practice_cannot_reply_or_record_changes(as_user, story, people, session):
    _assert_refused(as_user("other@example.org"), story.id, session, 403)


def test_the_author_cannot_reply_or_record_changes_as_staff(as_user, story, people, session):
    _assert_refused(as_user("author@example.org"), story.id, session, 403)


def test_another_logged_in_user_cannot_reply_or_record_changes(as_user, story, people, session):
    _assert_refused(as_user("plain@example.org"), story.id, session, 403)


def test_a_moderator_without_membership_cannot_reply_or_record_changes(as_user, story, people, session):
    _assert_refused(as_user("mod@example.org"), story.id, session, 403)


def test_anonymous_visitor_is_sent_to_log_in_and_sees_no_forms(as_user, story, people, session):
    reply, change = _assert_refused(as_user(None), story.id, session, 302)
    assert "/account/login" in reply.headers["Location"]
    assert "/account/login" in change.headers["Location"]


# ---------------------------------------------------------------- how a reply is shown

def test_reply_shows_responder_name_job_title_and_provider(as_user, story, people):
    post_reply(as_user("ward@example.org"), story.id, "We are sorry the letters were confusing.")
    post_reply(as_user("trust@example.org"), story.id, "The trust will review all letters.")
    talk = conversation(page_of(as_user(None), story.id))
    assert "Sam Staff" in talk and "Ward sister" in talk and "Ward One" in talk
    assert "Tia Trust" in talk and "Chief nurse" in talk and "Trust One" in talk
    assert "We are sorry the letters were confusing." in talk


def test_url_in_reply_becomes_a_nofollow_ugc_link(as_user, story, people):
    post_reply(as_user("ward@example.org"), story.id, "Our new letters are at https://example.com/letters today.")
    talk = conversation(page_of(as_user(None), story.id))
    link = re.search(r'<a [^>]*href="https://example.com/letters"[^>]*>', talk)
    assert link, talk
    assert re.search(r'rel="nofollow ugc"', link.group(0))


def test_html_in_a_reply_is_never_rendered_as_markup(as_user, story, people):
    post_reply(as_user("ward@example.org"), story.id,
               'Hello <script>alert("x")</script> <b>bold</b> <img src=x onerror=alert(1)> 1 < 2 & 3')
    talk = conversation(page_of(as_user(None), story.id))
    assert "<script" not in talk and "<b>" not in talk and "<img" not in talk and "onerror=alert" not in talk
    assert "1 &lt; 2 &amp; 3" in talk


def test_html_in_a_reply_is_stripped_to_plain_text_like_a_story(as_user, story, people):
    # Replies are plain text, cleaned as stories are (issue 3): tags stripped with bleach, never rendered.
    post_reply(as_user("ward@example.org"), story.id, "Please use the <b>Contact us</b> form. <script>x()</script>")
    talk = conversation(page_of(as_user(None), story.id))
    assert "Please use the Contact us form." in talk
    assert "<b>" not in talk and "<script>" not in talk


# ---------------------------------------------------------------- status and changes

def test_status_moves_from_awaiting_to_responded_to_change_planned_to_change_made(as_user, story, people):
    staff = as_user("ward@example.org")
    anon = as_user(None)
    assert status_badge(page_of(anon, story.id)) == "Awaiting response"
    assert post_reply(staff, story.id).status_code == 302
    assert status_badge(page_of(anon, story.id)) == "Responded"
    assert post_change(staff, story.id, "planned", "We will rewrite the appointment letters this spring.") \
        .status_code == 302
    assert status_badge(page_of(anon, story.id)) == "Change planned"
    assert post_change(staff, story.id, "made", "The appointment letters have been rewritten.",
                       made_on="2025-03-04").status_code == 302
    page = page_of(anon, story.id)
    assert status_badge(page) == "Change made"
    talk = conversation(page)
    assert "We will rewrite the appointment letters this spring." in talk
    assert "The appointment letters have been rewritten." in talk
    assert "4 March 2025" in talk or "04 March 2025" in talk  # when the change was made
    assert "Sam Staff" in talk  # who reported it


def test_change_made_without_a_date_is_refused(as_user, story, people):
    staff = as_user("ward@example.org")
    response = post_change(staff, story.id, "made", CHANGE_TEXT)
    assert response.status_code == 400
    assert "date" in error_messages(response).lower()
    assert CHANGE_TEXT not in conversation(page_of(staff, story.id))
    assert status_badge(page_of(staff, story.id)) == "Awaiting response"


def test_change_made_with_a_future_date_is_refused(as_user, story, people):
    staff = as_user("ward@example.org")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = post_change(staff, story.id, "made", CHANGE_TEXT, made_on=tomorrow)
    assert response.status_code == 400
    assert "future" in error_messages(response).lower()
    assert CHANGE_TEXT not in conversation(page_of(staff, story.id))
    assert status_badge(page_of(staff, story.id)) == "Awaiting response"


def test_empty_reply_is_refused_with_the_story_page(as_user, story, people, session):
    staff = as_user("ward@example.org")
    response = post_reply(staff, story.id, "")
    assert response.status_code == 400
    assert error_messages(response)
    assert "Letters were confusing" in response.get_data(as_text=True)
    assert replies(session, story.id) == []


# ---------------------------------------------------------------- editing a reply

def test_reply_author_can_edit_within_30_minutes(as_user, story, people, session):
    staff = as_user("ward@example.org")
    reply_id = reply_id_from(post_reply(staff, story.id, "First version of our reply."))
    assert staff.get(f"/replies/{reply_id}/edit").status_code == 200
    response = staff.post(f"/replies/{reply_id}/edit", data={"body": "Corrected version of our reply."})
    assert response.status_code == 302
    talk = conversation(page_of(as_user(None), story.id))
    assert "Corrected version of our reply." in talk and "First version of our reply." not in talk


def test_edit_after_30_minutes_does_not_change_the_reply(as_user, story, people, clock):
    staff = as_user("ward@example.org")
    reply_id = reply_id_from(post_reply(staff, story.id, "Our reply as first written."))
    clock.advance(minutes=31)
    response = staff.post(f"/replies/{reply_id}/edit", data={"body": "A sneaky late rewrite."})
    assert response.status_code != 302  # not accepted
    talk = conversation(page_of(as_user(None), story.id))
    assert "Our reply as first written." in talk and "A sneaky late rewrite." not in talk


def test_edit_post_after_30_minutes_answers_409(as_user, story, people, clock):
    staff = as_user("ward@example.org")
    reply_id = reply_id_from(post_reply(staff, story.id, "Our reply as first written."))
    clock.advance(minutes=31)
    response = staff.post(f"/replies/{reply_id}/edit", data={"body": "A sneaky late rewrite."})
    assert response.status_code == 409
    assert "Add another reply instead" in response.get_data(as_text=True)


def test_edit_page_after_30_minutes_answers_409(as_user, story, people, clock):
    staff = as_user("ward@example.org")
    reply_id = reply_id_from(post_reply(staff, story.id, "Our reply as first written."))
    clock.advance(minutes=31)
    response = staff.get(f"/replies/{reply_id}/edit")
    assert response.status_code == 409
    assert "Add another reply instead" in response.get_data(as_text=True)


def test_someone_elses_reply_cannot_be_edited(as_user, story, people, session):
    reply_id = reply_id_from(post_reply(as_user("ward@example.org"), story.id, "Reply by the ward sister."))
    for email in ("colleague@example.org", "trust@example.org", "author@example.org", "mod@example.org"):
        other = as_user(email)
        assert other.get(f"/replies/{reply_id}/edit").status_code == 403, email
        assert other.post(f"/replies/{reply_id}/edit", data={"body": "Rewritten by someone else"}).status_code \
            == 403, email
    assert "Rewritten by someone else" not in page_of(as_user(None), story.id)
