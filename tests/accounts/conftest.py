"""Fixtures for the accounts tests: authors without a password, and reading the links emailed to them."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.conftest import link_in


@pytest.fixture
def app_overrides() -> dict:
    # These tests follow the links emailed to authors, not the pre-moderation of new responders' replies
    # (tests/replies/test_checked_replies.py): every responder here is trusted, so replies are public at once.
    return {"RESPONDER_MODERATED_REPLIES": 0}


@pytest.fixture
def make_author(session, make_user):
    """A confirmed author who never chose a password: they come back by emailed links only."""

    def make(email: str, confirmed: bool = True):
        user = make_user(email=email, confirmed=confirmed, display_name="")
        user.password_hash = None
        session.commit()
        return user

    return make


def signed_in(client) -> bool:
    response = client.get("/account/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and urlparse(response.headers["Location"]).path == "/account/login"
    return False


def sign_in_link(message) -> str:
    return link_in(message, "/account/link/")


def press(client, link: str, **data):
    """Open an emailed link, then press the one button on the page it opens."""
    page = client.get(link)
    assert page.status_code == 200, page.get_data(as_text=True)[:1000]
    return client.post(link, data=data)


def main_text(response) -> str:
    found = re.search(r"<main.*?</main>", response.get_data(as_text=True), re.S)
    return found.group(0) if found else response.get_data(as_text=True)
