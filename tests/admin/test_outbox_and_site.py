"""Admin console: outbox counts, failed messages and resend; the site page; the audit page's filters."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.admin.models import WorkerHeartbeat
from app.audit import AuditEvent
from app.extensions import utcnow
from app.mail.models import FAILED, SENT, OutboxMessage
from app.mail.services import queue_email
from tests.conftest import PASSWORD, login


def _fail_everything(app, session, smtp_server, deliver, n: int = 2) -> list[int]:
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    for i in range(n):
        queue_email(session, f"person{i}@example.org", "confirm_email", f"Hello {i}", kind="test.hello",
                    link=f"http://localhost/x/{i}")
    session.commit()
    smtp_server.refuse = n
    assert deliver() == (0, n)
    return list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == FAILED)))


def test_outbox_shows_failures_and_resends_one_then_all(admin_client, app, session, smtp_server, deliver, admin):
    ids = _fail_everything(app, session, smtp_server, deliver)
    page = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "<strong>2</strong> failed" in page and "451" in page and "person0@example.org" in page
    assert admin_client.post(f"/admin/outbox/{ids[0]}/resend").status_code == 302
    assert deliver() == (1, 0)
    assert len(smtp_server.messages) == 1
    assert admin_client.post("/admin/outbox/resend").status_code == 302
    assert deliver() == (1, 0)
    assert {str(m["To"]) for m in smtp_server.messages} == {"person0@example.org", "person1@example.org"}
    assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == ids[1])) == SENT
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "admin.outbox.resend")
                                  .order_by(AuditEvent.id)))
    assert [(e.subject_type, e.subject_id, e.after["messages"]) for e in events] == [("outbox", ids[0], 1),
                                                                                      (None, None, 1)]
    assert all(e.actor_id == admin.id for e in events)


def test_resend_needs_the_csrf_token(admin_client, app, session, smtp_server, deliver):
    _fail_everything(app, session, smtp_server, deliver, n=1)
    admin_client.post("/admin/outbox/resend", csrf=False)
    assert session.scalar(select(OutboxMessage.status)) == FAILED


def test_site_page_shows_backlog_worker_heartbeat_and_search(admin_client, session, tree, make_story, deliver):
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "No worker has reported yet" in page
    old = make_story(tree["ward"])
    old.queued_at = utcnow() - timedelta(days=3)
    make_story(tree["ward"])
    session.commit()
    deliver()
    [beat] = session.scalars(select(WorkerHeartbeat)).all()
    assert utcnow() - beat.seen_at < timedelta(minutes=5)
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "<strong>2</strong> stories waiting for moderation" in page
    assert f"story {old.id}</a>" in page
    assert beat.name in page and "No worker has reported yet" not in page
    assert "Backend: whoosh" in page


def test_audit_page_filters_by_actor_action_object_and_date(admin_client, client, session, make_user, admin):
    other_admin = make_user(email="other-admin@example.org", admin=True)
    person = make_user(email="p@example.org")
    admin_client.post(f"/admin/people/{person.id}/role", data={"role-role": "moderator", "role-grant": "1"})
    admin_client.post("/account/logout")
    login(client, other_admin.email, PASSWORD)
    client.post(f"/admin/people/{person.id}/disable", data={"disabled": "1", "disable-reason": "Spam account"})
    old = session.scalar(select(AuditEvent).where(AuditEvent.action == "admin.user.grant_moderator"))
    old.created_at = utcnow() - timedelta(days=10)
    session.commit()

    def rows(query: str) -> str:
        response = client.get("/admin/audit" + query)
        assert response.status_code == 200, query
        return response.get_data(as_text=True)

    everything = rows("")
    assert "admin.user.grant_moderator" in everything and "admin.user.disable" in everything
    assert "Spam account" in everything
    by_actor = rows("?actor=other-admin")
    assert "admin.user.disable" in by_actor and "<td>admin.user.grant_moderator</td>" not in by_actor
    by_action = rows("?action=admin.user.grant_moderator")
    assert "<td>admin.user.grant_moderator</td>" in by_action and "<td>admin.user.disable</td>" not in by_action
    by_object = rows(f"?subject_type=user&subject_id={person.id}")
    assert "<td>admin.user.disable</td>" in by_object
    assert "<td>admin.user.disable</td>" not in rows(f"?subject_type=user&subject_id={person.id + 100}")
    since = (utcnow() - timedelta(days=2)).date().isoformat()
    recent = rows(f"?since={since}")
    assert "<td>admin.user.disable</td>" in recent and "<td>admin.user.grant_moderator</td>" not in recent
    until = (utcnow() - timedelta(days=5)).date().isoformat()
    older = rows(f"?until={until}")
    assert "<td>admin.user.grant_moderator</td>" in older and "<td>admin.user.disable</td>" not in older
    bad = client.get("/admin/audit?subject_id=abc&since=yesterday")
    assert bad.status_code == 400 and "Enter a number" in bad.get_data(as_text=True)


def test_site_page_shows_the_last_dataset_export(admin_client, session, tree, make_story):
    from app.opendata.bundle import build

    assert "No dataset has been exported yet" in admin_client.get("/admin/").get_data(as_text=True)
    make_story(tree["ward"], status="published")
    meta = build(session)
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert f"Last export: {meta['generated_at']}" in page and "1 published story" in page
