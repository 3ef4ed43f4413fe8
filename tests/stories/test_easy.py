"""The easy-read way to tell a story: one question a screen, answers carried signed between screens, the same
story fields and service as /tell in the end (route easy_read); out-of-order and tampered posts make nothing."""
from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import func, select

from app.accounts.tokens import make_token
from app.mail.models import OutboxMessage
from app.stories.models import AWAITING_CONFIRMATION, EASY_READ, PENDING, Story

BODY = "The nurses on the ward were kind and explained everything to me.\n\nThe food was cold most days."


def _state(html: str) -> str:
    return html_lib.unescape(re.search(r'name="state" type="hidden" value="([^"]*)"', html).group(1))


def _step(html: str) -> str:
    return re.search(r'name="step" type="hidden" value="([^"]*)"', html).group(1)


class Teller:
    """Walks the screens the way a browser does: each POST carries the state the last screen gave."""

    def __init__(self, client):
        self.client = client
        self.response = client.post("/tell/easy", data={"action": "start"})
        self.html = self.response.get_data(as_text=True)

    def post(self, action: str = "next", **answers):
        data = {"state": _state(self.html), "step": _step(self.html), "action": action, **answers}
        self.response = self.client.post("/tell/easy", data=data)
        self.html = self.response.get_data(as_text=True)
        return self.response

    @property
    def step(self) -> str:
        return _step(self.html)


def _answer_all(teller: Teller, email: str | None = "easy@example.org") -> None:
    assert teller.step == "where"
    teller.post("find", provider_query="Ward One")
    assert "Ward One" in teller.html and 'value="W1"' in teller.html
    teller.post(provider_code="W1")
    assert teller.step == "who"
    teller.post(author_role="patient")
    teller.post(month="3", year="2025")
    assert teller.step == "feeling"
    teller.post(feeling="mixed")
    teller.post(body=BODY)
    assert teller.step == "title" and "Some good and some bad at Ward One" in teller.html
    teller.post(title="Some good and some bad at Ward One")
    teller.post(public_name="Sunflower")
    if email is not None:
        assert teller.step == "email"
        teller.post(email=email)
    assert teller.step == "check"


def _stories(session) -> int:
    return session.scalar(select(func.count(Story.id)))


def test_an_easy_read_story_reaches_the_same_service_as_tell(client, session, tree):
    teller = Teller(client)
    _answer_all(teller)
    assert "Sunflower" in teller.html and "March 2025" in teller.html
    response = teller.post("send", consent="y")
    assert response.status_code == 302 and "/tell/easy/thanks/" in response.headers["Location"]
    story = session.scalar(select(Story))
    assert (story.route, story.language, story.status) == (EASY_READ, "en", AWAITING_CONFIRMATION)
    assert (story.provider.code, story.author_role, story.public_name, story.title) == \
        ("W1", "patient", "Sunflower", "Some good and some bad at Ward One")
    assert story.body == BODY and story.experienced_on.isoformat() == "2025-03-01"
    assert story.author.email == "easy@example.org"
    assert session.scalar(select(OutboxMessage.to_addr)) == "easy@example.org"  # confirm it, like any story
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "Please look at your email" in thanks.get_data(as_text=True)
    assert client.get(f"/tell/easy/thanks/{story.id}").status_code == 404  # without the key


def test_a_signed_in_author_is_not_asked_for_the_address_and_goes_to_moderation(client, session, tree, make_user):
    author = make_user(email="known@example.org")
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = author.get_id()
        flask_session["_fresh"] = True
    teller = Teller(client)
    _answer_all(teller, email=None)
    assert "Your email address" not in teller.html
    teller.post("send", consent="y")
    story = session.scalar(select(Story))
    assert (story.status, story.route, story.author_id) == (PENDING, EASY_READ, author.id)


def test_back_goes_to_the_last_question_with_every_answer_kept(client, tree):
    teller = Teller(client)
    _answer_all(teller)
    teller.post("back")
    assert teller.step == "email" and 'value="easy@example.org"' in teller.html
    for expected in ("name", "title", "story"):
        teller.post("back")
        assert teller.step == expected
    assert "The food was cold most days." in teller.html
    teller.post("change:who")
    assert teller.step == "who" and re.search(r'value="patient"\s+checked', teller.html)


