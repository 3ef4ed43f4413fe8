"""The response loop in headless Chromium, with time moved by the clock fixture (no sleeps): a story nobody answers
is reminded to its ward's staff after 5 working days and escalated to the managers above after 10, by the
"reminders" job run as the worker runs it; then the staff reply, plan a change with its due date and owner, mark it
made with evidence, and the author confirms it through the emailed signed link, without a password. The story page
shows each step as it happens, and the whole timeline in order at the end.

The live server runs in a thread of this process, so it reads the same app clock (app.extensions.clock) as the
test, the outbox worker (`deliver`) and the jobs it starts.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.replies.models import Change
from app.stories.models import Story
from app.workdays import add_working_days, is_working_day
from tests.conftest import link_in
from tests.hardening.test_journeys import log_in, log_out

pytestmark = [pytest.mark.browser,
              pytest.mark.settings(REMINDER_WORKING_DAYS=5, ESCALATE_WORKING_DAYS=10, BANK_HOLIDAYS_REGION="england",
                                   RESPONDER_MODERATED_REPLIES=0)]

TITLE = "Nobody came when I rang the bell"


@pytest.fixture(autouse=True)
def _fail_fast(page):
    page.set_default_timeout(10_000)


def quiet_monday(after: date) -> date:
    """The first Monday after `after` with no bank holiday in the four weeks from it: the story's weeks are plain
    working weeks, so 5 and 10 working days are one and two weeks on."""
    day = after + timedelta(days=7 - after.weekday())
    while not all(is_working_day(d) for d in (day + timedelta(days=i) for i in range(28)) if d.weekday() < 5):
        day += timedelta(days=7)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def progress(page) -> list[str]:
    """The story page's Progress steps, oldest first, without their dates."""
    return [re.sub(r"^\d{2} \w+ \d{4}: ", "", text.strip())
            for text in page.locator("ol.timeline-steps > li").all_inner_texts()]


def subject(message) -> str:
    return " ".join(str(message["Subject"]).split())


@pytest.fixture
def cast(clock, tree, make_user):
    return {
        "sister": make_user(email="sister@example.org", provider=tree["ward"], job_title="Ward sister",
                            display_name="Sam Sister"),
        "matron": make_user(email="matron@example.org", provider=tree["hospital"], role="manager",
                            job_title="Matron", display_name="Mo Matron"),
        "author": make_user(email="teller@example.org"),
        "moderator": make_user(email="mod@example.org", moderator=True),
    }


