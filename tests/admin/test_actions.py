"""Admin console, the table of POST actions: every row refuses non-admins and a missing token, says what it did,
and a URL no row has is a 404."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.admin.views import ACTIONS
from app.audit import AuditEvent
from app.directory.models import Provider
from app.mail.models import FAILED, OutboxMessage
from app.mail.services import queue_email
from tests.conftest import PASSWORD, login

# One valid submission per URL rule of the table, and the message it flashes. A row (or a second URL) added to
# the table without a case here fails test_every_rule_of_the_table_has_a_case.
CASES = {
    "/providers/<code>/edit": ("/admin/providers/H1/edit", {"edit-name": "Hospital Renamed", "edit-kind": "hospital"},
                               "H1 saved."),
    "/providers/<code>/move": ("/admin/providers/G1/move", {"move-parent": "t1", "move-reason": "Joined"},
                               "G1 moved."),
    "/providers/<code>/code": ("/admin/providers/G1/code", {"code-code": " g1-new ", "code-reason": "New register"},
                               "G1 is now G1-NEW; its old address leads here."),
    "/providers/<code>/active": ("/admin/providers/W1/active", {"active": "0", "active-reason": "Closed"},
                                 "W1 deactivated: its stories stay, it takes no new ones."),
    "/providers/<code>/merge": ("/admin/providers/H1DUP/merge", {"merge-target": "h1"},
                                "H1DUP merged into H1; its old address now leads here."),
    "/people/<int:user_id>/role": ("/admin/people/{person}/role", {"role-role": "moderator", "role-grant": "1"},
                                   "Granted moderator for person@example.org."),
    "/people/<int:user_id>/disable": ("/admin/people/{person}/disable", {"disabled": "1", "disable-reason": "Spam"},
                                      "person@example.org disabled: signed out everywhere."),
    "/outbox/resend": ("/admin/outbox/resend", {}, "2 messages queued again."),
    "/outbox/<int:message_id>/resend": ("/admin/outbox/{message}/resend", {}, "1 message queued again."),
}


@pytest.fixture
def scene(session, tree, make_provider, make_user):
    """Something for every row to act on: a duplicate to merge, a person, two failed emails."""
    make_provider(code="H1DUP", name="Hospital One (duplicate)", parent=tree["trust"])
    person = make_user(email="person@example.org")
    for i in range(2):
        queue_email(session, f"to{i}@example.org", "confirm_email", f"Hello {i}", kind="test.hello",
                    link=f"http://localhost/x/{i}")
    session.flush()
    session.execute(OutboxMessage.__table__.update().values(status=FAILED))
    session.commit()
    first = session.scalar(select(func.min(OutboxMessage.id)))
    return {"person": person.id, "message": first}


def _case(rule: str, scene: dict) -> tuple[str, dict, str]:
    path, data, message = CASES[rule]
    return path.format(**scene), data, message


def _untouched(session) -> None:
    """Nothing an action does happened: no audit event, the duplicate still there, no email requeued."""
    session.expire_all()
    assert session.scalars(select(AuditEvent)).all() == []
    assert session.scalar(select(Provider).where(Provider.code == "H1DUP")) is not None
    assert session.scalar(select(Provider.name).where(Provider.code == "H1")) == "Hospital One"
    assert session.scalar(select(Provider.active).where(Provider.code == "W1")) is True
    assert session.scalar(select(Provider.id).where(Provider.code == "G1")) is not None
    person = session.scalar(select(User).where(User.email == "person@example.org"))
    assert not person.is_moderator and person.disabled_at is None
    assert set(session.scalars(select(OutboxMessage.status))) == {FAILED}


RULES = [rule for row in ACTIONS.values() for rule in row.rules]


def test_every_rule_of_the_table_has_a_case():
    assert sorted(RULES) == sorted(CASES)


def test_every_post_under_admin_is_a_row_of_the_table(app):
    posts = {(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("admin.") and "POST" in rule.methods}
    assert posts == {("/admin" + rule, "admin." + endpoint) for endpoint, row in ACTIONS.items()
                     for rule in row.rules}


@pytest.mark.parametrize("rule", RULES)
def test_each_action_does_its_work_and_says_so(admin_client, session, scene, rule):
    path, data, message = _case(rule, scene)
    response = admin_client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert len(session.scalars(select(AuditEvent)).all()) == 1


def test_the_reverse_of_each_switch_says_so(admin_client, session, scene):
    for path, data, message in (
            ("/admin/providers/W1/active", {"active": "0"}, "W1 deactivated"),
            ("/admin/providers/W1/active", {"active": "1"}, "W1 reactivated."),
            (f"/admin/people/{scene['person']}/role", {"role-role": "moderator", "role-grant": "1"}, "Granted"),
            (f"/admin/people/{scene['person']}/role", {"role-role": "moderator", "role-grant": "0"},
             "Removed moderator for person@example.org."),
            (f"/admin/people/{scene['person']}/disable", {"disabled": "1"}, "disabled: signed out"),
            (f"/admin/people/{scene['person']}/disable", {"disabled": "0"}, "person@example.org enabled."),
            ("/admin/outbox/resend", {}, "2 messages queued again."),
            ("/admin/outbox/resend", {}, "Nothing to resend.")):
        response = admin_client.post(path, data=data, follow_redirects=True)
        assert response.status_code == 200 and message in response.get_data(as_text=True), (path, data)


@pytest.mark.parametrize("rule", RULES)
def test_each_action_refuses_a_missing_token(admin_client, session, scene, rule):
    path, data, _ = _case(rule, scene)
    response = admin_client.post(path, data=data, csrf=False)
    assert response.status_code == 400 and "This form had expired" in response.get_data(as_text=True)
    _untouched(session)


@pytest.mark.parametrize("rule", RULES)
def test_each_form_checks_its_own_token_too(app, admin_client, session, scene, rule):
    """Behind the site-wide check, each row's form refuses a missing token itself: the page again with a 400,
    or for the outbox's bare buttons, back to the list saying why."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    path, data, _ = _case(rule, scene)
    response = admin_client.post(path, data=data, csrf=False)
    if path.startswith("/admin/outbox/"):
        assert response.status_code == 302 and response.headers["Location"].endswith("/admin/outbox")
        assert "The form expired: please try again." in admin_client.get("/admin/outbox").get_data(as_text=True)
    else:
        assert response.status_code == 400
        # The role form's hint is for a refused choice, not for a refused token.
        assert "Choose a role to grant or remove." not in response.get_data(as_text=True)
    _untouched(session)


