"""Black-box tests of the provider-response loop: replies, changes, author answers, moderation and the dashboard.

Written from the spec only; the site is observed through the test client.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, link_in, login, text_of

CHANGE_TEXT = "We have rewritten our appointment letters so they are clearer."


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture
def app_overrides() -> dict:
    # Every responder here is trusted (no first replies held for a moderator), so these tests follow the loop
    # itself; pre-moderation of new responders and flagged replies is tested in test_checked_replies.py.
    return {"RESPONDER_MODERATED_REPLIES": 0}


@pytest.fixture
def people(make_user, tree):
    return {
        "author": make_user(email="author@example.org", display_name="Ann Author"),
        "ward": make_user(email="ward@example.org", provider=tree["ward"], job_title="Ward sister",
                          display_name="Sam Staff"),
        "colleague": make_user(email="colleague@example.org", provider=tree["ward"], job_title="Staff nurse",
                               display_name="Col League"),
        "trust": make_user(email="trust@example.org", provider=tree["trust"], job_title="Chief nurse",
                           display_name="Tia Trust"),
        "other": make_user(email="other@example.org", provider=tree["other"], job_title="Practice manager",
                           display_name="Otto Other"),
        "plain": make_user(email="plain@example.org", display_name="Pat Plain"),
        "mod": make_user(email="mod@example.org", moderator=True, display_name="Mo Derator"),
    }


@pytest.fixture
def story(make_story, tree, people):
    return make_story(tree["ward"], author=people["author"], status="published", title="Letters were confusing")


@pytest.fixture
def as_user(app):
    """A fresh logged-in client for an email address (None: anonymous)."""

    def make(email: str | None):
        c = app.test_client()
        if email:
            login(c, email, PASSWORD)
        return c

    return make


def page_of(client, story_id: int) -> str:
    response = client.get(f"/stories/{story_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def conversation(page: str) -> str:
    start = page.index('id="conversation-title"')
    return page[start:page.index("</section>", start)]


def status_badge(page: str) -> str:
    return re.search(r'id="conversation-title"[^>]*>.*?<span class="badge[^"]*">([^<]+)</span>', page, re.S) \
        .group(1).strip()


def error_messages(response) -> str:
    return " ".join(re.findall(r'class="error-message"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S))


def reply_form_shown(page: str, story_id: int) -> bool:
    return f'action="/stories/{story_id}/replies"' in page


def change_form_shown(page: str, story_id: int) -> bool:
    return f'action="/stories/{story_id}/changes"' in page


def post_reply(client, story_id: int, body: str = "Thank you for telling us. We are looking into this."):
    return client.post(f"/stories/{story_id}/replies", data={"body": body})


def post_change(client, story_id: int, kind: str = "planned", description: str = CHANGE_TEXT,
                made_on: str | None = None):
    data = {"kind": kind, "description": description}
    if kind == "planned":  # a change planned names its due date and who owns it
        data.update(due_on=(date.today() + timedelta(days=60)).isoformat(), owner="Outpatients team")
    if made_on is not None:
        data["made_on"] = made_on
    return client.post(f"/stories/{story_id}/changes", data=data)


def replies(session, story_id: int):
    from app.replies.models import Reply

    session.expire_all()
    return list(session.scalars(select(Reply).where(Reply.story_id == story_id).order_by(Reply.id)))


def backdate(session, reply_id: int, minutes: int) -> None:
    from app.extensions import utcnow
    from app.replies.models import Reply

    session.expire_all()
    reply = session.get(Reply, reply_id)
    reply.created_at = utcnow() - timedelta(minutes=minutes)
    session.commit()


def reply_id_from(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"#replies-(\d+)$", response.headers["Location"]).group(1))


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


# ---------------------------------------------------------------- emails to the author

def test_author_is_emailed_on_a_reply_with_a_link_to_the_story(as_user, story, people, smtp_server, deliver):
    post_reply(as_user("ward@example.org"), story.id, "We are sorry and will fix the letters.")
    deliver()
    mail = smtp_server.last_to("author@example.org")
    assert "replied to your story" in mail["Subject"]
    assert "We are sorry and will fix the letters." in text_of(mail)
    assert link_in(mail, f"/stories/{story.id}").startswith(f"/stories/{story.id}")


def test_author_is_emailed_on_each_change_with_a_link_to_the_story(as_user, story, people, smtp_server, deliver):
    staff = as_user("ward@example.org")
    post_change(staff, story.id, "planned", "We will rewrite the appointment letters.")
    deliver()
    planned = smtp_server.last_to("author@example.org")
    assert "change planned" in (planned["Subject"] + text_of(planned)).lower()
    assert link_in(planned, f"/stories/{story.id}").startswith(f"/stories/{story.id}")
    post_change(staff, story.id, "made", "The appointment letters are rewritten.", made_on="2025-02-01")
    deliver()
    made = smtp_server.last_to("author@example.org")
    assert "change made" in (made["Subject"] + text_of(made)).lower()
    assert link_in(made, f"/stories/{story.id}").startswith(f"/stories/{story.id}")
    assert len(smtp_server.to("author@example.org")) == 2


def test_unconfirmed_author_gets_no_email(as_user, make_story, make_user, tree, people, smtp_server, deliver):
    shy = make_user(email="unconfirmed@example.org", confirmed=False)
    story = make_story(tree["ward"], author=shy, status="published")
    staff = as_user("ward@example.org")
    assert post_reply(staff, story.id).status_code == 302
    assert post_change(staff, story.id, "planned").status_code == 302
    assert post_change(staff, story.id, "made", made_on="2025-01-15").status_code == 302
    deliver()
    assert smtp_server.to("unconfirmed@example.org") == []


# ---------------------------------------------------------------- editing a reply

def test_reply_author_can_edit_within_30_minutes(as_user, story, people, session):
    staff = as_user("ward@example.org")
    reply_id = reply_id_from(post_reply(staff, story.id, "First version of our reply."))
    assert staff.get(f"/replies/{reply_id}/edit").status_code == 200
    response = staff.post(f"/replies/{reply_id}/edit", data={"body": "Corrected version of our reply."})
    assert response.status_code == 302
    talk = conversation(page_of(as_user(None), story.id))
    assert "Corrected version of our reply." in talk and "First version of our reply." not in talk


def test_edit_after_30_minutes_does_not_change_the_reply(as_user, story, people, session):
    staff = as_user("ward@example.org")
    reply_id = reply_id_from(post_reply(staff, story.id, "Our reply as first written."))
    backdate(session, reply_id, 31)
    response = staff.post(f"/replies/{reply_id}/edit", data={"body": "A sneaky late rewrite."})
    assert response.status_code != 302  # not accepted
    talk = conversation(page_of(as_user(None), story.id))
    assert "Our reply as first written." in talk and "A sneaky late rewrite." not in talk


def test_edit_post_after_30_minutes_answers_409(as_user, story, people, session):
    staff = as_user("ward@example.org")
    reply_id = reply_id_from(post_reply(staff, story.id, "Our reply as first written."))
    backdate(session, reply_id, 31)
    response = staff.post(f"/replies/{reply_id}/edit", data={"body": "A sneaky late rewrite."})
    assert response.status_code == 409
    assert "Add another reply instead" in response.get_data(as_text=True)


def test_edit_page_after_30_minutes_answers_409(as_user, story, people, session):
    staff = as_user("ward@example.org")
    reply_id = reply_id_from(post_reply(staff, story.id, "Our reply as first written."))
    backdate(session, reply_id, 31)
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


# ---------------------------------------------------------------- the author's answers

def _pending_answer_id(mod_client) -> int:
    queue = mod_client.get("/moderation/").get_data(as_text=True)
    assert "Replies, answers and changes waiting" in queue
    return int(re.findall(r'action="/moderation/replies/(\d+)/publish"', queue)[-1])


def test_author_answer_waits_for_moderation_then_appears_and_alerts_every_responder(
        as_user, story, people, smtp_server, deliver):
    post_reply(as_user("ward@example.org"), story.id, "The ward is sorry about the letters.")
    post_reply(as_user("trust@example.org"), story.id, "The trust is reviewing letters too.")
    deliver()
    smtp_server.clear()
    author = as_user("author@example.org")
    assert f'action="/stories/{story.id}/answers"' in page_of(author, story.id)
    response = author.post(f"/stories/{story.id}/answers", data={"body": "Thanks, but my last letter was late."})
    assert response.status_code == 302
    anon = as_user(None)
    assert "my last letter was late" not in page_of(anon, story.id)
    deliver()
    assert smtp_server.to("ward@example.org") == [] and smtp_server.to("trust@example.org") == []
    mod = as_user("mod@example.org")
    queue = mod.get("/moderation/").get_data(as_text=True)
    assert "my last letter was late" in queue
    answer_id = _pending_answer_id(mod)
    assert mod.post(f"/moderation/replies/{answer_id}/publish").status_code == 302
    talk = conversation(page_of(anon, story.id))
    assert "Thanks, but my last letter was late." in talk
    assert talk.index("The ward is sorry") < talk.index("The trust is reviewing") < talk.index("my last letter")
    deliver()
    for responder in ("ward@example.org", "trust@example.org"):
        mail = smtp_server.last_to(responder)
        assert "my last letter was late" in text_of(mail)
        assert f"/stories/{story.id}" in text_of(mail)
    assert smtp_server.to("colleague@example.org") == []  # did not reply
    assert smtp_server.to("other@example.org") == []


def test_rejected_author_answer_stays_hidden(as_user, story, people, smtp_server, deliver):
    post_reply(as_user("ward@example.org"), story.id)
    author = as_user("author@example.org")
    author.post(f"/stories/{story.id}/answers", data={"body": "An answer the moderator will turn down."})
    mod = as_user("mod@example.org")
    answer_id = _pending_answer_id(mod)
    deliver()
    smtp_server.clear()
    assert mod.post(f"/moderation/replies/{answer_id}/reject", data={"reason": "Names a member of staff"}) \
        .status_code == 302
    assert "moderator will turn down" not in page_of(as_user(None), story.id)
    assert "moderator will turn down" not in mod.get("/moderation/").get_data(as_text=True)
    deliver()
    assert smtp_server.to("ward@example.org") == []


def test_only_the_author_can_answer_back(as_user, story, people):
    post_reply(as_user("ward@example.org"), story.id)
    plain = as_user("plain@example.org")
    assert f'action="/stories/{story.id}/answers"' not in page_of(plain, story.id)
    assert plain.post(f"/stories/{story.id}/answers", data={"body": "I am not the author of this story."}) \
        .status_code == 403
    anon = as_user(None)
    response = anon.post(f"/stories/{story.id}/answers", data={"body": "I am not the author of this story."})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    mod = as_user("mod@example.org")
    assert "I am not the author" not in mod.get("/moderation/").get_data(as_text=True)


def test_answer_through_the_signed_email_link_without_logging_in(as_user, story, people, smtp_server, deliver):
    post_reply(as_user("ward@example.org"), story.id)
    deliver()
    link = link_in(smtp_server.last_to("author@example.org"), "/answer/")
    anon = as_user(None)
    form = anon.get(link)
    assert form.status_code == 200 and 'name="body"' in form.get_data(as_text=True)
    assert anon.post(link, data={"body": "Answered from my email without logging in."}).status_code == 302
    assert "without logging in" not in page_of(anon, story.id)  # moderated first
    mod = as_user("mod@example.org")
    assert "without logging in" in mod.get("/moderation/").get_data(as_text=True)
    assert mod.post(f"/moderation/replies/{_pending_answer_id(mod)}/publish").status_code == 302
    assert "Answered from my email without logging in." in conversation(page_of(anon, story.id))


def test_tampered_answer_token_is_refused(as_user, story, people, smtp_server, deliver):
    post_reply(as_user("ward@example.org"), story.id)
    deliver()
    link = link_in(smtp_server.last_to("author@example.org"), "/answer/")
    # Not the last character: in base64 its low bits may be padding, so changing it can leave the signature intact.
    at = link[-6]
    tampered = link[:-6] + ("A" if at != "A" else "B") + link[-5:]
    anon = as_user(None)
    assert anon.get(tampered).status_code == 400
    assert anon.post(tampered, data={"body": "A forged answer from someone else."}).status_code == 400
    mod = as_user("mod@example.org")
    assert "forged answer" not in mod.get("/moderation/").get_data(as_text=True)


# ---------------------------------------------------------------- moderators hide replies

def test_moderator_hides_the_only_reply_with_a_reason(as_user, story, people, session):
    reply_id = reply_id_from(post_reply(as_user("ward@example.org"), story.id, "A reply that names a patient."))
    anon = as_user(None)
    assert status_badge(page_of(anon, story.id)) == "Responded"
    mod = as_user("mod@example.org")
    assert mod.post(f"/moderation/replies/{reply_id}/hide", data={"reason": "Names a patient"}).status_code == 302
    page = page_of(anon, story.id)
    assert "A reply that names a patient." not in page
    assert status_badge(page) == "Awaiting response"
    history = mod.get(f"/moderation/stories/{story.id}/history").get_data(as_text=True)
    assert "reply.hidden" in history and "Names a patient" in history


def test_hiding_one_of_two_replies_keeps_the_story_responded(as_user, story, people):
    staff = as_user("ward@example.org")
    first = reply_id_from(post_reply(staff, story.id, "The first reply stays."))
    second = reply_id_from(post_reply(staff, story.id, "The second reply goes."))
    assert first != second
    mod = as_user("mod@example.org")
    assert mod.post(f"/moderation/replies/{second}/hide", data={"reason": "Off topic"}).status_code == 302
    page = page_of(as_user(None), story.id)
    assert "The first reply stays." in page and "The second reply goes." not in page
    assert status_badge(page) == "Responded"


def test_hiding_a_reply_without_a_reason_is_refused(as_user, story, people):
    reply_id = reply_id_from(post_reply(as_user("ward@example.org"), story.id, "A reply that stays put."))
    mod = as_user("mod@example.org")
    for reason in ("", "   "):
        response = mod.post(f"/moderation/replies/{reply_id}/hide", data={"reason": reason})
        assert response.status_code in (302, 400)
    page = page_of(as_user(None), story.id)
    assert "A reply that stays put." in page and status_badge(page) == "Responded"
    assert "reply.hidden" not in mod.get(f"/moderation/stories/{story.id}/history").get_data(as_text=True)


def test_a_non_moderator_cannot_hide_a_reply(as_user, story, people):
    reply_id = reply_id_from(post_reply(as_user("ward@example.org"), story.id, "A reply nobody else can hide."))
    for email in ("ward@example.org", "trust@example.org", "author@example.org", "plain@example.org"):
        client = as_user(email)
        assert "/hide" not in page_of(client, story.id), email
        assert client.post(f"/moderation/replies/{reply_id}/hide", data={"reason": "I dislike it"}) \
            .status_code == 403, email
    assert "A reply nobody else can hide." in page_of(as_user(None), story.id)


# ---------------------------------------------------------------- the conversation

def test_conversation_is_in_time_order(as_user, story, people):
    staff = as_user("ward@example.org")
    post_reply(staff, story.id, "Alpha: our first reply.")
    post_change(staff, story.id, "planned", "Bravo: we plan to rewrite the letters.")
    post_reply(as_user("trust@example.org"), story.id, "Charlie: a later reply from the trust.")
    talk = conversation(page_of(as_user(None), story.id))
    assert talk.index("Alpha") < talk.index("Bravo") < talk.index("Charlie")
    assert status_badge(page_of(as_user(None), story.id)) in ("Change planned",)


def test_every_conversation_item_has_its_own_anchor(as_user, story, people):
    staff = as_user("ward@example.org")
    reply_location = post_reply(staff, story.id, "A reply first.").headers["Location"]
    change_location = post_change(staff, story.id).headers["Location"]
    assert reply_location != change_location
    ids = re.findall(r'id="((?:replies|changes)-[^"]+)"', conversation(page_of(as_user(None), story.id)))
    assert len(ids) == 2 and len(set(ids)) == 2
    anchor = change_location.split("#", 1)[1]
    talk = conversation(page_of(as_user(None), story.id))
    item = talk[talk.index(f'id="{anchor}"'):]
    assert CHANGE_TEXT in item[:item.index("</article>")]


# ---------------------------------------------------------------- the dashboard

def test_dashboard_needs_login(as_user):
    response = as_user(None).get("/dashboard")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def _awaiting_section(page: str) -> str:
    start = page.index("Stories awaiting a reply")
    return page[start:page.index("Recent replies by colleagues", start)]


def test_dashboard_lists_awaiting_stories_most_critical_then_oldest(as_user, make_story, tree, people, session):
    from app.extensions import utcnow

    now = utcnow()

    def published(title, provider, criticality, days_ago, status="published"):
        s = make_story(provider, status=status, title=title, criticality=criticality)
        if s.published_at is not None:
            s.published_at = now - timedelta(days=days_ago)
        session.commit()
        return s

    published("Three but recent", tree["ward"], 3, 1)
    published("Three and old", tree["ward"], 3, 10)
    published("Five and recent", tree["ward"], 5, 1)
    published("Zero and ancient", tree["ward"], 0, 100)
    answered = published("Already answered", tree["ward"], 5, 20)
    published("Elsewhere story", tree["other"], 5, 30)
    make_story(tree["ward"], status="pending", title="Still pending")
    assert post_reply(as_user("ward@example.org"), answered.id).status_code == 302

    section = _awaiting_section(as_user("colleague@example.org").get("/dashboard").get_data(as_text=True))
    order = ["Five and recent", "Three and old", "Three but recent", "Zero and ancient"]
    positions = [section.index(title) for title in order]
    assert positions == sorted(positions), section
    for absent in ("Already answered", "Elsewhere story", "Still pending"):
        assert absent not in section

    trust_section = _awaiting_section(as_user("trust@example.org").get("/dashboard").get_data(as_text=True))
    assert all(title in trust_section for title in order)  # the trust sees its ward's stories
    other_section = _awaiting_section(as_user("other@example.org").get("/dashboard").get_data(as_text=True))
    assert "Elsewhere story" in other_section and "Five and recent" not in other_section


def test_dashboard_shows_recent_replies_by_colleagues(as_user, story, make_story, tree, people):
    elsewhere = make_story(tree["other"], status="published", title="Practice story")
    assert post_reply(as_user("ward@example.org"), story.id, "The ward replied here.").status_code == 302
    assert post_reply(as_user("other@example.org"), elsewhere.id, "The practice replied.").status_code == 302
    page = as_user("colleague@example.org").get("/dashboard").get_data(as_text=True)
    recent = page[page.index("Recent replies by colleagues"):]
    assert "Letters were confusing" in recent and "Sam Staff" in recent
    assert "Practice story" not in recent and "Otto Other" not in recent
    assert "Letters were confusing" not in _awaiting_section(page)
