"""Black-box attack tests for issue 16, addresses: only a proven owner sees what was told under an address, and
no answer tells whether an address is known.

Written from the issue text and README only; every step goes through the site's pages and the mail it sends.
"""
from __future__ import annotations

import re
import statistics
import time

import pytest

from tests.blackbox.conftest import VICTIM, confirm_link, main_text, press, signed_in_as, tell

# ---------------------------------------------------------------- proven addresses

def test_a_story_told_under_a_known_authors_address_is_not_theirs_until_they_confirm(app, session, tree, make_story,
                                                                                      make_author, smtp_server,
                                                                                      deliver):
    victim = make_author(VICTIM)
    make_story(tree["ward"], author=victim, status="published", title="My private operation story")
    attacker = app.test_client()
    assert tell(attacker, VICTIM, title="Written by the attacker").status_code == 302
    # The attacker gained nothing: no sign-in, no view of the victim's stories.
    assert signed_in_as(attacker) is None
    assert attacker.get("/my/stories").status_code != 200
    page = attacker.get(attacker.get("/tell").request.path)
    assert "My private operation story" not in page.get_data(as_text=True)


def test_signup_over_an_unconfirmed_address_then_log_in_shows_nothing_but_resend(app, session, tree, make_story,
                                                                               smtp_server, deliver):
    squatter = app.test_client()
    squatter.post("/account/signup", data={"email": VICTIM, "password": "squatter password 1",
                                           "confirm": "squatter password 1"})
    response = squatter.post("/account/login", data={"email": VICTIM, "password": "squatter password 1"})
    assert signed_in_as(squatter) is None
    assert "confirm" in main_text(response).lower()
    # The real owner tells a story and confirms it with the button; the squatter never sees it.
    owner = app.test_client()
    tell(owner, VICTIM, key="o" * 32)
    deliver()
    press(owner, confirm_link(smtp_server))
    again = app.test_client()
    again.post("/account/login", data={"email": VICTIM, "password": "squatter password 1"})
    assert signed_in_as(again) is None
    assert signed_in_as(squatter) is None
    assert "Kind nurses" in main_text(owner.get("/my/stories"))


def test_differently_cased_address_is_the_same_proven_owner(app, session, tree, make_story, make_author,
                                                            smtp_server, deliver):
    """Signing up as VICTIM@Example.org must not create a second account beside victim@example.org."""
    victim = make_author(VICTIM)
    make_story(tree["ward"], author=victim, status="published", title="The owner's story")
    squatter = app.test_client()
    squatter.post("/account/signup", data={"email": "Victim@Example.ORG", "password": "squatter password 1",
                                           "confirm": "squatter password 1"})
    deliver()
    squatter.post("/account/login", data={"email": "Victim@Example.ORG", "password": "squatter password 1"})
    assert signed_in_as(squatter) is None
    from sqlalchemy import func, select

    from app.accounts.models import User
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User).where(
        func.lower(User.email) == VICTIM)) == 1


# ---------------------------------------------------------------- no enumeration

def _normalise(text: str, address: str) -> str:
    text = text.replace(address, "ADDRESS")
    return re.sub(r'value="[^"]*"', 'value=""', text)


FORMS = {
    "signup": ("/account/signup",
               lambda a: {"email": a, "password": "a new pass phrase", "confirm": "a new pass phrase"}),
    "login": ("/account/login", lambda a: {"email": a, "password": "not the password at all"}),
    "forgot": ("/account/password/forgot", lambda a: {"email": a}),
    "link": ("/account/login/link", lambda a: {"link_email": a}),
}


@pytest.mark.settings(RATELIMIT_LOGIN="1000 per minute", RATELIMIT_SIGNUP="1000 per minute",
                      RATELIMIT_RESET="1000 per minute", RATELIMIT_POSTING="1000 per minute")
@pytest.mark.parametrize("form", sorted(FORMS))
def test_known_and_unknown_addresses_get_the_same_answer(app, session, make_user, make_author, form):
    make_user(email="known@example.org")
    make_author("authorx@example.org")
    unconfirmed = app.test_client()
    unconfirmed.post("/account/signup", data={"email": "pending@example.org", "password": "pending pass 123",
                                              "confirm": "pending pass 123"})
    path, data = FORMS[form]
    answers = {}
    for address in ("known@example.org", "authorx@example.org", "pending@example.org", "nobody1@example.org"):
        client = app.test_client()
        response = client.post(path, data=data(address))
        location = response.headers.get("Location", "")
        assert "@" not in location and "%40" not in location
        if response.status_code == 302:
            response = client.get(location)
        answers[address] = (response.status_code, _normalise(main_text(response), address))
    distinct = set(answers.values())
    assert len(distinct) == 1, answers


@pytest.mark.real_password_hashing
@pytest.mark.settings(RATELIMIT_LOGIN="1000 per minute", RATELIMIT_RESET="1000 per minute",
                      RATELIMIT_SIGNUP="1000 per minute")
@pytest.mark.parametrize("form", ["login", "forgot", "link", "signup"])
def test_known_and_unknown_addresses_take_about_the_same_time(app, make_user, make_author, form):
    """The Argon2 hash runs on every path: an unknown address must not answer several times faster."""
    make_user(email="known@example.org")
    make_author("authorx@example.org")
    path, data = FORMS[form]
    client = app.test_client()
    client.post(path, data=data("warmup@example.org"))

    def timed(address):
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            client.post(path, data=data(address))
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    known, passwordless, unknown = (timed("known@example.org"), timed("authorx@example.org"),
                                    timed("nobody@example.org"))
    slowest, fastest = max(known, passwordless, unknown), min(known, passwordless, unknown)
    assert fastest > slowest / 3, (known, passwordless, unknown)
