"""Alerts on publication: through the hierarchy, by each person's settings, digests, contact address, unsubscribe."""
from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Invitation, Membership
from app.directory.models import Provider
from app.extensions import utcnow
from app.mail.worker import OutboxWorker
from app.replies.alerts import next_digest_time
from app.replies.models import DigestItem
from app.stories.models import PENDING
from tests.conftest import PASSWORD, link_in, login, text_of
from tests.moderation.test_moderation import _publish


@pytest.fixture
def tree(make_provider):
    trust = make_provider(code="T1", name="Trust One", kind="trust", email="contact@trust.example")
    hospital = make_provider(code="H1", name="Hospital One", parent=trust)
    ward = make_provider(code="W1", name="Ward One", kind="department", parent=hospital)
    other_ward = make_provider(code="W2", name="Ward Two", kind="department", parent=hospital)
    practice = make_provider(code="G1", name="Lonely Practice", kind="gp_practice", email="Practice@GP.example")
    return {"trust": trust, "hospital": hospital, "ward": ward, "other_ward": other_ward, "practice": practice}


@pytest.fixture
def staff(make_user, tree):
    return {
        "ward": make_user(email="ward@nhs.example", provider=tree["ward"]),
        "lead": make_user(email="lead@nhs.example", provider=tree["trust"], role="manager",
                          job_title="Patient experience lead"),
        "other": make_user(email="otherward@nhs.example", provider=tree["other_ward"]),
    }


@pytest.fixture
def moderator_client(app, make_user):
    make_user(email="mod@example.org", moderator=True)
    client = app.test_client()
    login(client, "mod@example.org", PASSWORD)
    return client


def _settings(session, user, frequency="immediate", minimum=0):
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    membership.alert_frequency, membership.alert_min_criticality = frequency, minimum
    session.commit()
    return membership


def publish(moderator_client, story, criticality="3"):
    response = _publish(moderator_client, story.id, criticality=criticality)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_publication_alerts_the_ward_and_everyone_above_it_but_not_a_sibling(
        moderator_client, make_story, tree, staff, smtp_server, deliver):
    story = make_story(tree["ward"], status=PENDING, title="Long wait on the ward")
    publish(moderator_client, story)
    deliver()
    for who in ("ward@nhs.example", "lead@nhs.example"):
        mail = smtp_server.last_to(who)
        assert "Long wait on the ward" in mail["Subject"]
        body = text_of(mail)
        assert "criticality 3 of 5" in body and f"/stories/{story.id}" in body
        assert "/alerts/unsubscribe/" in body and "/dashboard" in body
        assert mail["List-Unsubscribe"].startswith("<http://localhost/alerts/unsubscribe/")
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert smtp_server.to("otherward@nhs.example") == []
    assert smtp_server.to("contact@trust.example") == []  # staff exist, so the contact address is not used


def test_settings_none_and_minimum_criticality_are_respected(
        session, moderator_client, make_story, tree, staff, smtp_server, deliver):
    _settings(session, staff["ward"], "none")
    _settings(session, staff["lead"], "immediate", minimum=4)
    publish(moderator_client, make_story(tree["ward"], status=PENDING, title="Mildly critical"), criticality="3")
    deliver()
    assert smtp_server.to("ward@nhs.example") == [] and smtp_server.to("lead@nhs.example") == []
    publish(moderator_client, make_story(tree["ward"], status=PENDING, title="Severely critical"), criticality="5")
    deliver()
    assert [m["Subject"] for m in smtp_server.to("lead@nhs.example")] == [
        "New story about Ward One: Severely critical"]
    assert smtp_server.to("ward@nhs.example") == []


def test_someone_on_two_levels_is_alerted_once(session, moderator_client, make_story, tree, staff, smtp_server,
                                                deliver):
    session.add(Membership(user_id=staff["lead"].id, provider_id=tree["ward"].id, role="responder", job_title="x"))
    session.commit()
    publish(moderator_client, make_story(tree["ward"], status=PENDING))
    deliver()
    assert len(smtp_server.to("lead@nhs.example")) == 1


