"""One story per telling: Back + resubmit, a double click, a refreshed POST; and "Find the service" is free."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.mail.models import OutboxMessage
from app.stories.models import Story
from tests.conftest import PASSWORD, login
from tests.stories.test_tell import form_data


@pytest.fixture
def ward(make_provider):
    trust = make_provider(code="T1", name="Test Trust", kind="trust")
    hospital = make_provider(code="H1", name="Test Hospital", parent=trust)
    return make_provider(code="W1", name="Ward One", kind="department", parent=hospital)


def fresh_key(client) -> str:
    page = client.get("/tell?provider=W1").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="submission_key"[^>]*>', page).group(0)
    return re.search(r'value="([^"]+)"', field).group(1)


def counts(session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count(Story.id))),
            session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "story.confirm")))


def test_back_after_the_thanks_page_and_sending_again_makes_one_story_and_one_email(client, session, ward):
    first = client.post("/tell", data=form_data(submission_key=fresh_key(client)))
    assert first.status_code == 302
    # Back: the browser fetches the form again, with a new key, and the author sends the same story.
    again = client.post("/tell", data=form_data(submission_key=fresh_key(client)))
    assert again.status_code == 200 and "Thank you for your story" in again.get_data(as_text=True)
    assert counts(session) == (1, 1)
    # The first form's key is not given away on the second answer.
    story = session.scalar(select(Story))
    assert story.submission_key not in again.get_data(as_text=True)


def test_the_same_telling_from_a_signed_in_author_is_one_story(client, session, ward, make_user):
    make_user(email="signed@example.org")
    login(client, "signed@example.org", PASSWORD)
    for _ in range(2):
        client.post("/tell", data=form_data(email=None, submission_key=fresh_key(client)))
    assert counts(session)[0] == 1


def test_a_double_click_and_a_refreshed_post_make_one_story_and_one_email(client, session, ward):
    key = fresh_key(client)
    for _ in range(3):
        assert client.post("/tell", data=form_data(submission_key=key)).status_code == 302
    assert counts(session) == (1, 1)


def test_a_different_story_is_still_a_new_story(client, session, ward):
    client.post("/tell", data=form_data(submission_key=fresh_key(client)))
    client.post("/tell", data=form_data(submission_key=fresh_key(client), title="Another visit, another story"))
    assert counts(session) == (2, 2)


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_POSTING": "3 per minute"}])
def test_find_the_service_never_counts_toward_the_posting_limit(client, session, ward):
    for _ in range(6):
        response = client.post("/tell", data={"provider_query": "Ward", "action": "find"})
        assert response.status_code == 200 and "Ward One" in response.get_data(as_text=True)
    assert client.post("/tell", data=form_data(submission_key=fresh_key(client))).status_code == 302
