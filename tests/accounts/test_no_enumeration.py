"""No account enumeration: sign-up, log-in, "forgotten password" and "email me a sign-in link" answer the same
words and status for a known and an unknown address, and the expensive hash runs on every path."""
from __future__ import annotations

import re

import pytest

from app.accounts import passwords

KNOWN, UNKNOWN = "known@example.org", "unknown@example.org"
FORMS = {
    "sign-up": ("/account/signup", lambda email: {"email": email, "password": "plum kettle orbit lantern",
                                                  "confirm": "plum kettle orbit lantern"}),
    "log-in": ("/account/login", lambda email: {"email": email, "password": "not the right password"}),
    "forgotten password": ("/account/password/forgot", lambda email: {"email": email}),
    "sign-in link": ("/account/login/link", lambda email: {"link_email": email}),
}


@pytest.fixture
def hash_calls(monkeypatch):
    """Counts Argon2 hashes and verifications (each one is the expensive part of the answer's time)."""
    calls: list[str] = []
    real = passwords._hasher

    class Spy:
        def hash(self, *args, **kwargs):
            calls.append("hash")
            return real.hash(*args, **kwargs)

        def verify(self, *args, **kwargs):
            calls.append("verify")
            return real.verify(*args, **kwargs)

        def check_needs_rehash(self, *args, **kwargs):
            return real.check_needs_rehash(*args, **kwargs)

    monkeypatch.setattr(passwords, "_hasher", Spy())
    return calls


def normalised(response, address: str) -> str:
    text = re.search(r"<main.*?</main>", response.get_data(as_text=True), re.S).group(0)
    text = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", text)
    text = re.sub(r'(value=")[^"]*("[^>]*name="csrf_token")', r"\1\2", text)
    return re.sub(r"\s+", " ", text.replace(address, "ADDRESS"))


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("known_kind", ["with a password", "without a password", "not yet confirmed"])
def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_hash(app, session, make_user, hash_calls,
                                                                           form, known_kind):
    user = make_user(email=KNOWN, confirmed=known_kind != "not yet confirmed")
    if known_kind == "without a password":
        user.password_hash = None
        session.commit()
    path, data = FORMS[form]
    answers, counts = {}, {}
    for address in (KNOWN, UNKNOWN):
        hash_calls.clear()
        answers[address] = app.test_client().post(path, data=data(address))
        counts[address] = len(hash_calls)
    assert answers[KNOWN].status_code == answers[UNKNOWN].status_code
    assert normalised(answers[KNOWN], KNOWN) == normalised(answers[UNKNOWN], UNKNOWN)
    assert counts[UNKNOWN] >= 1, "the hash must run for an unknown address too"
    assert counts[KNOWN] == counts[UNKNOWN]


@pytest.mark.parametrize("form", ["forgotten password", "sign-in link", "sign-up"])
def test_no_address_ever_appears_in_a_url(app, make_user, form, smtp_server, deliver):
    make_user(email=KNOWN)
    path, data = FORMS[form]
    response = app.test_client().post(path, data=data(KNOWN))
    assert KNOWN not in response.headers.get("Location", "")
    deliver()
    for message in smtp_server.to(KNOWN):
        body = message.get_body(preferencelist=("plain",)).get_content()
        for url in re.findall(r"https?://\S+", body):
            assert "known" not in url and "%40" not in url and "@" not in url


def test_a_password_reset_does_not_put_the_address_in_the_login_url(app, make_user, smtp_server, deliver):
    make_user(email=KNOWN)
    client = app.test_client()
    client.post("/account/password/forgot", data={"email": KNOWN})
    deliver()
    from tests.conftest import link_in

    link = link_in(smtp_server.last_to(KNOWN), "/account/password/reset/")
    response = client.post(link, data={"password": "plum kettle orbit lantern",
                                       "confirm": "plum kettle orbit lantern"})
    assert response.status_code == 302
    assert "known" not in response.headers["Location"] and "email=" not in response.headers["Location"]