def test_daily_and_weekly_digests_are_sent_when_due_and_only_once(
        app, session, moderator_client, make_story, tree, staff, smtp_server, deliver):
    _settings(session, staff["ward"], "daily")
    _settings(session, staff["lead"], "weekly")
    for title in ("First of the day", "Second of the day"):
        publish(moderator_client, make_story(tree["ward"], status=PENDING, title=title))
    deliver()
    assert smtp_server.to("ward@nhs.example") == [] and smtp_server.to("lead@nhs.example") == []
    items = session.scalars(select(DigestItem)).all()
    assert {i.frequency for i in items} == {"daily", "weekly"} and len(items) == 4
    # The daily digest falls due: one email with both stories. The weekly one is not due yet.
    for item in items:
        if item.frequency == "daily":
            item.due_at = utcnow() - timedelta(minutes=1)
    session.commit()
    deliver()
    [digest] = smtp_server.to("ward@nhs.example")
    assert digest["Subject"] == "2 new stories about Ward One"
    body = text_of(digest)
    assert "First of the day" in body and "Second of the day" in body and "daily digest" in body
    assert smtp_server.to("lead@nhs.example") == []
    deliver()
    assert len(smtp_server.to("ward@nhs.example")) == 1  # sent once


def test_outbox_work_once_runs_due_digests(app, session, moderator_client, make_story, tree, staff, smtp_server):
    _settings(session, staff["ward"], "daily")
    publish(moderator_client, make_story(tree["ward"], status=PENDING, title="Digest via the command"))
    item = session.scalar(select(DigestItem).join(Membership).where(Membership.user_id == staff["ward"].id))
    item.due_at = utcnow() - timedelta(seconds=1)
    session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "Digest via the command" in text_of(smtp_server.last_to("ward@nhs.example"))


