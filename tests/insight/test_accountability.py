"""The working-day figures and the changes' verdicts in the aggregates: kept event by event exactly as a rebuild
computes them (in the configured bank holiday region), and said in plain words."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, select

from app.insight import words
from app.insight.aggregates import month_of
from app.insight.models import ProviderDayUnreplied, ProviderMonth, ProviderMonthWorkdays
from app.replies.models import Change, Reply
from app.replies.status import refresh_response
from tests.insight.conftest import TODAY, assert_same_as_rebuild, at, snapshot


def _month(session, provider, when):
    session.expire_all()
    return session.get(ProviderMonth, (provider.id, month_of(when)))


def test_rebuild_equals_the_incremental_figures(app, session, tree, accountability):
    kept = snapshot(session)
    # Not a comparison of empty tables: every new figure is there.
    assert {(r.provider_id, r.workdays, r.stories) for r in session.scalars(select(ProviderMonthWorkdays))} >= {
        (tree["hospital"].id, 2, 4), (tree["hospital"].id, 22, 1), (tree["trust"].id, 1, 1)}
    assert {(r.provider_id, r.day, r.stories) for r in session.scalars(select(ProviderDayUnreplied))} == {
        (tree["ward"].id, date(2026, 6, 11), 1), (tree["hospital"].id, date(2026, 5, 18), 1),
        (tree["hospital"].id, date(2026, 2, 2), 1)}
    assert session.scalar(select(func.sum(ProviderMonth.changes_confirmed))) == 1
    assert session.scalar(select(func.sum(ProviderMonth.changes_disputed))) == 1
    assert_same_as_rebuild(session)
    # The command line, after the rows are lost (a bulk load), gives them back.
    for model in (ProviderMonthWorkdays, ProviderDayUnreplied, ProviderMonth):
        session.execute(delete(model))
    session.commit()
    result = app.test_cli_runner().invoke(args=["insight", "rebuild"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert snapshot(session) == kept


def test_working_day_figures_follow_every_event(session, tree, make_story, make_user, clock):
    clock.set(at(TODAY, 12))
    ward = tree["ward"]
    staff = make_user(email="staff@nhs.example", provider=ward)
    story = make_story(ward, status="published")
    story.published_at = at(date(2026, 5, 1), 10)  # Friday before the May Day weekend
    session.commit()
    row = _month(session, ward, story.published_at)
    assert (row.stories, row.replied_5, row.replied_20) == (1, 0, 0)
    assert session.get(ProviderDayUnreplied, (ward.id, date(2026, 5, 1))).stories == 1
    assert_same_as_rebuild(session)

    reply = Reply(story_id=story.id, author_id=staff.id, kind="staff", provider_id=ward.id, body="Thank you",
                  status="visible", published_at=at(date(2026, 5, 11), 9))  # Monday: 5 working days on
    session.add(reply)
    refresh_response(session, story)
    session.commit()
    row = _month(session, ward, story.published_at)
    assert (row.replied_5, row.replied_20) == (1, 1)
    assert session.get(ProviderDayUnreplied, (ward.id, date(2026, 5, 1))) is None
    assert session.scalars(select(ProviderMonthWorkdays.workdays)).all() == [5]  # 10 calendar days
    assert_same_as_rebuild(session)

    reply.published_at = at(date(2026, 5, 12), 9)  # a day later: 6 working days, no longer within 5
    refresh_response(session, story)
    session.commit()
    row = _month(session, ward, story.published_at)
    assert (row.replied_5, row.replied_20) == (0, 1)
    assert_same_as_rebuild(session)

    change = Change(story_id=story.id, provider_id=ward.id, kind="made", description="Done", made_on=TODAY,
                    created_at=at(TODAY))
    session.add(change)
    session.commit()
    assert _month(session, ward, TODAY).changes_made == 1
    change.verdict, change.verdict_status = "disputed", "pending"
    session.commit()
    assert _month(session, ward, TODAY).changes_disputed == 0  # not until a moderator has checked it
    change.verdict_status = "visible"
    session.commit()
    assert _month(session, ward, TODAY).changes_disputed == 1
    assert_same_as_rebuild(session)
    change.verdict, change.verdict_status = "confirmed", None
    session.commit()
    row = _month(session, ward, TODAY)
    assert (row.changes_confirmed, row.changes_disputed) == (1, 0)
    assert_same_as_rebuild(session)

    story.status = "hidden"
    session.commit()
    assert _month(session, ward, story.published_at) is None and _month(session, ward, TODAY) is None
    assert session.scalar(select(func.count()).select_from(ProviderMonthWorkdays)) == 0
    assert_same_as_rebuild(session)


@pytest.mark.parametrize("region, expected", [("England", 2), ("Scotland", 1)])
def test_working_days_are_counted_in_the_configured_region(app, session, tree, make_story, region, expected):
    """Wednesday 31 December 2025 to Monday 5 January 2026: England keeps 1 January only, Scotland 2 January too."""
    app.config["BANK_HOLIDAYS_REGION"] = region
    story = make_story(tree["ward"], status="published")
    story.published_at = at(date(2025, 12, 31), 10)
    story.first_reply_at = at(date(2026, 1, 5), 10)
    session.commit()
    assert session.scalars(select(ProviderMonthWorkdays.workdays)).all() == [expected]
    assert_same_as_rebuild(session)


def test_plain_words():
    assert words.within(8, 12, 1) == "67% (8 of 12)"
    assert words.within(2, 3, 0) == "2 of 3"  # too few for a percentage
    assert words.within(0, 0, 2) == "Not known yet" and words.within(0, 0, 0) == "–"
    assert words.waiting(0, 0) == ""
    assert words.waiting(0, 1) == "Not counted yet, as they are still within their time: 1 story for “within 20 " \
                                  "working days”."
    assert words.median_workdays(None, 0) == "No replies yet"
    assert words.median_workdays(1, 12) == "1 working day"
    assert words.median_workdays(2.5, 4) == "2.5 working days (too few replies to rely on)"
