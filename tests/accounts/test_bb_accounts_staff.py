"""Black-box tests for staff invitations and the staff page's access rules, written from the spec.

They drive the site through the test client, the CLI runner and the SMTP fixture; the database is only
consulted where the spec makes a promise that the web pages cannot show (one account per address, hashing).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from tests.accounts.conftest import (
    NEW_PASSWORD,
    cli,
    is_logged_in,
    location_path,
    main_of,
    page,
    try_login,
    users_with_email,
)
from tests.conftest import PASSWORD, link_in, login

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
