"""Reminders and escalation up the tree in working days, and planned changes falling due (app.replies.reminders).

Time is an injected clock: `clock.set(...)` moves every utcnow() in the app (no sleeps). The job runs as the
worker runs it (one transaction, committed when it returns).
"""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, func, select

import app.extensions
from app import jobs
from app.accounts.models import Invitation, Membership
from app.extensions import db
from app.mail.models import OutboxMessage
from app.replies import reminders
from app.replies.models import AWAITING_MODERATION, CHANGE_MADE, CHANGE_PLANNED, HIDDEN, VISIBLE, Change, Reply
from app.replies.services import add_reply
from app.stories.models import PUBLISHED, WITHDRAWN
from app.stories.timeline import (
    CHANGE_DUE_REMINDED,
    CHANGE_OVERDUE,
    ESCALATED,
    NOT_ABOUT_US,
    REMINDED,
    REROUTED,
    StoryEvent,
    record_event,
)
from app.workdays import working_days_between
from tests.conftest import link_in, text_of

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # no bank holiday in England until Good Friday, 3 April


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def set(self, year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> None:
        moment = datetime(year, month, day, hour, minute, tzinfo=UTC)
        assert moment >= self.now, "the clock only moves forward"
        self.now = moment


@pytest.fixture
def clock(monkeypatch):
    """Every utcnow() in the app reads this clock (app.extensions.utcnow calls its module's datetime.now)."""
    clock = Clock(MONDAY)

    class ClockDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now.astimezone(tz) if tz is not None else clock.now.replace(tzinfo=None)

    monkeypatch.setattr(app.extensions, "datetime", ClockDatetime)
    return clock


@pytest.fixture
def app_overrides() -> dict:
    # Replies by new responders publish at once here (a reply waiting for a moderator has its own test).
    return {"REMINDER_WORKING_DAYS": 5, "ESCALATE_WORKING_DAYS": 10, "RESPONDER_MODERATED_REPLIES": 0}


@pytest.fixture
def tree(make_provider, clock):
    trust = make_provider(code="T1", name="Trust One", kind="trust", email="contact@trust.example")
    hospital = make_provider(code="H1", name="Hospital One", parent=trust, email="contact@hospital.example")
    ward = make_provider(code="W1", name="Ward One", kind="department", parent=hospital)
    practice = make_provider(code="G1", name="Lonely Practice", kind="gp_practice", email="Practice@GP.example")
    return {"trust": trust, "hospital": hospital, "ward": ward, "practice": practice}


@pytest.fixture
def staff(make_user, tree):
    return {
        "ward": make_user(email="ward@nhs.example", provider=tree["ward"]),
        "ward_manager": make_user(email="wardmanager@nhs.example", provider=tree["ward"], role="manager"),
        "hospital": make_user(email="hospital@nhs.example", provider=tree["hospital"]),
        "hospital_manager": make_user(email="hospitalmanager@nhs.example", provider=tree["hospital"],
                                      role="manager"),
        "trust_manager": make_user(email="trustmanager@nhs.example", provider=tree["trust"], role="manager"),
    }


def run(session) -> None:
    """One run of the job, as the worker runs it."""
    job = next(j for j in jobs.registered() if j.name == "reminders")
    job.func(session)  # the worker commits what a run wrote when it returns, and rolls back when it raises
    session.commit()


def steps(session, story, kinds=(REMINDED, ESCALATED)) -> list[tuple[str, int, str, int]]:
    return [(e.kind, e.step, e.provider.code if e.provider else None, e.count) for e in session.scalars(
        select(StoryEvent).where(StoryEvent.story_id == story.id, StoryEvent.kind.in_(kinds))
        .order_by(StoryEvent.step))]


def subject(mail) -> str:
    """The subject as a reader sees it (the email package folds a long one, and its parser keeps the fold's space)."""
    return " ".join(str(mail["Subject"]).split())


def outbox(session, kind_prefix="reminder.") -> list[str]:
    return sorted(m.to_addr.lower() for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.startswith(kind_prefix))))


def test_the_job_is_registered_every_five_minutes(app):
    job = next(j for j in jobs.registered(app) if j.name == "reminders")
    assert job.interval(app.config) == 300 and job.func is reminders.send_due


