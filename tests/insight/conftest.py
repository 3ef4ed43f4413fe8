"""Helpers for insight tests: dates in months counted back from now, a snapshot of the aggregates, a clock, and
the accountability fixture (stories and replies across weekends and bank holidays, changes in every state)."""
from __future__ import annotations

import sys
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.extensions import utcnow
from app.insight.aggregates import add_months, month_of, rebuild
from app.insight.models import (
    ProviderDayUnreplied,
    ProviderMonth,
    ProviderMonthTag,
    ProviderMonthWait,
    ProviderMonthWorkdays,
)


def months_ago(k: int, day: int = 10, hour: int = 12) -> datetime:
    month = add_months(month_of(utcnow()), -k)
    return datetime(month.year, month.month, day, hour, tzinfo=UTC)


def snapshot(session) -> tuple[set, ...]:
    cols = [c for c in ProviderMonth.__table__.c if c.name != "updated_at"]
    return (set(session.execute(select(*cols)).tuples()),
            *(set(session.execute(select(*model.__table__.c)).tuples())
              for model in (ProviderMonthTag, ProviderMonthWait, ProviderMonthWorkdays, ProviderDayUnreplied)))


def assert_same_as_rebuild(session) -> None:
    """The figures kept up to date event by event equal those recomputed from scratch."""
    session.expire_all()
    kept = snapshot(session)
    rebuild(session)
    assert snapshot(session) == kept


@pytest.fixture
def people(make_user, tree):
    return {
        "moderator": make_user(email="mod@example.org", moderator=True),
        "ward_manager": make_user(email="wardmanager@nhs.example", provider=tree["ward"], role="manager"),
        "trust_manager": make_user(email="trustlead@nhs.example", provider=tree["trust"], role="manager"),
        "responder": make_user(email="responder@nhs.example", provider=tree["ward"]),
    }


# ---------------------------------------------------------------- a clock tests can set


