"""Black-box tests for `users create`, the command that makes moderators and admins, written from the spec.

They drive the site through the test client, the CLI runner and the SMTP fixture; the database is only
consulted where the spec makes a promise that the web pages cannot show (one account per address, hashing).
"""
from __future__ import annotations

import pytest

from tests.accounts.conftest import NEW_PASSWORD, cli, is_logged_in, try_login, users_with_email
from tests.conftest import login

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