def test_an_unanswered_story_is_reminded_escalated_answered_changed_and_confirmed(
        clock, live_server, page, cast, tree, make_story, session, smtp_server, deliver):
    from app.moderation.services import Publication, publish

    base = live_server.url
    monday = quiet_monday(clock.now().date())
    reminded_on, escalated_on = add_working_days(monday, 5), add_working_days(monday, 10)
    assert (reminded_on - monday, escalated_on - monday) == (timedelta(days=7), timedelta(days=14))

    # A moderator publishes the story on a Monday morning: the ward sister and the hospital's matron are alerted.
    clock.set(at(monday, 9))
    story = make_story(tree["ward"], author=cast["author"], title=TITLE, body=(
        "I rang the call bell at two in the morning because I was in pain, and nobody came for forty minutes. "
        "When a nurse did come she was kind, but said there were only two of them for the whole ward."))
    publish(session, cast["moderator"], story, story.version, Publication(3, [], story.title, story.body))
    session.commit()
    deliver()
    assert smtp_server.to("sister@example.org") and smtp_server.to("matron@example.org")
    smtp_server.clear()

    # Nobody answers. The day before the fifth working day the worker's reminders job writes nothing ...
    clock.set(at(reminded_on - timedelta(days=3), 7))  # Friday: 4 working days
    deliver()
    assert smtp_server.messages == []
    # ... and on it the ward's staff are reminded; the matron is not (yet).
    clock.set(at(reminded_on, 7))
    deliver()
    reminder = smtp_server.last_to("sister@example.org")
    assert subject(reminder) == f"Reminder, 5 working days without a reply: {TITLE}"
    assert smtp_server.to("matron@example.org") == []
    # The sister follows the emailed link: the story's Progress says the ward's staff were reminded.
    page.goto(base + link_in(reminder, f"/stories/{story.id}"))
    assert "Staff of Ward One reminded (1 person)" in progress(page)
    assert not any(step.startswith("Escalated") for step in progress(page))
    smtp_server.clear()

    # Still nothing on the tenth working day: the managers of the hospital above the ward are told.
    clock.set(at(escalated_on, 7))
    deliver()
    escalation = smtp_server.last_to("matron@example.org")
    assert subject(escalation) == f"Escalated to Hospital One, 10 working days without a reply: {TITLE}"
    assert smtp_server.to("sister@example.org") == []  # the ward's staff had their reminder
    # The matron signs in and follows the link: the escalation is on the story's Progress.
    clock.set(at(escalated_on, 8, 30))
    log_in(page, base, "matron@example.org")
    page.goto(base + link_in(escalation, f"/stories/{story.id}"))
    assert "Escalated to Hospital One: 1 person told" in progress(page)
    log_out(page)

    # The ward sister signs in, replies and plans a change with its due date and owner.
    clock.set(at(escalated_on, 10))
    due = escalated_on + timedelta(days=21)
    log_in(page, base, "sister@example.org")
    page.goto(base + link_in(reminder, f"/stories/{story.id}"))
    page.get_by_label("Your public reply").fill("I am so sorry you waited in pain. We are looking at night staffing.")
    page.get_by_role("button", name="Publish reply").click()
    page.get_by_label("A change we plan to make").check()
    page.get_by_label("What will change, or what changed?").fill(
        "A third nurse will be on every night shift, so a call bell is answered within five minutes.")
    page.get_by_label("When is it due?").fill(due.isoformat())
    page.get_by_label("Who owns it?").fill("Ward One manager")
    page.get_by_role("button", name="Record the change").click()
    session.expire_all()
    change = session.scalar(select(Change).where(Change.story_id == story.id))
    assert (change.kind, change.status, change.due_on, change.owner) == ("planned", "visible", due,
                                                                         "Ward One manager")
    planned = page.locator(f"#changes-{change.id}")
    assert f"Due {due.strftime('%d %B %Y')}" in planned.inner_text()

    # Two weeks later the change is made: she marks it so, with evidence.
    clock.set(at(escalated_on + timedelta(days=14), 16))
    made_on = clock.now().date()
    page.goto(base + f"/stories/{story.id}")
    planned = page.locator(f"#changes-{change.id}")
    planned.get_by_text("Mark this change as made").click()
    planned.get_by_label("When was it made?").fill(made_on.isoformat())
    planned.get_by_label("What shows it?").fill("The night rota for the ward now has three nurses on every shift.")
    planned.get_by_label("A link that shows it").fill("https://www.example.nhs.uk/ward-one/night-rota")
    planned.get_by_role("button", name="It is made").click()
    assert "The night rota for the ward now has three nurses" in page.locator(f"#changes-{change.id}").inner_text()
    log_out(page)

    # The author is emailed the signed link and opens it in a browser that is not signed in: no password.
    deliver()
    check = smtp_server.last_to("teller@example.org")
    assert "Does it match what you see?" in subject(check)
    clock.set(at(escalated_on + timedelta(days=15), 19))
    page.goto(base + link_in(check, f"/changes/{change.id}/check/"))
    assert "Does this change match what you see now?" in page.text_content("h1")
    page.get_by_label("Yes, it matches what I see").check()
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_url(f"**/stories/{story.id}*")
    log_out(page)

    # Any visitor sees the whole timeline in order, and the change as confirmed by its author.
    page.goto(base + f"/stories/{story.id}")
    assert progress(page) == [
        "Published",
        "Ward One alerted: 2 people told",
        "Staff of Ward One reminded (1 person)",
        "Escalated to Hospital One: 1 person told",
        "Read by staff of Ward One",
        "Ward One replied",
        f"Change planned, due {due.strftime('%d %B %Y')}",
        "Ward One made a change",
        "The author confirmed the change matches what they see",
    ]
    dates = page.locator("ol.timeline-steps time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates == sorted(dates) and dates[0] == monday.isoformat() and dates[-1] > escalated_on.isoformat()
    made = page.locator(f"#changes-{change.id}").inner_text()
    assert "The author confirms this matches what they see." in made
    assert "https://www.example.nhs.uk/ward-one/night-rota" in made
    assert "Change made" in page.locator(".conversation h2").inner_text()
    session.expire_all()
    assert session.get(Story, story.id).response_status == "change_made"
    assert "teller@example.org" not in page.content()
    assert page.console_errors == []
