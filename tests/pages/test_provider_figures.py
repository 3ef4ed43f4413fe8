"""A provider's page: reply shares in working days, the median, changes planned, made, confirmed and overdue,
against a hand-computed fixture whose stories cross weekends and bank holidays; its queries do not grow."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.insight.aggregates import workdays_to_reply
from app.insight.response import response_stats
from tests.insight.conftest import STORIES, TODAY, at, build_accountability, install_clock


@pytest.fixture
def clock(app, monkeypatch):
    return install_clock(monkeypatch)


@pytest.fixture
def accountability(session, tree, make_user, make_story, clock):
    return build_accountability(session, tree, make_user, make_story, clock)


def _stats_text(page: str) -> dict[str, str]:
    """The figures list of a provider page, as {label: value} in plain text."""
    section = page.split('id="stats-title"', 1)[1].split("</dl>", 1)[0]
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", section, re.S)
    return {html.unescape(dt): " ".join(html.unescape(re.sub(r"<[^>]+>", "", dd)).split()) for dt, dd in pairs}


def test_the_fixture_crosses_weekends_and_bank_holidays():
    """The hand counts above: working days differ from calendar days wherever a weekend or holiday intervenes."""
    for _, published, reply, workdays, calendar in STORIES:
        if reply is None:
            continue
        assert workdays_to_reply(published, reply, "ENG") == workdays
        assert (reply.date() - published.date()).days == calendar
    assert sum(1 for _, _, reply, w, c in STORIES if reply is not None and w != c) >= 5


def test_trust_figures_match_the_hand_computed_fixture(session, tree, accountability):
    stats = response_stats(session, tree["trust"])
    f = stats.figures
    assert stats.stories == 13 and stats.replied == 10
    # Within 5 working days: the stories replied after 1, 5, 2, 2, 2, 2, 1 and 0 working days. The story of
    # Thursday 11 June (2 working days old, no reply) is still within its 5 days: left out.
    assert (f.replied_5, f.waiting_5, f.counted_5) == (8, 1, 12)
    # Within 20: those and the one replied after 6. The story of 18 May is 28 calendar days old but only 19
    # working days (Spring bank holiday): still within its 20, like the one of 11 June.
    assert (f.replied_20, f.waiting_20, f.counted_20) == (9, 2, 11)
    assert f.share_5 == pytest.approx(8 / 12) and f.share_20 == pytest.approx(9 / 11)
    # Working days to the first reply: 0, 1, 1, 2, 2, 2, 2, 5, 6, 22: the median is 2.
    assert f.median_workdays == 2
    assert (stats.changes_planned, stats.changes_made, f.changes_confirmed, f.changes_disputed) == (3, 4, 1, 1)
    assert stats.changes_overdue == 1  # due 12 June; not the one due today, nor the hidden ones


def _notes(page: str) -> str:
    notes = page.split('class="muted stats-notes"', 1)[1].split("</div>", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", notes)).split())


def test_the_trust_page_says_it_in_words(client, tree, accountability):
    page = client.get("/providers/T1").get_data(as_text=True)
    figures = _stats_text(page)
    assert figures["Stories published"] == "13"
    assert figures["Replied to"] == "77% (10 of 13)"
    assert figures["Replied to within 5 working days"] == "67% (8 of 12)"
    assert figures["Replied to within 20 working days"] == "82% (9 of 11)"
    assert figures["Working days to the first reply (median)"] == "2 working days"
    assert figures["Changes planned, not yet made"] == "3"
    assert figures["Changes made"] == "4"
    assert figures["Changes made that the story's author confirmed"] == "1 of 4"
    assert figures["Changes made that the story's author disputed"] == "1"
    assert figures["Planned changes past their due date"] == "1"
    notes = _notes(page)
    assert "Not counted yet, as they are still within their time: 2 stories for “within 20 working days” and " \
           "1 story for “within 5”." in notes
    assert "too few" not in notes
    assert 'href="/providers/T1/changes"' in page


def test_a_ward_with_few_stories_says_they_are_too_few(client, session, tree, accountability):
    page = client.get("/providers/W1").get_data(as_text=True)
    figures = _stats_text(page)
    assert figures["Stories published"] == "4"
    assert figures["Replied to within 5 working days"] == "2 of 3"  # no percentage of so few
    assert figures["Replied to within 20 working days"] == "3 of 3"
    assert figures["Working days to the first reply (median)"] == "5 working days (too few replies to rely on)"
    assert figures["Changes made that the story's author confirmed"] == "1 of 2"
    assert figures["Planned changes past their due date"] == "1"
    notes = _notes(page)
    assert "Fewer than 10 stories: too few for a fair percentage, so the counts are given instead." in notes
    assert "1 story for “within 20 working days” and 1 story for “within 5”." in notes


def test_days_passing_move_waiting_stories_into_the_figures(session, tree, accountability, clock):
    """No event happens as days pass: the same aggregates, read a week later, count the stories whose days ran."""
    clock.set(at(TODAY + timedelta(days=7), 12))  # Monday 22 June
    f = response_stats(session, tree["trust"]).figures
    # 11 June is now 7 working days old, unanswered: a failure within 5, still waiting within 20.
    assert (f.replied_5, f.waiting_5, f.counted_5) == (8, 0, 13)
    # 18 May is now 24 working days old: counted (a failure); 11 June still waiting.
    assert (f.replied_20, f.waiting_20, f.counted_20) == (9, 1, 12)
    assert response_stats(session, tree["trust"]).changes_overdue == 2  # the one due 15 June too


def test_nothing_published_says_so(client, tree):
    page = client.get("/providers/G1").get_data(as_text=True)
    figures = _stats_text(page)
    assert figures["Replied to within 5 working days"] == "–"
    assert figures["Working days to the first reply (median)"] == "No replies yet"
    assert figures["Planned changes past their due date"] == "0"
    assert "Not counted yet" not in _notes(page) and "too few" not in _notes(page)


# ---------------------------------------------------------------- queries


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self)


@pytest.fixture
def app_overrides() -> dict:
    return {"PAGE_CACHE_MB": 0, "FRAGMENT_CACHE_MB": 0}  # the queries of rendering a page, not of serving a kept one


def _queries(client, url: str) -> int:
    with QueryCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return len(counter.statements)


@pytest.mark.parametrize("url", ["/providers/T1", "/providers/T1/changes"])
def test_queries_do_not_grow_with_stories(client, session, tree, make_provider, make_story, url):
    from app.replies.models import Change, Reply
    from app.replies.status import refresh_response

    wards = [tree["ward"]] + [make_provider(code=f"W{i}", name=f"Ward {i}", kind="department",
                                            parent=tree["hospital"]) for i in range(2, 6)]
    made = {"n": 0}

    def add(count: int) -> None:
        for _ in range(count):
            made["n"] += 1
            n = made["n"]
            story = make_story(wards[n % len(wards)], status="published")
            if n % 3:
                session.add(Reply(story_id=story.id, kind="staff", provider_id=story.provider_id, body="Thank you",
                                  status="visible", published_at=story.published_at + timedelta(days=n % 9)))
                refresh_response(session, story)
            session.add(Change(story_id=story.id, provider_id=story.provider_id, kind="made" if n % 2 else "planned",
                               description="A change", made_on=date.today() if n % 2 else None,
                               due_on=date.today() - timedelta(days=n % 4), evidence="Shown",
                               verdict="confirmed" if n % 4 == 1 else None))
        session.commit()

    add(2)
    _queries(client, url)  # the first request also loads what the app caches
    few = _queries(client, url)
    add(30)
    many = _queries(client, url)
    assert many == few
