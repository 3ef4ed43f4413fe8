"""Black-box tests for logging in and out, changing the password, rate limits and CSRF, written from the spec.

They drive the site through the test client, the CLI runner and the SMTP fixture; the database is only
consulted where the spec makes a promise that the web pages cannot show (one account per address, hashing).
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.accounts.conftest import (
    NEW_PASSWORD,
    forgot_and_get_link,
    is_logged_in,
    location_path,
    normalised,
    page,
    signup,
    try_login,
)
from tests.conftest import PASSWORD, login

# ---------------------------------------------------------------- login and logout

def test_login_is_case_insensitive_on_email(client, make_user):
    make_user(email="mixed@example.org")
    response = try_login(client, "MIXED@Example.Org", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_wrong_password_and_unknown_address_answer_the_same(app, make_user):
    make_user(email="known@example.org")
    wrong = try_login(app.test_client(), "known@example.org", "not the right password")
    unknown = try_login(app.test_client(), "nobody@example.org", "not the right password")
    assert wrong.status_code == unknown.status_code == 200
    assert "The email address or password is not right." in page(wrong)
    assert normalised(wrong, "known@example.org") == normalised(unknown, "nobody@example.org")


def test_unconfirmed_wrong_password_also_generic(app, make_user):
    make_user(email="unconf@example.org", confirmed=False)
    wrong = try_login(app.test_client(), "unconf@example.org", "not the right password")
    unknown = try_login(app.test_client(), "nobody@example.org", "not the right password")
    assert normalised(wrong, "unconf@example.org") == normalised(unknown, "nobody@example.org")


@pytest.mark.parametrize("target", [
    "https://evil.example",
    "https://evil.example/account/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "http:evil.example",
    "javascript:alert(1)",
])
def test_offsite_next_is_ignored(client, make_user, target):
    make_user(email="nexter@example.org")
    response = try_login(client, "nexter@example.org", PASSWORD, next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and "javascript" not in location
    assert location_path(response) == "/account/"


def test_offsite_next_in_query_string_is_ignored(client, make_user):
    make_user(email="nextq@example.org")
    response = client.post("/account/login?next=//evil.example",
                           data={"email": "nextq@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_local_next_is_honoured(client, make_user):
    make_user(email="local@example.org")
    response = try_login(client, "local@example.org", PASSWORD, next="/providers")
    assert response.status_code == 302
    assert location_path(response) == "/providers"


def test_login_required_page_sends_anonymous_to_login_with_next(client):
    response = client.get("/account/")
    assert response.status_code == 302
    target = urlparse(response.headers["Location"])
    assert target.path == "/account/login"
    assert parse_qs(target.query)["next"] == ["/account/"]


def test_logout_requires_post_with_csrf(client, make_user):
    make_user(email="leaver@example.org")
    login(client, "leaver@example.org", PASSWORD)

    response = client.get("/account/logout")
    assert response.status_code in (405, 404, 400)
    assert is_logged_in(client)

    response = client.post("/account/logout", data={}, csrf=False)
    assert response.status_code == 400
    assert is_logged_in(client)

    response = client.post("/account/logout", data={})
    assert response.status_code in (302, 303)
    assert not is_logged_in(client)


# ---------------------------------------------------------------- change password

def test_change_password_requires_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert urlparse(response.headers["Location"]).path == "/account/login"


def test_change_password_needs_right_current_password(client, app, make_user):
    make_user(email="changer@example.org")
    login(client, "changer@example.org", PASSWORD)
    response = client.post("/account/password", data={"current_password": "not my password",
                                                      "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 200
    assert try_login(app.test_client(), "changer@example.org", NEW_PASSWORD).status_code == 200
    assert try_login(app.test_client(), "changer@example.org", PASSWORD).status_code == 302


def test_change_password_refuses_weak_new_password(client, app, make_user):
    make_user(email="weakchange@example.org")
    login(client, "weakchange@example.org", PASSWORD)
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "password": "password123", "confirm": "password123"})
    assert response.status_code == 200
    assert "common" in page(response)
    assert try_login(app.test_client(), "weakchange@example.org", PASSWORD).status_code == 302


def test_change_password_ends_other_sessions_and_keeps_this_one(client, app, make_user):
    make_user(email="mover@example.org")
    elsewhere = app.test_client()
    login(elsewhere, "mover@example.org", PASSWORD)
    login(client, "mover@example.org", PASSWORD)

    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not is_logged_in(elsewhere)
    assert is_logged_in(client)
    assert try_login(app.test_client(), "mover@example.org", NEW_PASSWORD).status_code == 302
    assert try_login(app.test_client(), "mover@example.org", PASSWORD).status_code == 200


# ---------------------------------------------------------------- rate limits

def test_eleventh_login_post_in_a_minute_gets_429(client, make_user):
    make_user(email="hammer@example.org")
    for attempt in range(10):
        response = try_login(client, "hammer@example.org", f"wrong password {attempt}")
        assert response.status_code == 200, attempt
    response = try_login(client, "hammer@example.org", "wrong password 10")
    assert response.status_code == 429
    # even the right password is refused while limited
    assert try_login(client, "hammer@example.org", PASSWORD).status_code == 429


def test_sixth_signup_post_in_a_minute_gets_429(client):
    for n in range(5):
        assert signup(client, f"many{n}@example.org").status_code == 200, n
    assert signup(client, "many5@example.org").status_code == 429


def test_sixth_forgot_post_in_a_minute_gets_429(client, make_user):
    make_user(email="forgetful@example.org")
    for n in range(5):
        response = client.post("/account/password/forgot", data={"email": "forgetful@example.org"})
        assert response.status_code == 200, n
    response = client.post("/account/password/forgot", data={"email": "forgetful@example.org"})
    assert response.status_code == 429


def test_forgot_limit_answers_the_same_for_unknown_addresses(client):
    for n in range(5):
        assert client.post("/account/password/forgot", data={"email": f"ghost{n}@example.org"}).status_code == 200
    assert client.post("/account/password/forgot", data={"email": "ghost9@example.org"}).status_code == 429


def test_reset_form_posts_are_rate_limited(client, make_user, smtp_server, deliver):
    make_user(email="resetspam@example.org")
    link = forgot_and_get_link(client, deliver, smtp_server, "resetspam@example.org")
    codes = [client.post(link, data={"password": "short", "confirm": "short"}).status_code for _ in range(25)]
    assert 429 in codes, codes


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_LOGIN": "2 per minute"}])
def test_login_limit_setting_is_honoured(client, make_user):
    make_user(email="setting@example.org")
    assert try_login(client, "setting@example.org", "wrong password 1").status_code == 200
    assert try_login(client, "setting@example.org", "wrong password 2").status_code == 200
    assert try_login(client, "setting@example.org", "wrong password 3").status_code == 429


# ---------------------------------------------------------------- CSRF

@pytest.mark.parametrize("path, data", [
    ("/account/signup", {"email": "c@example.org", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    ("/account/login", {"email": "c@example.org", "password": NEW_PASSWORD}),
    ("/account/password/forgot", {"email": "c@example.org"}),
    ("/account/logout", {}),
])
def test_csrf_less_posts_get_400(client, smtp_server, deliver, path, data):
    response = client.post(path, data=data, csrf=False)
    assert response.status_code == 400
    deliver()
    assert smtp_server.messages == []


def test_csrf_less_posts_to_logged_in_forms_get_400(client, app, make_user, hierarchy, smtp_server, deliver):
    trust, hospital = hierarchy
    make_user(email="csrfmgr@example.org", provider=hospital, role="manager")
    login(client, "csrfmgr@example.org", PASSWORD)
    response = client.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD}, csrf=False)
    assert response.status_code == 400
    response = client.post("/providers/HOSP1/staff", data={"email": "x@example.org", "job_title": "Nurse",
                                                           "role": "responder"}, csrf=False)
    assert response.status_code == 400
    deliver()
    assert smtp_server.messages == []
    assert try_login(app.test_client(), "csrfmgr@example.org", PASSWORD).status_code == 302


def test_csrf_less_reset_post_gets_400_and_changes_nothing(client, app, make_user, smtp_server, deliver):
    make_user(email="csrfreset@example.org")
    link = forgot_and_get_link(client, deliver, smtp_server, "csrfreset@example.org")
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert try_login(app.test_client(), "csrfreset@example.org", PASSWORD).status_code == 302
