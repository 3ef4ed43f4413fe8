"""Kept pages and kept API answers (app/web/cache.py) show a story event the moment it is recorded: story_events moves
the content version (app/web/models.py WATCHED), so a reminder the job records, which changes nothing else a page
shows, is on the kept story page and in the kept API answer at once."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from app import jobs
from app.stories.models import PUBLISHED
from app.stories.timeline import REMINDED, record_event
from app.web.models import content_version

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # no bank holiday in England until Good Friday, 3 April


def _run_reminders(session) -> None:
    """One run of the job, as the worker runs it (it commits what a run wrote when the job returns)."""
    job = next(j for j in jobs.registered() if j.name == "reminders")
    job.func(session)
    session.commit()


def test_a_kept_story_page_and_api_answer_show_a_new_reminder_after_the_job_runs(
        app, client, session, clock, tree, make_story, make_user):
    kept = app.extensions["page_cache"]
    clock.set(MONDAY)
    make_user(email="ward@nhs.example", provider=tree["ward"])
    story = make_story(tree["ward"], status=PUBLISHED, title="Nobody answered the bell")
    page, api = f"/stories/{story.id}", f"/api/v1/stories/{story.id}"
    for _ in range(2):
        assert "Staff of Ward One reminded" not in client.get(page).get_data(as_text=True)
        assert client.get(api).get_json()["data"]["events"] == []
    assert kept.hits == 2  # the second view of each was the kept one

    clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))  # Monday: 5 working days without a reply
    before = content_version(session)
    session.rollback()
    _run_reminders(session)
    assert content_version(session) > before
    session.rollback()

    shown = client.get(page).get_data(as_text=True)
    assert "Staff of Ward One reminded (1 person)" in shown
    events = client.get(api).get_json()["data"]["events"]
    assert [(e["kind"], e["step"], e["provider"], e["count"]) for e in events] == [(REMINDED, 1, "W1", 1)]


def test_any_write_to_story_events_moves_the_version_however_it_is_made(session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    for write in (
        lambda: record_event(session, story, REMINDED, step=1, provider=tree["ward"], count=1),
        lambda: session.execute(text("UPDATE story_events SET count = 2")),
        lambda: session.execute(text("DELETE FROM story_events")),
    ):
        before = content_version(session)
        session.rollback()
        write()
        session.commit()
        assert content_version(session) > before
