"""Black-box tests for sign-up and confirmation, and the mail it sends through the outbox, written from the spec.

They drive the site through the test client, the CLI runner and the SMTP fixture; the database is only
consulted where the spec makes a promise that the web pages cannot show (one account per address, hashing).
"""
from __future__ import annotations

import re
import time

import pytest

from tests.accounts.conftest import (
    NEW_PASSWORD,
    OTHER_PASSWORD,
    location_path,
    normalised,
    page,
    signup,
    try_login,
    users_with_email,
)
from tests.conftest import PASSWORD, link_in, login

# ---------------------------------------------------------------- sign-up and confirmation

def test_signup_email_confirm_then_login(client, app, smtp_server, deliver, session):
    response = signup(client, "Alice@Example.org", display_name="Alice")
    assert response.status_code == 200
    assert "Check your email" in page(response)

    deliver()
    message = smtp_server.last_to("alice@example.org")
    confirm = link_in(message, "/account/confirm/")

    # The link opens a page; only its button (a POST, with the password chosen) confirms the address.
    response = client.get(confirm)
    assert response.status_code == 200
    assert users_with_email(session, "alice@example.org")[0].email_confirmed_at is None
    response = client.post(confirm, data={"password": NEW_PASSWORD})
    assert response.status_code == 302

    other = app.test_client()
    response = try_login(other, "alice@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert location_path(response) == "/account/"
    account = other.get("/account/")
    assert account.status_code == 200
    assert "alice@example.org" in page(account).lower()


def test_signup_rejects_mismatched_confirmation(client, smtp_server, deliver, session):
    response = signup(client, "mismatch@example.org", NEW_PASSWORD, confirm=OTHER_PASSWORD)
    assert response.status_code == 200
    assert "Check your email" not in page(response)
    deliver()
    assert smtp_server.to("mismatch@example.org") == []
    assert users_with_email(session, "mismatch@example.org") == []


def test_bad_confirmation_token_is_refused(client, make_user):
    response = client.get("/account/confirm/not-a-real-token")
    assert response.status_code in (400, 404)


def test_confirmation_link_expires(client, app, smtp_server, deliver, session, clock):
    signup(client, "late@example.org")
    deliver()
    confirm = link_in(smtp_server.last_to("late@example.org"), "/account/confirm/")
    clock.advance(seconds=app.config["TOKEN_MAX_AGE_CONFIRM"])
    assert client.get(confirm).status_code == 200  # its last second: it still opens
    clock.advance(seconds=1)
    response = client.get(confirm)
    assert response.status_code == 400
    user = users_with_email(session, "late@example.org")[0]
    session.refresh(user)
    assert user.email_confirmed_at is None


def test_duplicate_signup_with_other_case_reveals_nothing_and_makes_no_second_account(
        client, app, make_user, smtp_server, deliver, session):
    make_user(email="owner@example.org")

    fresh = signup(app.test_client(), "stranger@example.org")
    duplicate = signup(client, "OWNER@Example.ORG", OTHER_PASSWORD)
    assert duplicate.status_code == fresh.status_code == 200
    assert normalised(duplicate, "OWNER@Example.ORG") == normalised(fresh, "stranger@example.org")

    assert len(users_with_email(session, "owner@example.org")) == 1
    deliver()
    assert smtp_server.to("owner@example.org"), "the owner should be told someone tried to sign up"
    # the newcomer's password did not take over the account; the owner's still works
    assert try_login(app.test_client(), "owner@example.org", OTHER_PASSWORD).status_code == 200
    assert try_login(app.test_client(), "owner@example.org", PASSWORD).status_code == 302


@pytest.mark.parametrize("password, message_fragment", [
    ("short1", "10 characters"),
    ("password123", "common"),
    ("1234567890", "common"),
    ("qwertyuiop", "common"),
])
def test_weak_password_refused_with_message_and_email_kept(client, smtp_server, deliver, session,
                                                           password, message_fragment):
    response = signup(client, "weak@example.org", password)
    assert response.status_code == 200
    body = page(response)
    assert "Check your email" not in body
    assert message_fragment in body
    assert re.search(r'<input[^>]*name="email"[^>]*value="weak@example.org"', body)
    assert 'value="' + password + '"' not in body
    deliver()
    assert smtp_server.to("weak@example.org") == []
    assert users_with_email(session, "weak@example.org") == []


def test_passwords_are_stored_with_a_modern_kdf(client, session):
    signup(client, "hash@example.org")
    user = users_with_email(session, "hash@example.org")[0]
    assert NEW_PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("$argon2id$", "$argon2i$", "scrypt:", "$scrypt$", "$2b$", "$2a$"))


# ---------------------------------------------------------------- mail goes through the outbox

def test_nothing_is_emailed_until_the_worker_runs(client, app, hierarchy, make_user, smtp_server, deliver):
    trust, hospital = hierarchy
    make_user(email="boss@example.org", provider=hospital, role="manager")
    make_user(email="forgot@example.org")

    signup(app.test_client(), "queued@example.org")
    app.test_client().post("/account/password/forgot", data={"email": "forgot@example.org"})
    login(client, "boss@example.org", PASSWORD)
    client.post("/providers/HOSP1/staff", data={"email": "invitee@example.org", "job_title": "Nurse",
                                                "role": "responder"})
    # Real time, not the clock: this waits for a sender that a request might have started in another thread,
    # which would have reached the real SMTP server by now.
    time.sleep(0.3)
    assert smtp_server.messages == []

    deliver()
    assert smtp_server.to("queued@example.org")
    assert smtp_server.to("forgot@example.org")
    assert smtp_server.to("invitee@example.org")


def test_mail_refused_by_the_server_is_retried(client, smtp_server, deliver):
    smtp_server.refuse = 1
    signup(client, "retrymail@example.org")
    deliver()
    assert smtp_server.to("retrymail@example.org") == []
    deliver()
    link_in(smtp_server.last_to("retrymail@example.org"), "/account/confirm/")