class Clock:
    """app.extensions.utcnow as every module of the app sees it, set to a moment the test chooses."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def set(self, when: datetime) -> None:
        self.now = when

    def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)


def install_clock(monkeypatch) -> Clock:
    """Put a Clock in place of utcnow in every module of the app that imported it (load the app first)."""
    from app import extensions

    original, fake = extensions.utcnow, Clock()
    for name, module in list(sys.modules.items()):
        if (name == "app" or name.startswith("app.")) and getattr(module, "utcnow", None) is original:
            monkeypatch.setattr(module, "utcnow", fake)
    return fake


@pytest.fixture
def clock(app, monkeypatch) -> Clock:
    return install_clock(monkeypatch)


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


# ---------------------------------------------------------------- the accountability fixture
#
# Today is Monday 15 June 2026 (England). Bank holidays around: Christmas Day and Boxing Day (Thu 25, Fri 26
# December 2025), New Year's Day (Thu 1 January 2026), Good Friday and Easter Monday (3 and 6 April), May Day
# (Mon 4 May), Spring bank holiday (Mon 25 May). "The last 12 months" are July 2025 to June 2026.
TODAY = date(2026, 6, 15)

# (place, published, first reply or None, working days to it by hand, calendar days)
STORIES = [
    ("ward", at(date(2026, 5, 1), 10), at(date(2026, 5, 5), 9), 1, 4),  # Fri -> Tue over the May Day weekend
    ("ward", at(date(2026, 4, 30), 15), at(date(2026, 5, 8), 11), 5, 8),  # Thu -> Fri next week, May Day
    ("ward", at(date(2026, 4, 24), 9), at(date(2026, 5, 5), 16), 6, 11),  # Fri -> Tue: 6 working days
    ("ward", at(date(2026, 6, 11), 9), None, None, None),  # Thu, 2 working days ago: still within 5 and 20
    ("hospital", at(date(2026, 3, 2), 9), at(date(2026, 4, 1), 9), 22, 30),  # a month: 22 working days
    ("hospital", at(date(2026, 5, 18), 9), None, None, None),  # 28 calendar days but 19 working days ago
    ("hospital", at(date(2026, 2, 2), 9), None, None, None),  # never answered
    *[("hospital", at(date(2026, 6, 1), 9), at(date(2026, 6, 3), 10), 2, 2)] * 4,  # Mon -> Wed
    ("trust", at(date(2025, 12, 24), 16), at(date(2025, 12, 29), 9), 1, 5),  # Christmas: Wed -> Mon
    ("trust", at(date(2025, 7, 7), 9), at(date(2025, 7, 7), 15), 0, 0),  # the same day
]


@pytest.fixture
def accountability(session, tree, make_user, make_story, clock):
    return build_accountability(session, tree, make_user, make_story, clock)


def build_accountability(session, tree, make_user, make_story, clock) -> dict:
    """STORIES below the trust, stories and changes that must not count, and changes in every state."""
    from app.replies.models import Change, Reply
    from app.replies.status import refresh_response

    clock.set(at(TODAY, 12))
    responder = make_user(email="responder@nhs.example", provider=tree["trust"])

    def story(place, published, reply=None, status="published", title=None):
        s = make_story(tree[place] if isinstance(place, str) else place, status="published", title=title)
        s.published_at = published
        session.commit()
        if reply is not None:
            session.add(Reply(story_id=s.id, author_id=responder.id, kind="staff", provider_id=s.provider_id,
                              body="Thank you", status="visible", published_at=reply, created_at=reply))
            refresh_response(session, s)
            session.commit()
        if status != "published":
            s.status = status
            session.commit()
        return s

    made = [story(place, published, reply, title=f"Counted story {i}")
            for i, (place, published, reply, _, _) in enumerate(STORIES)]
    a, b, c, d, g, x = made[0], made[1], made[2], made[4], made[5], made[11]
    # Not counted: hidden, withdrawn, pending, elsewhere, and before the 12 months.
    hidden = story("ward", at(date(2026, 5, 5)), at(date(2026, 5, 5), 15), status="hidden", title="Hidden story")
    withdrawn = story("ward", at(date(2026, 5, 6)), at(date(2026, 5, 6), 15), status="withdrawn",
                      title="Withdrawn story")
    make_story(tree["ward"], status="pending", title="Pending story")
    elsewhere = story("other", at(date(2026, 5, 6)), at(date(2026, 5, 6), 15), title="Story elsewhere")
    story("ward", at(date(2025, 6, 20)), at(date(2025, 6, 20), 15), title="Story from June 2025")

    def change(s, kind, created, **fields):
        item = Change(story_id=s.id, provider_id=s.provider_id, kind=kind, reporter_name="Sam Staff",
                      reporter_title="Ward manager", description=fields.pop("description", f"A {kind} change"),
                      created_at=at(created), **fields)
        session.add(item)
        session.commit()
        return item

    changes = {
        "overdue": change(a, "planned", date(2026, 5, 6), due_on=date(2026, 6, 12), owner="Ward manager"),
        "due_later": change(b, "planned", date(2026, 5, 9), due_on=date(2026, 6, 30)),
        "due_today": change(g, "planned", date(2026, 5, 20), due_on=TODAY),
        "hidden_planned": change(d, "planned", date(2026, 4, 2), due_on=date(2026, 6, 1), status="hidden"),
        "on_hidden_story": change(hidden, "planned", date(2026, 5, 6), due_on=date(2026, 5, 20)),
        "confirmed": change(a, "made", date(2026, 6, 10), made_on=date(2026, 6, 10), due_on=date(2026, 6, 5),
                            description="A second triage nurse at weekends", evidence="The new rota is on the board.",
                            evidence_url="https://example.org/rota", verdict="confirmed",
                            verdict_at=at(date(2026, 6, 12)), verdict_note="Private thanks, not shown"),
        "disputed": change(d, "made", date(2026, 5, 20), made_on=date(2026, 5, 20), verdict="disputed",
                           verdict_status="visible", verdict_note="The queue is just as long as before.",
                           verdict_at=at(date(2026, 5, 30))),
        "dispute_unchecked": change(c, "made", date(2026, 6, 1), made_on=date(2026, 6, 1), verdict="disputed",
                                    verdict_status="pending", verdict_note="Unchecked words of the author"),
        "not_yet": change(x, "made", date(2026, 1, 2), made_on=date(2026, 1, 2), verdict="not_yet"),
        "on_withdrawn_story": change(withdrawn, "made", date(2026, 5, 7), made_on=date(2026, 5, 7),
                                     description="Made on a withdrawn story"),
        "pending": change(b, "made", date(2026, 5, 12), made_on=date(2026, 5, 12), status="pending",
                          description="Waiting for a moderator"),
        "hidden_made": change(b, "made", date(2026, 5, 13), made_on=date(2026, 5, 13), status="hidden",
                              description="Hidden by a moderator"),
        "elsewhere": change(elsewhere, "made", date(2026, 5, 7), made_on=date(2026, 5, 7),
                            description="Made somewhere else"),
    }
    return {"stories": made, "changes": changes, "hidden": hidden}
