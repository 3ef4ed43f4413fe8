"""Black-box tests for accounts, staff invitations, mail and rate limits, written from the spec.

They drive the site through the test client, the CLI runner and the SMTP fixture; the database is only
consulted where the spec makes a promise that the web pages cannot show (one account per address, hashing).
"""
from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import PASSWORD, link_in, login

NEW_PASSWORD = "plum kettle orbit lantern"
OTHER_PASSWORD = "seven quiet harbour stones"


# ---------------------------------------------------------------- helpers

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


# ---------------------------------------------------------------- users create (CLI)

@pytest.mark.parametrize("role, flag", [("moderator", "is_moderator"), ("admin", "is_admin")])
def test_users_create_makes_verified_staff_who_can_log_in(app, session, role, flag):
    result = cli(app, "users", "create", "Staffer@Example.org", "--role", role, "--password-stdin",
                 input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    found = users_with_email(session, "staffer@example.org")
    assert len(found) == 1
    user = found[0]
    session.refresh(user)
    assert getattr(user, flag) is True
    assert user.email_confirmed_at is not None
    client = app.test_client()
    assert try_login(client, "staffer@example.org", NEW_PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_users_create_admin_may_manage_any_providers_staff(app, hierarchy):
    result = cli(app, "users", "create", "boss@example.org", "--role", "admin", "--password-stdin",
                 input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    client = app.test_client()
    login(client, "boss@example.org", NEW_PASSWORD)
    assert client.get("/providers/HOSP1/staff").status_code == 200
    assert client.get("/providers/TRUST1/staff").status_code == 200


def test_users_create_prompts_for_password_when_not_on_stdin(app):
    result = cli(app, "users", "create", "prompted@example.org", "--role", "moderator",
                 input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert try_login(app.test_client(), "prompted@example.org", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("password", ["short", "password123"])
def test_users_create_refuses_weak_password(app, session, password):
    result = cli(app, "users", "create", "weakcli@example.org", "--role", "moderator", "--password-stdin",
                 input=password + "\n")
    assert result.exit_code != 0
    assert users_with_email(session, "weakcli@example.org") == []


def test_users_create_refuses_duplicate_address(app, make_user, session):
    make_user(email="taken@example.org")
    result = cli(app, "users", "create", "TAKEN@example.org", "--role", "admin", "--password-stdin",
                 input=NEW_PASSWORD + "\n")
    assert result.exit_code != 0
    assert len(users_with_email(session, "taken@example.org")) == 1
    assert try_login(app.test_client(), "taken@example.org", NEW_PASSWORD).status_code == 200


def test_users_create_refuses_unknown_role(app, session):
    result = cli(app, "users", "create", "role@example.org", "--role", "wizard", "--password-stdin",
                 input=NEW_PASSWORD + "\n")
    assert result.exit_code != 0
    assert users_with_email(session, "role@example.org") == []


# ---------------------------------------------------------------- invitations

def accept_new(app, link: str, name: str = "Nina Nurse"):
    invited = app.test_client()
    form = invited.get(link)
    assert form.status_code == 200
    assert 'name="password"' in page(form)
    response = invited.post(link, data={"display_name": name, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    return invited, response


def staff_page_lists(client, code: str, needle: str) -> bool:
    response = client.get(f"/providers/{code}/staff")
    assert response.status_code == 200
    text = main_of(response)
    # the current-staff table, not the waiting-invitations list
    table = re.search(r"<table.*?</table>", text, re.S)
    return bool(table and needle in table.group(0))


def test_cli_invitation_for_new_address_creates_account_and_joins(app, hierarchy, smtp_server, deliver):
    result = cli(app, "staff", "invite", "HOSP1", "NewNurse@example.org", "--title", "Ward manager")
    assert result.exit_code == 0, (result.output, result.exception)
    deliver()
    link = link_in(smtp_server.last_to("newnurse@example.org"), "/invitations/")
    invited, response = accept_new(app, link)
    assert response.status_code == 302
    assert location_path(response) == "/providers/HOSP1"
    account = invited.get("/account/")
    assert account.status_code == 200
    assert "General Hospital" in page(account)
    assert "Ward manager" in page(account)


def test_cli_invitation_for_existing_user_needs_login_then_accept(app, hierarchy, make_user, smtp_server, deliver):
    make_user(email="existing@example.org")
    result = cli(app, "staff", "invite", "HOSP1", "EXISTING@example.org", "--title", "Ward manager",
                 "--role", "manager")
    assert result.exit_code == 0, (result.output, result.exception)
    deliver()
    link = link_in(smtp_server.last_to("existing@example.org"), "/invitations/")

    invited = app.test_client()
    landing = invited.get(link)
    assert landing.status_code == 200
    login_link = re.search(r'href="(/account/login\?next=[^"]+)"', page(landing)).group(1)
    assert parse_qs(urlparse(login_link).query)["next"] == [urlparse(link).path]
    response = invited.post(login_link.replace("&amp;", "&"),
                            data={"email": "existing@example.org", "password": PASSWORD,
                                  "next": urlparse(link).path})
    assert location_path(response) == urlparse(link).path
    response = invited.post(link, data={})
    assert response.status_code == 302
    assert location_path(response) == "/providers/HOSP1"
    assert "General Hospital" in page(invited.get("/account/"))
    assert invited.get("/providers/HOSP1/staff").status_code == 200  # joined as manager


def test_cli_invite_unknown_provider_fails(app, smtp_server, deliver):
    result = cli(app, "staff", "invite", "NOPE", "x@example.org", "--title", "Nurse")
    assert result.exit_code != 0
    deliver()
    assert smtp_server.messages == []


def test_manager_of_parent_invites_existing_user_to_child_who_logs_in_and_accepts(
        client, app, hierarchy, make_user, smtp_server, deliver):
    trust, hospital = hierarchy
    make_user(email="boss@example.org", provider=trust, role="manager")
    make_user(email="porter@example.org", display_name="Pat Porter")
    login(client, "boss@example.org", PASSWORD)

    assert "/providers/HOSP1/staff" in page(client.get("/providers/HOSP1"))
    response = client.post("/providers/HOSP1/staff", data={"email": "PORTER@example.org", "job_title": "Head porter",
                                                           "role": "responder"})
    assert response.status_code in (200, 302)
    deliver()
    link = link_in(smtp_server.last_to("porter@example.org"), "/invitations/")

    invited = app.test_client()
    landing = invited.get(link)
    assert landing.status_code == 200
    assert "/account/login?next=" in page(landing)
    anonymous = invited.post(link, data={})
    assert not (anonymous.status_code == 302 and location_path(anonymous) == "/providers/HOSP1")
    assert not is_logged_in(invited)
    assert not staff_page_lists(client, "HOSP1", "Pat Porter")

    response = try_login(invited, "porter@example.org", PASSWORD, next=urlparse(link).path)
    assert location_path(response) == urlparse(link).path
    response = invited.post(link, data={})
    assert response.status_code == 302
    assert location_path(response) == "/providers/HOSP1"

    account = page(invited.get("/account/"))
    assert "General Hospital" in account and "Head porter" in account
    assert staff_page_lists(client, "HOSP1", "Pat Porter")
    # a responder may not manage staff
    assert invited.get("/providers/HOSP1/staff").status_code == 403


def test_manager_page_invitation_for_new_address_creates_account_and_joins(
        client, app, hierarchy, make_user, smtp_server, deliver):
    trust, hospital = hierarchy
    make_user(email="boss@example.org", provider=trust, role="manager")
    login(client, "boss@example.org", PASSWORD)
    client.post("/providers/HOSP1/staff", data={"email": "Fresh@example.org", "job_title": "Staff nurse",
                                                "role": "responder"})
    deliver()
    link = link_in(smtp_server.last_to("fresh@example.org"), "/invitations/")
    invited, response = accept_new(app, link, name="Fresh Face")
    assert response.status_code == 302
    assert location_path(response) == "/providers/HOSP1"
    account = invited.get("/account/")
    assert account.status_code == 200
    assert "General Hospital" in page(account) and "Staff nurse" in page(account)
    assert staff_page_lists(client, "HOSP1", "Fresh Face")


def test_invitation_for_new_address_refuses_weak_password(app, hierarchy, make_user, client, smtp_server,
                                                          deliver, session):
    trust, hospital = hierarchy
    make_user(email="boss@example.org", provider=trust, role="manager")
    login(client, "boss@example.org", PASSWORD)
    client.post("/providers/HOSP1/staff", data={"email": "weakinv@example.org", "job_title": "Nurse",
                                                "role": "responder"})
    deliver()
    link = link_in(smtp_server.last_to("weakinv@example.org"), "/invitations/")
    invited = app.test_client()
    response = invited.post(link, data={"display_name": "W", "password": "password123", "confirm": "password123"})
    assert response.status_code == 200
    assert "common" in page(response)
    assert users_with_email(session, "weakinv@example.org") == []


def test_invitation_link_used_twice_is_refused(client, app, hierarchy, make_user, smtp_server, deliver):
    trust, hospital = hierarchy
    make_user(email="boss@example.org", provider=hospital, role="manager")
    make_user(email="twice@example.org")
    login(client, "boss@example.org", PASSWORD)
    client.post("/providers/HOSP1/staff", data={"email": "twice@example.org", "job_title": "Nurse",
                                                "role": "responder"})
    deliver()
    link = link_in(smtp_server.last_to("twice@example.org"), "/invitations/")

    invited = app.test_client()
    login(invited, "twice@example.org", PASSWORD)
    first = invited.post(link, data={})
    assert first.status_code == 302 and location_path(first) == "/providers/HOSP1"

    second_get = invited.get(link)
    second = invited.post(link, data={})
    assert second_get.status_code in (400, 404, 410)
    assert second.status_code in (400, 404, 410)


def test_invitation_for_someone_else_is_refused_when_logged_in_as_other_user(
        client, app, hierarchy, make_user, smtp_server, deliver, session):
    trust, hospital = hierarchy
    make_user(email="boss@example.org", provider=hospital, role="manager")
    make_user(email="intended@example.org")
    make_user(email="interloper@example.org", display_name="Ivan Interloper")
    login(client, "boss@example.org", PASSWORD)
    client.post("/providers/HOSP1/staff", data={"email": "intended@example.org", "job_title": "Nurse",
                                                "role": "manager"})
    deliver()
    link = link_in(smtp_server.last_to("intended@example.org"), "/invitations/")

    other = app.test_client()
    login(other, "interloper@example.org", PASSWORD)
    response = other.post(link, data={})
    assert not (response.status_code == 302 and location_path(response) == "/providers/HOSP1")
    assert "General Hospital" not in page(other.get("/account/"))
    assert other.get("/providers/HOSP1/staff").status_code == 403
    assert not staff_page_lists(client, "HOSP1", "Ivan Interloper")

    # the invitation still works for the person it was meant for
    intended = app.test_client()
    login(intended, "intended@example.org", PASSWORD)
    response = intended.post(link, data={})
    assert response.status_code == 302 and location_path(response) == "/providers/HOSP1"


def test_expired_invitation_is_refused(client, app, hierarchy, make_user, smtp_server, deliver, clock):
    trust, hospital = hierarchy
    make_user(email="boss@example.org", provider=hospital, role="manager")
    make_user(email="tardy@example.org")
    login(client, "boss@example.org", PASSWORD)
    client.post("/providers/HOSP1/staff", data={"email": "tardy@example.org", "job_title": "Nurse",
                                                "role": "responder"})
    deliver()
    link = link_in(smtp_server.last_to("tardy@example.org"), "/invitations/")
    clock.advance(seconds=app.config["TOKEN_MAX_AGE_INVITE"] + 1)
    invited = app.test_client()
    login(invited, "tardy@example.org", PASSWORD)
    response = invited.post(link, data={})
    assert response.status_code in (400, 404, 410)
    assert "General Hospital" not in page(invited.get("/account/"))


def test_invited_manager_role_lets_them_manage(client, app, hierarchy, make_user, smtp_server, deliver):
    trust, hospital = hierarchy
    make_user(email="boss@example.org", provider=trust, role="manager")
    make_user(email="deputy@example.org")
    login(client, "boss@example.org", PASSWORD)
    client.post("/providers/TRUST1/staff", data={"email": "deputy@example.org", "job_title": "Deputy",
                                                 "role": "manager"})
    deliver()
    link = link_in(smtp_server.last_to("deputy@example.org"), "/invitations/")
    deputy = app.test_client()
    login(deputy, "deputy@example.org", PASSWORD)
    assert deputy.post(link, data={}).status_code == 302
    assert deputy.get("/providers/TRUST1/staff").status_code == 200
    assert deputy.get("/providers/HOSP1/staff").status_code == 200


# ---------------------------------------------------------------- staff page access

def test_responder_gets_403_on_staff_page_and_sees_no_manage_link(client, hierarchy, make_user):
    trust, hospital = hierarchy
    make_user(email="resp@example.org", provider=hospital, role="responder")
    login(client, "resp@example.org", PASSWORD)
    assert client.get("/providers/HOSP1/staff").status_code == 403
    response = client.post("/providers/HOSP1/staff", data={"email": "x@example.org", "job_title": "Nurse",
                                                           "role": "manager"})
    assert response.status_code == 403
    assert "Manage staff" not in page(client.get("/providers/HOSP1"))
    assert "/providers/HOSP1/staff" not in page(client.get("/providers/HOSP1"))


def test_only_managers_may_remove_staff(client, app, hierarchy, make_user):
    trust, hospital = hierarchy
    make_user(email="boss@example.org", provider=trust, role="manager")
    make_user(email="resp1@example.org", provider=hospital, role="responder", display_name="Rita Responder")
    make_user(email="resp2@example.org", provider=hospital, role="responder", display_name="Rob Responder")
    login(client, "boss@example.org", PASSWORD)
    staff = main_of(client.get("/providers/HOSP1/staff"))
    rows = re.findall(r"<tr>.*?</tr>", staff, re.S)
    rita = next(row for row in rows if "Rita Responder" in row)
    action = re.search(r'action="([^"]+/remove)"', rita).group(1)

    rob = app.test_client()
    login(rob, "resp2@example.org", PASSWORD)
    assert rob.post(action, data={}).status_code == 403
    assert staff_page_lists(client, "HOSP1", "Rita Responder")

    assert client.post(action, data={}, csrf=False).status_code == 400
    assert staff_page_lists(client, "HOSP1", "Rita Responder")

    assert client.post(action, data={}).status_code in (200, 302)
    assert not staff_page_lists(client, "HOSP1", "Rita Responder")
    assert staff_page_lists(client, "HOSP1", "Rob Responder")


def test_manager_of_child_cannot_manage_parent(client, hierarchy, make_user):
    trust, hospital = hierarchy
    make_user(email="childmgr@example.org", provider=hospital, role="manager")
    login(client, "childmgr@example.org", PASSWORD)
    assert client.get("/providers/HOSP1/staff").status_code == 200
    assert client.get("/providers/TRUST1/staff").status_code == 403
    assert "/providers/TRUST1/staff" not in page(client.get("/providers/TRUST1"))


def test_manager_of_unrelated_provider_gets_403(client, hierarchy, make_provider, make_user):
    other = make_provider(code="OTHER1", name="Elsewhere")
    make_user(email="othermgr@example.org", provider=other, role="manager")
    login(client, "othermgr@example.org", PASSWORD)
    assert client.get("/providers/HOSP1/staff").status_code == 403


def test_moderator_is_not_a_staff_manager(client, hierarchy, make_user):
    make_user(email="mod@example.org", moderator=True)
    login(client, "mod@example.org", PASSWORD)
    assert client.get("/providers/HOSP1/staff").status_code == 403


def test_anonymous_staff_page_redirects_to_login(client, hierarchy):
    response = client.get("/providers/HOSP1/staff")
    assert response.status_code == 302
    assert urlparse(response.headers["Location"]).path == "/account/login"
    assert "/providers/HOSP1/staff" not in page(client.get("/providers/HOSP1"))


def test_staff_page_refuses_unknown_role(client, hierarchy, make_user, smtp_server, deliver):
    trust, hospital = hierarchy
    make_user(email="boss@example.org", provider=hospital, role="manager")
    login(client, "boss@example.org", PASSWORD)
    response = client.post("/providers/HOSP1/staff", data={"email": "x@example.org", "job_title": "Nurse",
                                                           "role": "admin"})
    assert response.status_code in (200, 400)
    deliver()
    assert smtp_server.to("x@example.org") == []


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