@pytest.mark.parametrize("rule", RULES)
def test_each_action_is_for_admins_only(app, session, scene, make_user, tree, rule):
    make_user(email="mod@example.org", moderator=True)
    make_user(email="lead@example.org", provider=tree["trust"], role="manager")
    make_user(email="plain@example.org")
    path, data, _ = _case(rule, scene)
    for email in ("mod@example.org", "lead@example.org", "plain@example.org"):
        client = app.test_client()
        login(client, email, PASSWORD)
        assert client.post(path, data=data).status_code == 403, email
    anonymous = app.test_client().post(path, data=data)
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    _untouched(session)


def test_a_url_no_row_has_is_not_found(admin_client, session, scene):
    for path in ("/admin/providers/H1/delete", "/admin/providers/H1/EDIT", "/admin/people/{person}/impersonate",
                 "/admin/outbox/purge", "/admin/outbox/{message}/delete", "/admin/outbox/x/resend"):
        assert admin_client.post(path.format(**scene), data={}).status_code == 404, path
    # A row's URL naming a provider or a person that does not exist is a 404 too, however good its form.
    for rule in RULES:
        if "<code>" in rule or "<int:user_id>" in rule:
            missing = "/admin" + rule.replace("<code>", "NOPE").replace("<int:user_id>", "99999")
            assert admin_client.post(missing, data=CASES[rule][1]).status_code == 404, missing
    # A message number no failed message has resends nothing, as before the table: back to the list, saying so.
    response = admin_client.post("/admin/outbox/99999/resend", follow_redirects=True)
    assert response.status_code == 200 and "Nothing to resend." in response.get_data(as_text=True)
    # The actions answer POST only.
    assert admin_client.get("/admin/providers/H1/edit").status_code == 405
    _untouched(session)


def test_a_refused_role_choice_says_so(admin_client, session, scene):
    response = admin_client.post(f"/admin/people/{scene['person']}/role",
                                 data={"role-role": "owner", "role-grant": "1"})
    assert response.status_code == 400 and "Choose a role to grant or remove." in response.get_data(as_text=True)
    _untouched(session)