def test_two_workers_send_a_digest_once(app, session, moderator_client, make_story, tree, staff, smtp_server):
    import threading

    _settings(session, staff["ward"], "daily")
    publish(moderator_client, make_story(tree["ward"], status=PENDING))
    for item in session.scalars(select(DigestItem)):
        item.due_at = utcnow() - timedelta(seconds=1)
    session.commit()
    threads = [threading.Thread(target=OutboxWorker(app, name=f"w{i}").run_once) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(smtp_server.to("ward@nhs.example")) == 1


def test_digest_times_are_the_next_hour_and_the_next_monday():
    from datetime import datetime

    tuesday_noon = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert next_digest_time("daily", tuesday_noon, 7) == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert next_digest_time("weekly", tuesday_noon, 7) == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    early = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    assert next_digest_time("daily", early, 7) == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_provider_without_staff_is_alerted_at_its_contact_address_with_an_invitation(
        app, session, moderator_client, make_story, tree, smtp_server, deliver):
    story = make_story(tree["practice"], status=PENDING, title="Nobody answers the phone")
    publish(moderator_client, story)
    deliver()
    mail = smtp_server.last_to("practice@gp.example")
    body = text_of(mail)
    assert "Nobody answers the phone" in body and "Register and reply" in body
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    invitation = session.scalar(select(Invitation))
    assert invitation.email == "practice@gp.example" and invitation.role == "manager"
    # The invitation makes the contact a manager who can reply.
    link = link_in(mail, "/invitations/")
    newcomer = app.test_client()
    response = newcomer.post(link, data={"display_name": "Pat Manager", "password": "a long practice password",
                                         "confirm": "a long practice password"})
    assert response.status_code == 302
    assert newcomer.post(f"/stories/{story.id}/replies", data={"body": "We are sorry and will call you."}) \
        .status_code == 302


def test_unsubscribe_from_the_link_asks_then_stops_alerts(client, session, moderator_client, make_story, tree, staff,
                                                           smtp_server, deliver):
    publish(moderator_client, make_story(tree["ward"], status=PENDING))
    deliver()
    link = link_in(smtp_server.last_to("ward@nhs.example"), "/alerts/unsubscribe/")
    page = client.get(link)
    assert page.status_code == 200 and "Stop the alerts" in page.get_data(as_text=True)
    assert client.post(link).status_code == 200
    session.expire_all()
    assert session.scalar(select(Membership).where(Membership.user_id == staff["ward"].id)).alert_frequency == "none"
    smtp_server.clear()
    publish(moderator_client, make_story(tree["ward"], status=PENDING))
    deliver()
    assert smtp_server.to("ward@nhs.example") == [] and smtp_server.to("lead@nhs.example")


def test_one_click_unsubscribe_from_the_header_post_needs_no_csrf_token(
        app, session, moderator_client, make_story, tree, smtp_server, deliver):
    publish(moderator_client, make_story(tree["practice"], status=PENDING))
    deliver()
    header = smtp_server.last_to("practice@gp.example")["List-Unsubscribe"]
    path = re.sub(r"^<https?://[^/]+", "", header).rstrip(">")
    mail_client = app.test_client()
    response = mail_client.post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert response.status_code == 200
    session.expire_all()
    assert session.scalar(select(Provider).where(Provider.code == "G1")).contact_alerts is False
    smtp_server.clear()
    publish(moderator_client, make_story(tree["practice"], status=PENDING))
    deliver()
    assert smtp_server.to("practice@gp.example") == []


def test_a_forged_unsubscribe_link_is_refused(client):
    assert client.get("/alerts/unsubscribe/not-a-token").status_code == 400
    assert client.post("/alerts/unsubscribe/not-a-token", csrf=False).status_code == 400


def test_alert_settings_are_changed_on_the_dashboard(client, session, staff):
    login(client, "ward@nhs.example", PASSWORD)
    membership = session.scalar(select(Membership).where(Membership.user_id == staff["ward"].id))
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Your alerts" in page and "Ward One" in page
    response = client.post(f"/dashboard/alerts/{membership.id}",
                           data={f"m{membership.id}-frequency": "weekly", f"m{membership.id}-min_criticality": "2"})
    assert response.status_code == 302
    session.expire_all()
    membership = session.get(Membership, membership.id)
    assert (membership.alert_frequency, membership.alert_min_criticality) == ("weekly", 2)
    other = session.scalar(select(Membership).where(Membership.user_id == staff["lead"].id))
    assert client.post(f"/dashboard/alerts/{other.id}",
                       data={f"m{other.id}-frequency": "none", f"m{other.id}-min_criticality": "0"}).status_code == 404


def test_restoring_a_hidden_story_does_not_alert_again(session, moderator_client, make_story, tree, staff,
                                                       smtp_server, deliver):
    from tests.moderation.test_moderation import _act

    story = make_story(tree["ward"], status=PENDING)
    publish(moderator_client, story)
    deliver()
    assert _act(moderator_client, story.id, "hide", reason="check").status_code == 302
    assert _act(moderator_client, story.id, "restore", reason="fine").status_code == 302
    deliver()
    assert len(smtp_server.to("ward@nhs.example")) == 1



def test_a_moderator_reading_in_welsh_sends_staff_alerts_in_english(
        app, session, moderator_client, make_story, tree, staff, smtp_server, deliver):
    """Staff pages and staff mail are English (the accessibility statement says so): the language the moderator
    happens to read the site in must not choose the language of mail to someone else."""
    assert moderator_client.get("/?lang=cy").status_code == 200
    story = make_story(tree["ward"], status=PENDING, title="Long wait on the ward")
    publish(moderator_client, story)
    contact_story = make_story(tree["practice"], status=PENDING, title="Nobody answers the phone")
    publish(moderator_client, contact_story)
    deliver()
    ward = smtp_server.last_to("ward@nhs.example")
    assert ward["Subject"].startswith("New story") and "criticality 3 of 5" in text_of(ward)
    contact = smtp_server.last_to("practice@gp.example")
    assert contact["Subject"].startswith("New story about Lonely Practice") and "Register and reply" in text_of(contact)
