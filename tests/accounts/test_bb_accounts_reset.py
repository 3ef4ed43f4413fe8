"""Black-box tests for the forgotten password and its reset link, written from the spec.

They drive the site through the test client, the CLI runner and the SMTP fixture; the database is only
consulted where the spec makes a promise that the web pages cannot show (one account per address, hashing).
"""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.accounts.conftest import (
    NEW_PASSWORD,
    OTHER_PASSWORD,
    forgot_and_get_link,
    is_logged_in,
    normalised,
    page,
    try_login,
)
from tests.conftest import PASSWORD, link_in

# ---------------------------------------------------------------- forgotten password and reset

def test_forgot_for_unknown_address_same_page_and_no_mail(app, make_user, smtp_server, deliver):
    make_user(email="exists@example.org")
    known = app.test_client().post("/account/password/forgot", data={"email": "exists@example.org"})
    unknown = app.test_client().post("/account/password/forgot", data={"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in page(unknown)
    assert normalised(known, "exists@example.org") == normalised(unknown, "ghost@example.org")
    deliver()
    assert smtp_server.to("ghost@example.org") == []
    assert smtp_server.to("exists@example.org")


def test_forgot_matches_address_case_insensitively(client, make_user, smtp_server, deliver):
    make_user(email="casey@example.org")
    client.post("/account/password/forgot", data={"email": "CASEY@example.ORG"})
    deliver()
    link_in(smtp_server.last_to("casey@example.org"), "/account/password/reset/")


def test_reset_link_works_once(client, app, make_user, smtp_server, deliver):
    make_user(email="once@example.org")
    link = forgot_and_get_link(client, deliver, smtp_server, "once@example.org")

    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert urlparse(response.headers["Location"]).path == "/account/login"

    assert try_login(app.test_client(), "once@example.org", NEW_PASSWORD).status_code == 302
    assert try_login(app.test_client(), "once@example.org", PASSWORD).status_code == 200

    assert client.get(link).status_code == 400
    again = client.post(link, data={"password": OTHER_PASSWORD, "confirm": OTHER_PASSWORD})
    assert again.status_code == 400
    assert try_login(app.test_client(), "once@example.org", OTHER_PASSWORD).status_code == 200
    assert try_login(app.test_client(), "once@example.org", NEW_PASSWORD).status_code == 302


def test_refused_new_password_does_not_use_up_the_reset_link(client, app, make_user, smtp_server, deliver):
    make_user(email="retry@example.org")
    link = forgot_and_get_link(client, deliver, smtp_server, "retry@example.org")
    response = client.post(link, data={"password": "short", "confirm": "short"})
    assert response.status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert try_login(app.test_client(), "retry@example.org", NEW_PASSWORD).status_code == 302


def test_reset_refuses_weak_password(client, app, make_user, smtp_server, deliver):
    make_user(email="weakreset@example.org")
    link = forgot_and_get_link(client, deliver, smtp_server, "weakreset@example.org")
    response = client.post(link, data={"password": "password123", "confirm": "password123"})
    assert response.status_code == 200
    assert "common" in page(response)
    assert try_login(app.test_client(), "weakreset@example.org", PASSWORD).status_code == 302


def test_expired_reset_link_is_refused(client, app, make_user, smtp_server, deliver, clock):
    make_user(email="slow@example.org")
    link = forgot_and_get_link(client, deliver, smtp_server, "slow@example.org")
    clock.advance(seconds=app.config["TOKEN_MAX_AGE_RESET"])
    assert client.get(link).status_code == 200  # its last second: it still opens
    clock.advance(seconds=1)
    assert client.get(link).status_code == 400
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert try_login(app.test_client(), "slow@example.org", NEW_PASSWORD).status_code == 200
    assert try_login(app.test_client(), "slow@example.org", PASSWORD).status_code == 302


def test_tampered_reset_link_is_refused(client, make_user, smtp_server, deliver):
    make_user(email="tamper@example.org")
    link = forgot_and_get_link(client, deliver, smtp_server, "tamper@example.org")
    # An inner character: the last base64 character may carry only padding bits.
    tampered = link[:-6] + ("A" if link[-6] != "A" else "B") + link[-5:]
    assert client.get(tampered).status_code == 400


@pytest.mark.parametrize("remember", [False, True])
def test_reset_logs_out_other_sessions(app, make_user, smtp_server, deliver, remember):
    make_user(email="shared@example.org")
    elsewhere = app.test_client()
    data = {"email": "shared@example.org", "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert elsewhere.post("/account/login", data=data).status_code == 302
    assert is_logged_in(elsewhere)

    resetter = app.test_client()
    link = forgot_and_get_link(resetter, deliver, smtp_server, "shared@example.org")
    assert resetter.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302

    assert not is_logged_in(elsewhere)
