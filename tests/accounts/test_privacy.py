"""An author's own data: downloading it, deleting the account (stories withdrawn or kept anonymously), sessions."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import PASSWORD, login


@pytest.fixture
def author(make_user):
    return make_user(email="ann@example.org", display_name="Ann Author")


@pytest.fixture
def stories(make_story, tree, author, make_user, session):
    published = make_story(tree["ward"], author=author, status="published", title="Kind nurses")
    published.public_name = "Ann A."
    session.commit()
    return {
        "published": published,
        "pending": make_story(tree["ward"], author=author, status="pending", title="Still waiting"),
        "someone_else": make_story(tree["ward"], author=make_user(email="bob@example.org"), status="published",
                                   title="Bob's story"),
    }


def test_download_holds_the_authors_own_data_and_nobody_elses(client, author, stories):
    login(client, author.email)
    response = client.get("/account/data")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "ann@example.org"
    assert {s["title"] for s in data["stories"]} == {"Kind nurses", "Still waiting"}
    assert "bob@example.org" not in response.get_data(as_text=True)


def test_answers_are_in_the_download(client, author, stories, session):
    from app.replies.models import Reply

    session.add(Reply(story_id=stories["published"].id, author_id=author.id, kind="answer",
                      body="Thank you for your reply.", status="pending"))
    session.commit()
    login(client, author.email)
    data = client.get("/account/data").get_json()
    assert [r["body"] for r in data["replies"]] == ["Thank you for your reply."]


def test_delete_and_withdraw_takes_every_story_off_the_site(client, author, stories, session):
    login(client, author.email)
    response = client.post("/account/delete", data={"stories": "withdraw", "password": PASSWORD})
    assert response.status_code == 302
    session.refresh(stories["published"])
    assert stories["published"].status == "withdrawn"
    assert client.get(f"/api/v1/stories/{stories['published'].id}").status_code == 410  # gone, as withdrawn
    assert client.get(f"/stories/{stories['someone_else'].id}").status_code == 200


def test_delete_and_keep_leaves_published_stories_anonymous_and_removes_the_person(client, author, stories,
                                                                                    session):
    login(client, author.email)
    response = client.post("/account/delete", data={"stories": "keep", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(f"/stories/{stories['published'].id}")
    assert page.status_code == 200
    assert "Ann A." not in page.get_data(as_text=True)
    session.refresh(stories["pending"])
    assert stories["pending"].status == "withdrawn"  # not yet published: never goes out without its author
    session.refresh(author)
    assert author.email != "ann@example.org" and author.display_name == "" and author.password_hash is None
    # Logged out, and the old password no longer opens anything.
    assert "/account/login" in client.get("/account/").headers["Location"]
    assert client.post("/account/login", data={"email": "ann@example.org", "password": PASSWORD}).status_code == 200


def test_deleting_needs_the_password_and_a_choice_and_keeps_the_choice_on_error(client, author, stories, session):
    login(client, author.email)
    response = client.post("/account/delete", data={"stories": "keep", "password": "wrong password"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Your password is not right." in page
    assert re.search(r'<input[^>]*checked[^>]*value="keep"|<input[^>]*value="keep"[^>]*checked', page)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 200
    session.refresh(author)
    assert author.email == "ann@example.org"


def test_a_password_change_ends_the_other_sessions(app, author):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, author.email)
    login(laptop, author.email)
    new = "a new long passphrase here"
    response = laptop.post("/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert "/account/login" in phone.get("/account/").headers["Location"]
