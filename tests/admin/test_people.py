"""Admin console, people: find by email, roles and memberships, grant and remove roles, disable; each audited."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.audit import AuditEvent
from tests.conftest import PASSWORD, login


def actions(session, user_id: int) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "user",
                                                                AuditEvent.subject_id == user_id)
                                .order_by(AuditEvent.id)))


def test_find_by_email_shows_roles_and_memberships(admin_client, make_user, tree):
    person = make_user(email="nurse.jane@example.org", provider=tree["ward"], role="manager", job_title="Sister")
    make_user(email="someone@else.org")
    page = admin_client.get("/admin/people?q=NURSE").get_data(as_text=True)
    assert "nurse.jane@example.org" in page and "someone@else.org" not in page
    page = admin_client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "Manager (Sister) at" in page and "Ward One" in page
    assert admin_client.get("/admin/people/99999").status_code == 404


def test_grant_and_remove_moderator_is_audited(admin_client, session, make_user, admin):
    person = make_user(email="helper@example.org")
    response = admin_client.post(f"/admin/people/{person.id}/role",
                                 data={"role-role": "moderator", "role-grant": "1", "role-reason": "Joined"})
    assert response.status_code == 302
    assert session.get(User, person.id).is_moderator
    client = admin_client.application.test_client()
    login(client, "helper@example.org", PASSWORD)
    assert client.get("/moderation/").status_code == 200
    admin_client.post(f"/admin/people/{person.id}/role", data={"role-role": "moderator", "role-grant": "0"})
    assert not session.get(User, person.id).is_moderator
    assert client.get("/moderation/").status_code == 403
    assert actions(session, person.id) == ["admin.user.grant_moderator", "admin.user.revoke_moderator"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "admin.user.grant_moderator"))
    assert event.actor_id == admin.id and event.reason == "Joined"
    assert event.before["moderator"] is False and event.after["moderator"] is True


def test_grant_admin_and_the_last_admin_stays(admin_client, session, make_user, admin):
    response = admin_client.post(f"/admin/people/{admin.id}/role", data={"role-role": "admin", "role-grant": "0"})
    assert response.status_code == 400 and "last active admin" in response.get_data(as_text=True)
    assert session.get(User, admin.id).is_admin
    other = make_user(email="second@example.org")
    admin_client.post(f"/admin/people/{other.id}/role", data={"role-role": "admin", "role-grant": "1"})
    assert session.get(User, other.id).is_admin
    assert admin_client.post(f"/admin/people/{admin.id}/role", data={"role-role": "admin", "role-grant": "0"}) \
        .status_code == 302
    assert not session.get(User, admin.id).is_admin
    assert actions(session, other.id) == ["admin.user.grant_admin"]
    assert actions(session, admin.id) == ["admin.user.revoke_admin"]


def test_a_forged_role_is_refused(admin_client, session, make_user):
    person = make_user(email="x@example.org")
    response = admin_client.post(f"/admin/people/{person.id}/role", data={"role-role": "owner", "role-grant": "1"})
    assert response.status_code == 400
    assert actions(session, person.id) == []


def test_disabling_ends_the_sessions_at_once_and_stops_logins(admin_client, app, session, make_user):
    person = make_user(email="leaver@example.org")
    theirs = app.test_client()
    login(theirs, "leaver@example.org", PASSWORD)
    assert theirs.get("/account/").status_code == 200
    response = admin_client.post(f"/admin/people/{person.id}/disable",
                                 data={"disabled": "1", "disable-reason": "Left the team"})
    assert response.status_code == 302
    assert theirs.get("/account/").status_code == 302  # signed out: sent to log in
    again = theirs.post("/account/login", data={"email": "leaver@example.org", "password": PASSWORD})
    assert again.status_code != 302
    assert actions(session, person.id) == ["admin.user.disable"]
    admin_client.post(f"/admin/people/{person.id}/disable", data={"disabled": "0"})
    assert session.get(User, person.id).disabled_at is None
    login(theirs, "leaver@example.org", PASSWORD)
    assert actions(session, person.id) == ["admin.user.disable", "admin.user.enable"]


def test_an_admin_cannot_disable_themselves(admin_client, session, admin):
    response = admin_client.post(f"/admin/people/{admin.id}/disable", data={"disabled": "1"})
    assert response.status_code == 400 and "your own account" in response.get_data(as_text=True)
    assert session.get(User, admin.id).disabled_at is None
