"""Fixtures for the accounts tests: authors without a password, reading the links emailed to them, and the
black-box account tests' helpers (test_bb_accounts_*.py)."""
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


# ---------------------------------------------------------------- shared by test_bb_accounts_*.py

NEW_PASSWORD = "plum kettle orbit lantern"
OTHER_PASSWORD = "seven quiet harbour stones"


def page(response) -> str:
    return response.get_data(as_text=True)


def main_of(response) -> str:
    text = page(response)
    found = re.search(r"<main.*?</main>", text, re.S)
    return found.group(0) if found else text


def normalised(response, *addresses: str) -> str:
    """The main part of a page without CSRF tokens and the given addresses, for comparing two answers."""
    text = main_of(response)
    text = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", text)
    text = re.sub(r'(id="csrf_token"[^>]*value=")[^"]*', r"\1", text)
    for address in addresses:
        text = re.sub(re.escape(address), "ADDRESS", text, flags=re.I)
    return re.sub(r"\s+", " ", text)


def location_path(response) -> str:
    """The redirect target; asserts it stays on this site."""
    location = response.headers["Location"]
    parsed = urlparse(location)
    assert parsed.netloc in ("", "localhost"), location
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def is_logged_in(client) -> bool:
    response = client.get("/account/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert urlparse(response.headers["Location"]).path == "/account/login"
    return False


def signup(client, email: str, password: str = NEW_PASSWORD, confirm: str | None = None, display_name: str = ""):
    return client.post("/account/signup", data={"email": email, "display_name": display_name,
                                                "password": password, "confirm": confirm or password})


def try_login(client, email: str, password: str, **extra):
    return client.post("/account/login", data={"email": email, "password": password, **extra})


def cli(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def users_with_email(session, address: str):
    from sqlalchemy import func, select

    from app.accounts.models import User

    return session.execute(select(User).where(func.lower(User.email) == address.lower())).scalars().all()


def forgot_and_get_link(client, deliver, smtp_server, address: str) -> str:
    response = client.post("/account/password/forgot", data={"email": address})
    assert response.status_code == 200
    deliver()
    return link_in(smtp_server.last_to(address), "/account/password/reset/")


@pytest.fixture
def hierarchy(make_provider):
    trust = make_provider(code="TRUST1", name="North Trust", kind="trust")
    hospital = make_provider(code="HOSP1", name="General Hospital", parent=trust)
    return trust, hospital
