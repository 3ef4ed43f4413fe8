"""The signposting to urgent help and complaints in the reader's language: the site's own words (settings unset)
on the tell, thanks and trust pages and in the rejection email, translated when the email is rendered in its
author's language, not when the moderator's request queues it; an operator's own words as they wrote them."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.mail.models import OutboxMessage
from app.moderation.services import reject
from tests.i18n.telling import tell_in_welsh

URGENT_CY = "Os ydych chi neu rywun arall mewn perygl neu wedi cael niwed difrifol nawr, ffoniwch 999."
COMPLAINTS_CY = "Nid yw'r wefan hon yn ffordd o gwyno"
URGENT_EN = "If you or someone else is in danger or seriously hurt now, call 999."
COMPLAINTS_EN = "This site is not a complaints route"


def words_of(response_or_text) -> str:
    text = response_or_text if isinstance(response_or_text, str) else response_or_text.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_the_tell_page_signposts_in_welsh(client, tree):
    welsh = words_of(client.get("/tell?lang=cy&provider=W1"))
    assert URGENT_CY in welsh and COMPLAINTS_CY in welsh and "dîm cwynion Ward One" in welsh
    assert URGENT_EN not in welsh and COMPLAINTS_EN not in welsh
    english = words_of(client.get("/tell?lang=en&provider=W1"))
    assert URGENT_EN in english and "contact Ward One's Patient Advice and Liaison Service (PALS)" in english


def test_the_thanks_page_after_a_welsh_telling_signposts_in_welsh(client, session, tree):
    response = tell_in_welsh(client, "welsh-thanks")
    assert response.status_code == 302
    thanks = words_of(client.get(response.headers["Location"]))
    assert "Diolch am eich stori" in thanks and URGENT_CY in thanks and COMPLAINTS_CY in thanks
    assert URGENT_EN not in thanks


def test_the_trust_pages_signpost_in_welsh(client):
    for path in ("/about", "/contact", "/how-moderation-works"):
        welsh = words_of(client.get(f"{path}?lang=cy"))
        assert URGENT_CY in welsh and URGENT_EN not in welsh, path


def test_a_welsh_rejection_email_signposts_in_welsh_whatever_the_moderators_language(app, session, tree, make_story,
                                                                                      make_user):
    story = make_story(tree["ward"], status="pending", language="cy", title="Aros yn hir")
    moderator = make_user(moderator=True)
    with app.test_request_context("/moderation/", headers={"Accept-Language": "en"}):
        reject(session, moderator, story, story.version, "duplicate", "")
        session.commit()
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == story.author.email)).one()
    for body in (message.body_text, words_of(message.body_html)):
        assert URGENT_CY in body and COMPLAINTS_CY in body and "dîm cwynion Ward One" in body
        assert URGENT_EN not in body and COMPLAINTS_EN not in body


def test_an_english_rejection_email_from_a_welsh_moderator_signposts_in_english(app, session, tree, make_story,
                                                                                make_user):
    story = make_story(tree["ward"], status="pending", language="en")
    with app.test_request_context("/moderation/?lang=cy"):
        reject(session, make_user(moderator=True), story, story.version, "duplicate", "")
        session.commit()
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == story.author.email)).one()
    assert URGENT_EN in message.body_text and COMPLAINTS_EN in message.body_text and URGENT_CY not in message.body_text


@pytest.mark.settings(SIGNPOSTING_URGENT="In Wales call 999, or NHS 111 Wales.",
                      SIGNPOSTING_COMPLAINTS="Complaints about {provider} go to Putting Things Right.")
def test_an_operators_own_signposting_is_shown_as_written_in_every_language(client, tree):
    for language in ("cy", "en"):
        page = words_of(client.get(f"/tell?lang={language}&provider=W1"))
        assert "In Wales call 999, or NHS 111 Wales." in page
        assert "Complaints about Ward One go to Putting Things Right." in page
        assert URGENT_CY not in page and URGENT_EN not in page
