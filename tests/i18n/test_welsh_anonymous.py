"""The public name "Anonymous": stored in English (the API, the dataset and the feeds carry it as data), shown in the
reader's language on pages, offered in it on the forms, and either word taken back as anonymous."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from app.stories.easy import STEPS
from app.stories.models import ANONYMOUS, PUBLISHED, Story
from tests.conftest import PASSWORD, login
from tests.stories.test_easy import Teller


def words_of(response_or_text) -> str:
    text = response_or_text if isinstance(response_or_text, str) else response_or_text.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _name_field(page: str) -> str:
    return html.unescape(re.search(r'<input[^>]*id="public_name"[^>]*>', page).group(0))


def test_the_welsh_form_offers_the_welsh_word_and_stores_anonymous(client, session, tree):
    assert 'value="Dienw"' in _name_field(client.get("/tell?lang=cy").get_data(as_text=True))
    assert 'value="Anonymous"' in _name_field(client.get("/tell?lang=en").get_data(as_text=True))
    client.get("/?lang=cy")
    for key, typed in (("cy-1", "Dienw"), ("cy-2", "dienw "), ("cy-3", ""), ("cy-4", "Anonymous")):
        response = client.post("/tell", data={
            "provider_code": "W1", "title": f"Stori {key}", "month": "3", "year": "2025", "author_role": "patient",
            "body": "Roedd y nyrsys ar y ward yn garedig iawn ac yn egluro popeth am fy llawdriniaeth.",
            "public_name": typed, "email": "awdur@example.org", "consent": "y", "submission_key": key,
            "action": "tell"})
        assert response.status_code == 302, typed
    assert set(session.scalars(select(Story.public_name))) == {ANONYMOUS}


def test_the_welsh_easy_read_name_screen_offers_the_welsh_word(client, session, tree):
    client.get("/?lang=cy")
    teller = Teller(client)
    teller.post("find", provider_query="Ward One")
    teller.post(provider_code="W1")
    teller.post(author_role="patient")
    teller.post(month="3", year="2025")
    teller.post(feeling="mixed")
    teller.post(body="Roedd y nyrsys yn garedig iawn. Roedd y bwyd yn oer bron bob dydd, yn anffodus.")
    teller.post(title="Da a drwg")
    assert teller.step == "name" and STEPS.index("name") < STEPS.index("check")
    assert 'value="Dienw"' in _name_field(teller.html)
    teller.post(public_name="Dienw")
    teller.post(email="hawdd@example.org")
    assert teller.step == "check" and "Dienw" in words_of(teller.html) and "Anonymous" not in teller.html
    teller.post("send", consent="y")
    assert session.scalar(select(Story.public_name)) == ANONYMOUS


def test_welsh_pages_show_the_welsh_word_and_the_data_keeps_anonymous(client, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED, language="cy", title="Nyrsys caredig")
    welsh = words_of(client.get(f"/stories/{story.id}?lang=cy"))
    assert "postiwyd gan Dienw" in welsh and "Anonymous" not in welsh
    assert "Dienw" in words_of(client.get("/stories?lang=cy"))  # the story's card
    assert "Anonymous" not in words_of(client.get("/stories?lang=cy"))
    assert "posted by Anonymous" in words_of(client.get(f"/stories/{story.id}?lang=en"))
    assert client.get(f"/api/v1/stories/{story.id}?lang=cy").get_json()["data"]["public_name"] == "Anonymous"
    assert "<name>Anonymous</name>" in client.get("/feeds/stories.atom?lang=cy").get_data(as_text=True)


def test_a_name_someone_chose_is_shown_as_they_wrote_it(client, session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED, language="cy")
    story.public_name = "Anonymous Bosch"
    session.commit()
    assert "postiwyd gan Anonymous Bosch" in words_of(client.get(f"/stories/{story.id}?lang=cy"))


def test_a_welsh_author_editing_their_story_sees_the_welsh_word(client, tree, make_story, session):
    story = make_story(tree["ward"], status="pending", language="cy")
    login(client, story.author.email, PASSWORD)
    page = client.get(f"/my/stories/{story.id}/edit?lang=cy").get_data(as_text=True)
    assert 'value="Dienw"' in _name_field(page)