def test_nothing_is_sent_without_agreeing(client, session, tree):
    teller = Teller(client)
    _answer_all(teller)
    response = teller.post("send")
    assert response.status_code == 400 and "Tick the box" in teller.html
    assert _stories(session) == 0


def test_posting_the_last_screen_first_makes_no_story(client, session, tree):
    """A visitor who posts the steps out of order is shown the first question still to answer."""
    teller = Teller(client)
    teller.post("find", provider_query="Ward One")
    teller.post(provider_code="W1")
    data = {"state": _state(teller.html), "step": "check", "action": "send", "consent": "y"}
    html = client.post("/tell/easy", data=data).get_data(as_text=True)
    assert _step(html) == "who"
    assert _stories(session) == 0


@pytest.mark.parametrize("forge", ["edited", "own-signature", "other-purpose"])
def test_a_tampered_state_is_refused(app, client, session, tree, forge):
    teller = Teller(client)
    _answer_all(teller)
    state = _state(teller.html)
    if forge == "edited":
        state = state[:10] + ("A" if state[10] != "A" else "B") + state[11:]
    else:
        # Every question "answered" without a screen having checked any of them.
        answers = {"done": ["where", "who", "when", "feeling", "story", "title", "name", "email"], "key": "k" * 32,
                   "provider_code": "W1", "author_role": "patient", "month": 3, "year": 2025, "title": "Forged",
                   "body": BODY, "public_name": "X", "email": "victim@example.org"}
        with app.test_request_context():
            if forge == "other-purpose":
                state = make_token("story", answers)
            else:
                from itsdangerous import URLSafeTimedSerializer
                state = URLSafeTimedSerializer("not-the-site-key", salt="storyloop.easy-read").dumps(answers)
    response = client.post("/tell/easy", data={"state": state, "step": "check", "action": "send", "consent": "y"})
    assert response.status_code == 400 and "Please start again" in response.get_data(as_text=True)
    assert _stories(session) == 0


def test_an_answer_that_is_not_one_of_the_choices_is_refused(client, session, tree):
    teller = Teller(client)
    teller.post("find", provider_query="Ward One")
    assert teller.post(provider_code="NOPE").status_code == 400 and teller.step == "where"
    teller.post(provider_code="W1")
    assert teller.post(author_role="moderator").status_code == 400 and teller.step == "who"
    teller.post(author_role="carer")
    assert teller.post(month="13", year="2025").status_code == 400
    assert teller.post(month="1", year="2999").status_code == 400
    assert teller.post(month="٣", year="2025").status_code == 400
    teller.post(month="1", year="2025")
    teller.post(feeling="good")
    assert teller.post(body="\u200b" * 80 + "short").status_code == 400 and teller.step == "story"


def test_sending_twice_makes_one_story(client, session, tree):
    teller = Teller(client)
    _answer_all(teller)
    data = {"state": _state(teller.html), "step": "check", "action": "send", "consent": "y"}
    first = client.post("/tell/easy", data=data)
    second = client.post("/tell/easy", data=data)
    assert first.status_code == second.status_code == 302
    assert _stories(session) == 1
    assert session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_each_screen_has_pictures_with_text_and_no_script(client, tree):
    teller = Teller(client)
    pages = [client.get(path).get_data(as_text=True)
             for path in ("/tell/easy", "/tell/easy/what-happens", "/tell/easy/privacy")]
    teller.post("find", provider_query="Ward One")
    teller.post(provider_code="W1")
    pages.append(teller.html)
    teller.post(author_role="carer")
    pages.append(teller.html)
    for html in pages:
        assert "<script" not in html
        images = re.findall(r"<img [^>]*>", html)
        assert images and all(re.search(r'alt="[^"]+"', img) for img in images)
    assert teller.response.headers["Cache-Control"] == "no-store"


def test_the_pictures_are_svg_with_a_title(client):
    for name in ("place", "patient", "carer", "parent", "relative", "staff", "other", "good", "bad", "mixed"):
        response = client.get(f"/static/img/easy/{name}.svg")
        assert response.status_code == 200 and "<title" in response.get_data(as_text=True)