def test_the_chain_climbs_a_three_level_tree_one_step_at_a_time(
        session, clock, tree, staff, make_story, smtp_server, deliver):
    story = make_story(tree["ward"], status=PUBLISHED, title="Nobody answered the bell at night")
    author = story.author
    run(session)
    clock.set(2026, 3, 6, 23, 59)  # Friday: 4 working days
    run(session)
    assert steps(session, story) == [] and outbox(session) == []

    clock.set(2026, 3, 9, 0, 1)  # Monday: 5 working days, the ward's staff are reminded
    run(session)
    run(session)  # again: nothing more
    assert steps(session, story) == [(REMINDED, 1, "W1", 2)]
    assert outbox(session) == ["ward@nhs.example", "wardmanager@nhs.example"]
    deliver()
    mail = smtp_server.last_to("ward@nhs.example")
    assert subject(mail) == "Reminder, 5 working days without a reply: Nobody answered the bell at night"
    body = text_of(mail)
    assert "Nobody answered the bell at night" in body and f"http://localhost/stories/{story.id}" in body
    assert "no reply for 5 working days" in body and "published on Storyloop on 2 March 2026" in body
    assert "Reply in public" in body and "not about Ward One" in body
    assert "the managers of Hospital One will be told in 5 working days" in body
    assert mail["List-Unsubscribe"].startswith("<http://localhost/alerts/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/alerts/unsubscribe/" in body and "/dashboard#alerts" in body
    for message in smtp_server.messages:  # never the author's address or account name
        assert author.email not in message.as_string() and author.display_name not in message.as_string()

    clock.set(2026, 3, 13, 18)  # Friday: 9 working days
    run(session)
    assert len(steps(session, story)) == 1

    clock.set(2026, 3, 16)  # 10 working days: the managers of the hospital above, not its responders
    run(session)
    assert steps(session, story)[1:] == [(ESCALATED, 2, "H1", 1)]
    smtp_server.clear()
    deliver()
    assert [str(m["To"]) for m in smtp_server.messages] == ["hospitalmanager@nhs.example"]
    mail = smtp_server.messages[0]
    assert subject(mail) == ("Escalated to Hospital One, 10 working days without a reply: "
                               "Nobody answered the bell at night")
    assert "You are told as a manager at Hospital One, which Ward One is part of." in text_of(mail)
    assert "the managers of Trust One will be told in 5 working days" in text_of(mail)

    clock.set(2026, 3, 23)  # 15 working days: the trust's managers
    run(session)
    assert steps(session, story)[2:] == [(ESCALATED, 3, "T1", 1)]
    smtp_server.clear()
    deliver()
    assert [str(m["To"]) for m in smtp_server.messages] == ["trustmanager@nhs.example"]
    assert "will be told" not in text_of(smtp_server.messages[0])  # nobody above the trust

    clock.set(2026, 3, 30)  # 20 working days: the top was reached, the chain has ended
    run(session)
    clock.set(2026, 5, 29)
    run(session)
    assert [s[1] for s in steps(session, story)] == [1, 2, 3]
    assert len(outbox(session)) == 4


def test_a_reply_stops_the_chain_at_once(session, clock, tree, staff, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    clock.set(2026, 3, 9)
    run(session)
    clock.set(2026, 3, 12)
    # The trust's manager answers: anyone on the chain stops it.
    add_reply(session, staff["trust_manager"], story, "We are sorry; we are looking into the night bells.")
    session.commit()
    assert story.response_status == "responded"
    for day in (16, 23, 30):
        clock.set(2026, 3, day)
        run(session)
    assert steps(session, story) == [(REMINDED, 1, "W1", 2)]


def test_a_reply_waiting_for_a_moderator_stops_it_too_but_a_hidden_one_does_not(
        session, clock, tree, staff, make_story):
    waiting, hidden = make_story(tree["ward"], status=PUBLISHED), make_story(tree["ward"], status=PUBLISHED)
    for story, status in ((waiting, AWAITING_MODERATION), (hidden, HIDDEN)):
        session.add(Reply(story_id=story.id, author_id=staff["ward"].id, provider_id=tree["ward"].id,
                          body="We are looking into it.", status=status))
    session.commit()
    clock.set(2026, 3, 9)
    run(session)
    assert steps(session, waiting) == []
    assert steps(session, hidden) == [(REMINDED, 1, "W1", 2)]


def test_not_about_us_stops_the_chain_until_a_moderator_moves_the_story(session, clock, tree, staff, make_story,
                                                                         make_provider):
    story, also = make_story(tree["ward"], status=PUBLISHED), make_story(tree["ward"], status=PUBLISHED)
    clock.set(2026, 3, 9)
    run(session)
    clock.set(2026, 3, 10)
    record_event(session, story, NOT_ABOUT_US, provider=tree["ward"])
    record_event(session, also, NOT_ABOUT_US, provider=tree["ward"])
    session.commit()
    clock.set(2026, 3, 16)
    run(session)
    assert len(steps(session, story)) == 1 == len(steps(session, also))
    # A moderator moves it to the right ward (in the same hospital): the chain carries on there.
    other = make_provider(code="W2", name="Ward Two", kind="department", parent=tree["hospital"])
    clock.set(2026, 3, 17)
    story.provider_id = other.id
    record_event(session, story, REROUTED, provider=other)
    session.commit()
    run(session)
    assert steps(session, story)[1:] == [(ESCALATED, 2, "H1", 1)]
    assert len(steps(session, also)) == 1  # another story's move settles nothing for this one


def test_a_withdrawn_or_hidden_story_is_never_reminded(session, clock, tree, staff, make_story):
    withdrawn = make_story(tree["ward"], status=PUBLISHED)
    hidden = make_story(tree["ward"], status=PUBLISHED)
    clock.set(2026, 3, 4)
    withdrawn.status, withdrawn.withdrawn_at = WITHDRAWN, clock.now
    hidden.status = "hidden"
    session.commit()
    for day in (9, 16, 23, 30):
        clock.set(2026, 3, day)
        run(session)
    assert session.scalar(select(func.count(StoryEvent.id)).where(
        StoryEvent.kind.in_((REMINDED, ESCALATED)))) == 0
    assert outbox(session) == []


def test_a_service_with_nobody_registered_is_reminded_at_its_contact_address_with_the_invitation(
        client, session, clock, tree, make_story, smtp_server, deliver):
    first = make_story(tree["practice"], status=PUBLISHED, title="Letters never arrive")
    second = make_story(tree["practice"], status=PUBLISHED, title="The phone rings out")
    clock.set(2026, 3, 9)
    run(session)
    assert steps(session, first) == [(REMINDED, 1, "G1", 1)] == steps(session, second)
    invitations = session.scalars(select(Invitation).where(Invitation.provider_id == tree["practice"].id)).all()
    assert len(invitations) == 1 and invitations[0].role == "manager"  # both reminders carry the same one
    deliver()
    mails = smtp_server.to("practice@gp.example")
    assert sorted(subject(m) for m in mails) == [
        "Reminder, 5 working days without a reply: Letters never arrive",
        "Reminder, 5 working days without a reply: The phone rings out"]
    body = text_of(mails[0])
    assert "Nobody at Lonely Practice is registered to reply yet" in body
    assert mails[0]["List-Unsubscribe"].startswith("<http://localhost/alerts/unsubscribe/")
    response = client.get(link_in(mails[0], "/invitations/"))
    assert response.status_code == 200 and "Lonely Practice" in response.get_data(as_text=True)
    # The contact address unsubscribes (one click): the next story there reminds nobody, and says so.
    assert client.post(link_in(mails[0], "/alerts/unsubscribe/"), data={"List-Unsubscribe": "One-Click"},
                       csrf=False).status_code == 200
    third = make_story(tree["practice"], status=PUBLISHED)
    clock.set(2026, 3, 16)
    run(session)
    assert steps(session, third) == [(REMINDED, 1, "G1", 0)]
    assert len(outbox(session)) == 2


def test_escalation_to_a_provider_with_nobody_registered_goes_to_its_contact_address(
        session, clock, tree, make_user, make_story):
    make_user(email="ward@nhs.example", provider=tree["ward"])
    story = make_story(tree["ward"], status=PUBLISHED)
    clock.set(2026, 3, 16)  # first seen at 10 working days: the step due now only, not the reminder as well
    run(session)
    assert steps(session, story) == [(ESCALATED, 2, "H1", 1)]
    assert outbox(session) == ["contact@hospital.example"]
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reminder.contact"))
    assert "Nobody at Hospital One is registered to reply yet" in message.body_text
    assert "/invitations/" in message.body_text


def test_managers_first_then_staff_and_nobody_who_turned_alerts_off(session, clock, tree, make_user, make_story):
    # The hospital has no manager: its responder is told. The ward's responder turned alerts off.
    ward = make_user(email="ward@nhs.example", provider=tree["ward"])
    make_user(email="hospital@nhs.example", provider=tree["hospital"])
    membership = session.scalar(select(Membership).where(Membership.user_id == ward.id))
    membership.alert_frequency = "none"
    session.commit()
    story = make_story(tree["ward"], status=PUBLISHED)
    clock.set(2026, 3, 9)
    run(session)
    # Registered, but nobody wants email: not the contact address either, and the chain moves on.
    assert steps(session, story) == [(REMINDED, 1, "W1", 0)] and outbox(session) == []
    clock.set(2026, 3, 16)
    run(session)
    assert steps(session, story)[1:] == [(ESCALATED, 2, "H1", 1)]
    assert outbox(session) == ["hospital@nhs.example"]


def test_catching_up_sends_only_the_step_due_now(session, clock, tree, staff, make_story):
    old = make_story(tree["ward"], status=PUBLISHED)
    lone = make_story(tree["practice"], status=PUBLISHED)
    clock.set(2026, 4, 15)  # 30 working days on (Good Friday and Easter Monday are not counted)
    assert working_days_between(old.published_at, clock.now) == 30
    run(session)
    # Further than the tree goes: the top of it, once; nothing recorded for the steps nobody was told of.
    assert steps(session, old) == [(ESCALATED, 3, "T1", 1)]
    assert steps(session, lone) == [(REMINDED, 1, "G1", 1)]
    assert outbox(session) == ["practice@gp.example", "trustmanager@nhs.example"]
    clock.set(2026, 6, 1)
    run(session)
    assert len(outbox(session)) == 2


def test_scotland_counts_st_andrews_day_out(app, session, clock, tree, staff, make_story):
    app.config["BANK_HOLIDAYS_REGION"] = "Scotland"
    clock.set(2026, 11, 25)  # a Wednesday; Monday 30 November is St Andrew's Day
    story = make_story(tree["ward"], status=PUBLISHED)
    clock.set(2026, 12, 2)  # five working days in England, four in Scotland
    run(session)
    assert steps(session, story) == []
    app.config["BANK_HOLIDAYS_REGION"] = "England"
    run(session)
    assert len(steps(session, story)) == 1
    app.config["BANK_HOLIDAYS_REGION"] = "Scotland"
    other = make_story(tree["ward"], status=PUBLISHED)  # published on 2 December
    clock.set(2026, 12, 9)
    run(session)
    assert steps(session, other) == [(REMINDED, 1, "W1", 2)]


def test_the_latest_start_for_a_step_agrees_with_counting():
    for offset in range(400):
        today = date.fromordinal(date(2026, 1, 1).toordinal() + offset)
        for days in (1, 5, 10, 23):
            start = reminders.latest_start(today, days, "ENG")
            assert working_days_between(start, today) >= days
            assert working_days_between(date.fromordinal(start.toordinal() + 1), today) < days


# ---------------------------------------------------------------- two workers at once

def _run_in_threads(app, count: int = 2) -> None:
    barrier, errors = threading.Barrier(count), []

    def work():
        try:
            with app.app_context():
                barrier.wait(10)
                reminders.send_due(db.session)
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def test_two_workers_at_once_send_one_reminder_per_step(app, session, clock, tree, staff, make_story,
                                                        make_user):
    stories = [make_story(tree["ward"], status=PUBLISHED) for _ in range(3)]
    lone = make_story(tree["practice"], status=PUBLISHED)
    planned_on = make_story(tree["ward"], status=PUBLISHED)
    change = Change(story_id=planned_on.id, provider_id=tree["ward"].id, kind=CHANGE_PLANNED,
                    description="New bells on every bed.", due_on=date(2026, 3, 16), status=VISIBLE)
    session.add(change)
    session.commit()
    concurrent = session.get_bind().dialect.name == "postgresql"
    # Day 9: each story's two ward staff, the practice's contact address, the change's week-before reminder to
    # the ward's two; day 16 adds the hospital's manager for each story and the change's reminder on the day.
    for day, expected_mail in ((9, 3 * 2 + 1 + 2), (16, 3 * 2 + 1 + 2 + 3 + 2)):
        clock.set(2026, 3, day)
        session.commit()
        if concurrent:
            _run_in_threads(app)
        else:  # SQLite serialises writers: the job run twice in a row
            run(session)
            run(session)
        session.expire_all()
        assert len(outbox(session)) == expected_mail
    for story in stories:
        assert steps(session, story) == [(REMINDED, 1, "W1", 2), (ESCALATED, 2, "H1", 1)]
    assert steps(session, lone) == [(REMINDED, 1, "G1", 1)]
    assert len(session.scalars(select(Invitation)).all()) == 1
    assert steps(session, planned_on, (CHANGE_DUE_REMINDED,)) == [
        (CHANGE_DUE_REMINDED, change.id * 10 + 1, "W1", 2), (CHANGE_DUE_REMINDED, change.id * 10 + 2, "W1", 2)]


def test_two_workers_at_once_claim_each_change_reminder_once(app, session, clock, tree, staff, make_story):
    """Changes alone (their stories are answered, so the workers go straight to them and race on the claims)."""
    changes = [Change(story_id=make_story(tree["ward"], status=PUBLISHED).id, provider_id=tree["ward"].id,
                      kind=CHANGE_PLANNED, description="New bells on every bed.", due_on=date(2026, 3, 10),
                      status=VISIBLE) for _ in range(4)]
    session.add_all(changes)
    session.commit()
    for day in (3, 10, 11):
        clock.set(2026, 3, day)
        if session.get_bind().dialect.name == "postgresql":
            _run_in_threads(app, 3)
        else:
            run(session)
            run(session)
    session.expire_all()
    assert len(outbox(session)) == 4 * 2 * 2  # two reminders each, to the ward's two
    for change in changes:
        assert [s for _, s, _, _ in steps(session, change.story, (CHANGE_DUE_REMINDED, CHANGE_OVERDUE))] == [
            change.id * 10 + 1, change.id * 10 + 2, change.id * 10 + 3]


# ---------------------------------------------------------------- planned changes falling due

def _planned(session, story, due_on, provider=None, kind=CHANGE_PLANNED, status=VISIBLE, text="New call bells."):
    change = Change(story_id=story.id, provider_id=(provider or story.provider).id, kind=kind,
                    description=text, due_on=due_on, owner="Ward sister", status=status)
    session.add(change)
    session.commit()
    return change


def test_a_planned_change_is_reminded_a_week_before_and_on_the_day_then_overdue(
        session, clock, tree, staff, make_story, smtp_server, deliver):
    story = make_story(tree["ward"], status=PUBLISHED, title="Call bells unanswered")
    change = _planned(session, story, date(2026, 3, 16), text="Every bed gets a working call bell.")
    clock.set(2026, 3, 8, 23, 59)  # eight days before
    run(session)
    assert steps(session, story, (CHANGE_DUE_REMINDED, CHANGE_OVERDUE)) == []

    clock.set(2026, 3, 9, 0, 1)  # a week before
    run(session)
    run(session)
    assert steps(session, story, (CHANGE_DUE_REMINDED,)) == [(CHANGE_DUE_REMINDED, change.id * 10 + 1, "W1", 2)]
    deliver()
    mail = smtp_server.last_to("ward@nhs.example")
    assert subject(mail) == "Planned change due on 16 March 2026: Call bells unanswered"
    body = text_of(mail)
    assert "Every bed gets a working call bell." in body and "Owner: Ward sister" in body
    assert f"http://localhost/stories/{story.id}" in body and "/alerts/unsubscribe/" in body
    assert mail["List-Unsubscribe"].startswith("<http://localhost/alerts/unsubscribe/")
    assert not change.is_overdue(date(2026, 3, 16))

    clock.set(2026, 3, 16, 7)  # on the day
    run(session)
    run(session)
    session.refresh(change)
    assert change.due_soon_reminded_at is not None and change.due_reminded_at == clock.now
    assert steps(session, story, (CHANGE_DUE_REMINDED,))[1:] == [(CHANGE_DUE_REMINDED, change.id * 10 + 2, "W1", 2)]
    smtp_server.clear()
    deliver()
    assert subject(smtp_server.last_to("wardmanager@nhs.example")) == (
        "Planned change due today: Call bells unanswered")

    clock.set(2026, 3, 17)  # the day after: overdue, once, with no mail
    run(session)
    clock.set(2026, 3, 18)
    run(session)
    assert steps(session, story, (CHANGE_OVERDUE,)) == [(CHANGE_OVERDUE, change.id * 10 + 3, "W1", None)]
    overdue = session.scalar(select(StoryEvent).where(StoryEvent.kind == CHANGE_OVERDUE))
    assert overdue.detail == {"change_id": change.id, "due_on": "2026-03-16"}
    assert change.is_overdue(date(2026, 3, 17))
    assert len(outbox(session, "reminder.change")) == 4
    # Made at last: no longer overdue.
    change.kind, change.made_on = CHANGE_MADE, date(2026, 3, 18)
    session.commit()
    assert not change.is_overdue(date(2026, 3, 18))


def test_several_changes_on_one_story_each_have_their_own_steps(session, clock, tree, staff, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    ahead = _planned(session, story, date(2026, 3, 10))  # planned eight days ahead: reminded a week before
    soon = _planned(session, story, date(2026, 3, 5))  # planned three days ahead: no "a week before" minutes later
    today = _planned(session, story, date(2026, 3, 2))  # due today: the week-before one is past, not sent
    made = _planned(session, story, date(2026, 3, 3), kind=CHANGE_MADE)
    hidden = _planned(session, story, date(2026, 3, 3), status=HIDDEN)

    def sent(*kinds) -> list[int]:
        return sorted(s for _, s, _, _ in steps(session, story, kinds))

    run(session)
    assert sent(CHANGE_DUE_REMINDED) == [today.id * 10 + 2]
    for change in (today, soon):
        session.refresh(change)
        assert change.due_soon_reminded_at is not None  # claimed, so never sent late
    clock.set(2026, 3, 3)  # a week before `ahead`
    run(session)
    assert sent(CHANGE_DUE_REMINDED) == sorted([today.id * 10 + 2, ahead.id * 10 + 1])
    clock.set(2026, 3, 12)  # long after all three: the missed "on the day" reminders are not sent late
    run(session)
    assert sent(CHANGE_DUE_REMINDED, CHANGE_OVERDUE) == sorted(
        [today.id * 10 + 2, ahead.id * 10 + 1, today.id * 10 + 3, soon.id * 10 + 3, ahead.id * 10 + 3])
    for change in (made, hidden):
        session.refresh(change)
        assert change.due_soon_reminded_at is None and change.due_reminded_at is None


def test_a_change_on_a_withdrawn_story_is_not_reminded(session, clock, tree, staff, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    _planned(session, story, date(2026, 3, 5))
    story.status = WITHDRAWN
    session.commit()
    clock.set(2026, 3, 9)
    run(session)
    assert outbox(session) == [] and steps(session, story, (CHANGE_DUE_REMINDED, CHANGE_OVERDUE)) == []


# ---------------------------------------------------------------- cost

def test_the_jobs_reads_do_not_grow_with_the_stories(app, session, clock, tree, staff, make_story, make_provider,
                                                    make_user):
    def selects_in_one_run() -> int:
        count = {"n": 0}

        def seen(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                count["n"] += 1

        engine = db.engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            with app.app_context():
                reminders.send_due(db.session)
                db.session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        return count["n"]

    def batch(n: int, tag: str) -> None:
        for i in range(n):
            ward = make_provider(code=f"{tag}{i}", kind="department", parent=tree["hospital"])
            make_user(provider=ward)
            make_story(ward, status=PUBLISHED)
            make_story(make_provider(code=f"{tag}C{i}", email=f"{tag}{i}@gp.example"), status=PUBLISHED)
            _planned(session, make_story(ward, status=PUBLISHED), date(2026, 3, 16))

    batch(1, "A")
    clock.set(2026, 3, 9)
    small = selects_in_one_run()
    clock.set(2026, 3, 10)
    batch(8, "B")  # eight times as many stories, providers, staff, contact addresses and changes
    clock.set(2026, 3, 16)
    for _ in range(20):  # and stories that are not due yet
        make_story(tree["ward"], status=PUBLISHED)
    clock.set(2026, 3, 17)
    before = session.scalar(select(func.count(StoryEvent.id)))
    large = selects_in_one_run()
    # Batch B: each ward story reminded, each contact story reminded, each change overdue (its reminders' days
    # passed unseen); batch A: the ward story escalated, the change overdue.
    assert session.scalar(select(func.count(StoryEvent.id))) - before == 8 * 3 + 2
    assert large == small
