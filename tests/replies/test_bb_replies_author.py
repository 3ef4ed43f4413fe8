"""Black-box tests of the provider-response loop from the author's side: the emails they get and their answers.

Written from the spec only; the site is observed through the test client.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import link_in, text_of
from tests.replies.conftest import conversation, page_of, post_change, post_reply

# Every responder here is trusted (no first replies held for a moderator), so these tests follow the loop
# itself; pre-moderation of new responders and flagged replies is tested in test_checked_replies.py.
pytestmark = pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)


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
