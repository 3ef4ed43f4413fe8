"""The layout's navigation and footer are kept (app/web/cache.py, kept_layout) per what they are given and the
language: every page, signed in or rendered for a visitor, reuses them. What must hold: each person's navigation
is theirs (a moderator's link never reaches a responder, a visitor never gets "Your account"), in their
language, and the logout form, which carries the session's CSRF token, is never part of what is kept."""
from __future__ import annotations

import re

import pytest

from ..conftest import login
from .rendered import app_overrides  # noqa: F401  (the page cache off)


@pytest.fixture
def people(make_user, tree):
    return {
        "moderator": make_user(email="mod@example.org", moderator=True),
        "responder": make_user(email="responder@nhs.example", provider=tree["ward"]),
        "reader": make_user(email="reader@example.org"),
    }


def nav(body: str) -> str:
    return body.split('<ul class="nav">')[1].split("</ul>")[0]


def test_each_person_gets_their_own_navigation_whoever_came_first(app, people):
    clients = {name: app.test_client() for name in ("visitor", *people)}
    for name in people:
        login(clients[name], people[name].email)
    for _ in range(2):  # the second round is served from what the first kept
        for name, client in clients.items():
            links = nav(client.get("/about").get_data(as_text=True))
            assert ("/moderation" in links) == (name == "moderator"), name
            assert ("/dashboard" in links) == (name == "responder"), name
            assert ("Your account" in links) == (name != "visitor"), name
            assert ("Log in" in links) == (name == "visitor"), name
            assert ("Log out" in links) == (name != "visitor"), name


def test_the_logout_form_carries_each_session_its_own_token(app, people):
    clients = {name: app.test_client() for name in ("moderator", "reader")}
    for name, client in clients.items():
        login(client, people[name].email)
    tokens = {}
    for name, client in clients.items():
        body = client.get("/about").get_data(as_text=True)
        tokens[name] = re.search(r'action="/account/logout"[^>]*>\s*<input type="hidden" name="csrf_token" '
                                 r'value="([^"]+)"', body).group(1)
    # Each token logs out its own session; the other session's token is refused.
    assert clients["reader"].post("/account/logout", data={"csrf_token": tokens["moderator"]},
                                  csrf=False).status_code == 400
    assert clients["reader"].post("/account/logout", data={"csrf_token": tokens["reader"]},
                                  csrf=False).status_code in (302, 303)
    assert "Log in" in nav(clients["reader"].get("/about").get_data(as_text=True))
    assert "Log out" in nav(clients["moderator"].get("/about").get_data(as_text=True))


def test_the_navigation_and_footer_follow_the_language(client, people):
    login(client, people["responder"].email)
    english = client.get("/about?lang=en").get_data(as_text=True)
    welsh = client.get("/about?lang=cy").get_data(as_text=True)
    assert "Your account" in nav(english) and "Your account" not in nav(welsh)
    assert "Tell your story" in nav(english) and "Tell your story" not in nav(welsh)
    footer_en, footer_cy = english.split('<footer')[1], welsh.split('<footer')[1]
    assert "How moderation works" in footer_en and "How moderation works" not in footer_cy
    assert "How moderation works" in client.get("/about?lang=en").get_data(as_text=True).split('<footer')[1]


@pytest.mark.settings(FRAGMENT_CACHE_MB=0)
def test_with_keeping_off_the_layout_is_rendered_every_time(app, people):
    client = app.test_client()
    assert "Log in" in nav(client.get("/about").get_data(as_text=True))
    login(client, people["moderator"].email)
    assert "/moderation" in nav(client.get("/about").get_data(as_text=True))
