"""Telling a story: the form, its checks, confirmation and the double submit."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.stories.models import AWAITING_CONFIRMATION, PENDING, Story
from tests.conftest import PASSWORD, link_in, login

BODY = ("The nurses on the ward were kind and explained everything about my operation. "
        "The food was cold most days and I waited a long time for pain relief at night.")


def form_data(**overrides) -> dict:
    data = {
        "provider_code": "W1", "title": "Kind nurses, cold food", "body": BODY, "month": "3", "year": "2025",
        "author_role": "patient", "good_tags": ["good-kindness"], "improve_tags": ["improve-food"],
        "public_name": "Sam", "email": "author@example.org", "consent": "y", "submission_key": "key-1",
        "action": "tell",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def ward(make_provider):
    trust = make_provider(code="T1", name="Test Trust", kind="trust")
    hospital = make_provider(code="H1", name="Test Hospital", parent=trust)
    return make_provider(code="W1", name="Ward One", kind="department", parent=hospital)


def test_new_author_story_waits_for_confirmation_then_enters_the_queue(client, session, ward, smtp_server, deliver):
    response = client.post("/tell", data=form_data())
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Confirm your email address" in thanks
    story = session.scalar(select(Story))
    assert story.status == AWAITING_CONFIRMATION
    assert story.author.email == "author@example.org" and story.author.email_confirmed_at is None
    assert sorted(t.slug for t in story.tags) == ["good-kindness", "improve-food"]
    deliver()
    link = link_in(smtp_server.last_to("author@example.org"), "/stories/confirm/")
    # A GET only shows the button: it confirms nothing and signs nobody in.
    response = client.get(link)
    assert response.status_code == 200
    session.expire_all()
    assert session.scalar(select(Story)).status == AWAITING_CONFIRMATION
    response = client.post(link, data={})
    assert response.status_code == 302
    session.expire_all()
    story = session.scalar(select(Story))
    assert story.status == PENDING and story.queued_at is not None
    assert story.author.email_confirmed_at is not None
    # The author without a password is let in by the link, to follow the story.
    assert "Kind nurses, cold food" in client.get("/my/stories").get_data(as_text=True)


def test_confirmed_logged_in_author_goes_straight_to_the_queue(client, session, ward, make_user):
    make_user(email="known@example.org")
    login(client, "known@example.org", PASSWORD)
    response = client.post("/tell", data=form_data(email=None))
    assert response.status_code == 302
    assert session.scalar(select(Story)).status == PENDING


def test_anonymous_teller_with_an_existing_address_must_still_confirm(client, session, ward, make_user,
                                                                      smtp_server, deliver):
    make_user(email="owner@example.org")
    client.post("/tell", data=form_data(email="OWNER@example.org"))
    story = session.scalar(select(Story))
    assert story.status == AWAITING_CONFIRMATION
    assert story.author.email == "owner@example.org"
    deliver()
    assert smtp_server.last_to("owner@example.org")


def test_double_submit_creates_one_story(client, session, ward):
    first = client.post("/tell", data=form_data())
    second = client.post("/tell", data=form_data())
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert session.scalar(select(func.count(Story.id))) == 1


@pytest.mark.parametrize("field,value,message", [
    ("provider_code", "", "Choose the service"),
    ("provider_code", "NOPE", "Choose the service"),
    ("title", "", "Give your story a title"),
    ("title", "x" * 151, "under 150 characters"),
    ("body", "Too short to be a story.", "at least 50 characters"),
    ("body", "word " * 2100, "the most we can take is 10,000"),
    ("month", "", "Choose the month and year"),
    ("year", "2099", "cannot be in the future"),
    ("author_role", "alien", "Tell us who you are"),
    ("good_tags", ["not-a-tag"], "Choose tags from the list"),
    ("public_name", "n" * 61, "under 60 characters"),
    ("email", "not-an-email", "valid email address"),
    ("email", "", "Enter your email address"),
    ("consent", None, "agreement to the terms"),
])
def test_bad_input_is_explained_and_the_text_is_kept(client, session, ward, field, value, message):
    body = "My own words, which must not be lost when something else is wrong on the form."
    data = form_data(**{field: value})
    if field != "body":
        data["body"] = body
    response = client.post("/tell", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert "There is a problem" in page
    if field != "body":
        assert body in page
    assert session.scalar(select(func.count(Story.id))) == 0


def test_markup_and_control_characters_are_stripped_and_paragraphs_kept(client, session, ward):
    body = ("<script>alert(1)</script><b>Bold</b> start\x00 of   my story about the ward and the staff there."
            "\r\n\r\n\r\n"
            "Second\tparagraph, with &amp; an ampersand & <i>more</i> words to pass fifty characters.")
    client.post("/tell", data=form_data(body=body, title="<em>Title</em>\x07 here"))
    story = session.scalar(select(Story))
    assert story.title == "Title here"
    assert story.body == ("alert(1)Bold start of my story about the ward and the staff there.\n\n"
                          "Second paragraph, with & an ampersand & more words to pass fifty characters.")


def test_service_can_be_found_without_javascript(client, ward):
    page = client.post("/tell", data=form_data(provider_code="", provider_query="ward", action="find")) \
        .get_data(as_text=True)
    assert 'name="provider_code"' in page and 'value="W1"' in page
    assert BODY in page


def test_provider_query_preselects_the_service(client, ward):
    page = client.get("/tell?provider=w1").get_data(as_text=True)
    assert "Your story is about <strong>Ward One</strong>" in page
    assert re.search(r'name="submission_key"[^>]*value="[^"]{20,}"', page) or \
        re.search(r'value="[^"]{20,}"[^>]*name="submission_key"', page)


def test_thanks_page_says_what_happens_next_and_is_not_public(client, session, ward):
    response = client.post("/tell", data=form_data())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "What happens next" in page and "moderator" in page
    story = session.scalar(select(Story))
    assert client.get(f"/tell/thanks/{story.id}").status_code == 404


@pytest.mark.parametrize("padding", ["\u200d", "\u200c", "\ufe0f", "\U000e0041", "\u200d\u200c"])
def test_invisible_characters_do_not_make_up_the_minimum_length(client, session, ward, padding):
    """Found by a black-box check: 40 zero-width joiners, " a " and 40 non-joiners were taken as a story of 83
    characters, whose visible text was "a". The joiners stay in the text (scripts need them), but only what shows
    counts towards a minimum."""
    padded = padding * 40 + " a " + padding * 40
    page = client.post("/tell", data=form_data(body=padded, title=padding * 5 + "ab")).get_data(as_text=True)
    assert "at least 50 characters (you have" in page and "Give your story a title" in page
    assert session.scalar(select(func.count(Story.id))) == 0
    # Joined words of scripts that need them still count as the letters they show.
    sinhala = "ශ්‍රී ලංකාවේ රෝහලේ හෙදියන් ඉතා කාරුණික විය. ඔවුන් සෑම දෙයක්ම පැහැදිලි කළා, ස්තූතියි."
    assert client.post("/tell", data=form_data(body=sinhala)).status_code == 302
    assert session.scalar(select(func.count(Story.id))) == 1


def test_visible_length_counts_what_shows():
    from app.text import visible_length

    assert visible_length("\u200d" * 40 + "a" + "\ufe0f" * 9) == 1
    assert visible_length("👩‍⚕️") == 2  # woman, staff of Aesculapius: the joiner and the selector show nothing
    assert visible_length("ශ්‍රී") == 4
