"""Black-box attack tests for issue 17, replies: checked like stories before they go public.

Written from the issue text and README only; every step goes through the site's pages, API, feeds, CSVs and mail.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from tests.blackbox.conftest import (
    api_story,
    main_text,
    public_story,
    published,
    reply_form_action,
    signed,
)
from tests.conftest import link_in

NHS = "943 476 5919"
PHONE = "07700 900123"


# ---------------------------------------------------------------- replies checked like stories

@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
@pytest.mark.parametrize("detail", [NHS, PHONE, "ring 020 7946 0018", "mail me at jo.bloggs@example.com",
                                    "I live at SW1A 1AA", "ask for Dr Patel"])
def test_a_trusted_responders_reply_with_personal_details_waits(app, tree, people, make_story, smtp_server, deliver,
                                                                detail):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    text = f"Thank you for your story. Please contact us about this: {detail}."
    assert staff.post(f"/stories/{story.id}/replies", data={"body": text}).status_code == 302
    assert detail not in public_story(app, story)
    assert detail not in json.dumps(api_story(app, story))
    assert "waiting for a moderator" in main_text(staff.get(f"/stories/{story.id}"))
    deliver()
    assert not smtp_server.to("author@example.org"), "the author was told before the reply was public"
    mod = signed(app, "mod@example.org")
    queue = mod.get("/moderation/").get_data(as_text=True)
    assert "<mark" in queue and detail.split()[-1].rstrip(".") in queue


def test_a_new_responders_first_replies_wait_and_then_publish_at_once(app, tree, people, make_story, smtp_server,
                                                                      deliver):
    staff = signed(app, "staff@example.org")
    mod = signed(app, "mod@example.org")
    stories = [published(make_story, tree, people, title=f"Story {n}") for n in range(6)]
    for n, story in enumerate(stories[:5]):
        staff.post(f"/stories/{story.id}/replies", data={"body": f"Thank you for telling us, reply {n}."})
        assert f"reply {n}" not in public_story(app, story)
        rid = re.search(r'/moderation/replies/(\d+)', mod.get("/moderation/").get_data(as_text=True)).group(1)
        assert reply_form_action(mod, f"/moderation/replies/{rid}/publish").status_code == 302
        assert f"reply {n}" in public_story(app, story)
    staff.post(f"/stories/{stories[5].id}/replies", data={"body": "Thank you for telling us, reply 5."})
    assert "reply 5" in public_story(app, stories[5])


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_a_public_reply_edited_to_add_an_nhs_number_leaves_public_view(app, tree, people, make_story):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": "Thank you for telling us about this."})
    assert "Thank you for telling us" in public_story(app, story)
    edit = re.search(r'href="(/replies/\d+/edit)"', staff.get(f"/stories/{story.id}").get_data(as_text=True)).group(1)
    staff.post(edit, data={"body": f"Thank you. The patient's NHS number is {NHS}."})
    assert NHS not in public_story(app, story)
    assert NHS not in json.dumps(api_story(app, story))
    assert NHS not in app.test_client().get("/feeds/providers/W1/replies.atom").get_data(as_text=True)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
@pytest.mark.parametrize("kind", ["planned", "made"])
def test_a_change_description_with_a_phone_number_waits(app, tree, people, make_story, kind):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    data = {"kind": kind, "description": f"We will call every patient from {PHONE} after discharge."}
    if kind == "made":
        data["made_on"] = "2025-06-01"
    else:  # a change planned names its due date and who owns it
        data.update(due_on=(date.today() + timedelta(days=60)).isoformat(), owner="Discharge team")
    assert staff.post(f"/stories/{story.id}/changes", data=data).status_code == 302
    assert PHONE not in public_story(app, story)
    assert PHONE not in app.test_client().get("/feeds/providers/W1/replies.atom").get_data(as_text=True)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_a_change_made_before_the_story_happened_is_refused(app, tree, people, make_story):
    story = published(make_story, tree, people)  # experienced January 2025
    staff = signed(app, "staff@example.org")
    response = staff.post(f"/stories/{story.id}/changes", data={
        "kind": "made", "description": "We changed the appointment letters.", "made_on": "2024-11-30"})
    assert response.status_code in (200, 400)
    assert "appointment letters" not in public_story(app, story)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_an_authors_answer_always_waits(app, tree, people, make_story, smtp_server, deliver):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": "Thank you for telling us about this."})
    deliver()
    answer = link_in(smtp_server.last_to("author@example.org"), "/answer/")
    visitor = app.test_client()
    visitor.get(answer)
    visitor.post(answer, data={"body": "Thanks. My sister's number is 07700 900456 if you want her view."})
    assert "07700 900456" not in public_story(app, story)
    queue = signed(app, "mod@example.org").get("/moderation/").get_data(as_text=True)
    assert "07700 900456" in queue


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_a_removed_responder_can_no_longer_edit_their_reply(app, session, tree, people, make_story):
    from sqlalchemy import select

    from app.accounts.models import Membership
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": "Thank you for telling us about this."})
    edit = re.search(r'href="(/replies/\d+/edit)"', staff.get(f"/stories/{story.id}").get_data(as_text=True)).group(1)
    session.delete(session.scalar(select(Membership).where(Membership.user_id == people["staff"].id)))
    session.commit()
    response = staff.post(edit, data={"body": "Edited after leaving: please disregard the trust."})
    assert response.status_code in (403, 404)
    assert "Edited after leaving" not in public_story(app, story)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_a_reply_a_moderator_hid_cannot_be_edited_back(app, tree, people, make_story):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": "Thank you, this is a rude reply."})
    edit = re.search(r'href="(/replies/(\d+)/edit)"', staff.get(f"/stories/{story.id}").get_data(as_text=True))
    mod = signed(app, "mod@example.org")
    page = mod.get(f"/moderation/replies/{edit.group(2)}").get_data(as_text=True)
    hide = re.search(r'action="(/moderation/replies/\d+/hide)"', page).group(1)
    assert reply_form_action(mod, hide, reason="rude").status_code == 302
    assert "rude reply" not in public_story(app, story)
    response = staff.post(edit.group(1), data={"body": "Thank you, a polite reply now."})
    assert response.status_code in (403, 404)
    assert "polite reply" not in public_story(app, story)
