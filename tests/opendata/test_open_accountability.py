"""The provider page's working-day figures in the open data, against the hand-computed accountability fixture
(tests/insight/conftest.py: stories across weekends and bank holidays, changes in every state, today Monday 15 June
2026): /api/v1/providers/<code> statistics, provider_months.csv, and changes.csv's verdicts and overdue flags."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from frictionless import Package

from tests.insight.conftest import TODAY, at, build_accountability, install_clock
from tests.opendata.conftest import export, read_csv


@pytest.fixture
def clock(app, monkeypatch):
    return install_clock(monkeypatch)


@pytest.fixture
def accountability(session, tree, make_user, make_story, clock):
    data = build_accountability(session, tree, make_user, make_story, clock)
    # The services make every confirmation and "not yet" public at once (verdict_status "visible"); the fixture
    # writes rows directly and leaves it empty.
    for name in ("confirmed", "not_yet"):
        data["changes"][name].verdict_status = "visible"
    session.commit()
    return data


def _statistics(client, code: str) -> dict:
    response = client.get(f"/api/v1/providers/{code}")
    assert response.status_code == 200
    return response.get_json()["data"]["statistics"]


def test_the_trust_s_statistics_are_the_hand_computed_figures(client, accountability):
    stats = _statistics(client, "T1")
    assert {k: v for k, v in stats.items() if k not in ("period_days", "median_hours_to_first_reply")} == {
        "period_from": "2025-07-01", "stories": 13, "replied": 10, "reply_share": 0.7692,
        # Within 5 working days: replied after 1, 5, 2, 2, 2, 2, 1 and 0; the story of Thursday 11 June (2 working
        # days old, unanswered) is still within its 5 days and left out: 8 of 12.
        "replied_within_5_working_days": 8, "still_within_5_working_days": 1,
        "share_replied_within_5_working_days": 0.6667,
        # Within 20: those and the one after 6; 18 May is 28 calendar days but 19 working days old (Spring bank
        # holiday): still within, like 11 June: 9 of 11.
        "replied_within_20_working_days": 9, "still_within_20_working_days": 2,
        "share_replied_within_20_working_days": 0.8182,
        # 0, 1, 1, 2, 2, 2, 2, 5, 6, 22 working days: the median is 2.
        "median_working_days_to_first_reply": 2,
        "changes_planned": 3, "changes_made": 4, "changes_confirmed": 1, "changes_disputed": 1,
        "changes_overdue": 1,  # due 12 June; not the one due today, nor the hidden ones
    }


def test_the_ward_s_statistics_say_the_same_as_its_page(client, accountability):
    stats = _statistics(client, "W1")
    assert (stats["stories"], stats["replied_within_5_working_days"], stats["still_within_5_working_days"],
            stats["replied_within_20_working_days"], stats["still_within_20_working_days"]) == (4, 2, 1, 3, 1)
    # The page: "2 of 3" within 5, "3 of 3" within 20, "5 working days", "1 of 2" confirmed, 1 overdue.
    assert stats["share_replied_within_5_working_days"] == 0.6667
    assert stats["share_replied_within_20_working_days"] == 1.0
    assert stats["median_working_days_to_first_reply"] == 5
    assert (stats["changes_made"], stats["changes_confirmed"], stats["changes_overdue"]) == (2, 1, 1)
    # The practice elsewhere: one story, answered the day it was published.
    other = _statistics(client, "G1")
    assert (other["stories"], other["share_replied_within_5_working_days"],
            other["median_working_days_to_first_reply"], other["changes_made"]) == (1, 1.0, 0, 1)


def test_days_passing_move_the_figures_without_any_event(client, accountability, clock):
    clock.set(at(TODAY + timedelta(days=7), 12))  # Monday 22 June
    stats = _statistics(client, "T1")
    assert (stats["replied_within_5_working_days"], stats["still_within_5_working_days"]) == (8, 0)
    assert (stats["replied_within_20_working_days"], stats["still_within_20_working_days"]) == (9, 1)
    assert stats["changes_overdue"] == 2  # the one due 15 June too


def test_the_statistics_read_the_aggregates_never_the_stories(client, accountability, count_queries):
    with count_queries() as log:
        _statistics(client, "T1")
    reads = " ".join(log.statements)
    assert "provider_months" in reads and "provider_month_workdays" in reads and "provider_day_unreplied" in reads
    # Only the overdue count touches stories: joined to the changes it counts, by key.
    assert not re.search(r"FROM stories\b", reads), reads


def test_provider_months_csv_carries_the_working_day_figures_by_hand(app, client, accountability, tmp_path):
    out = export(app, tmp_path / "ds")
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = {(r["provider_code"], r["month"]): r for r in read_csv(out / "provider_months.csv")}
    columns = ("stories", "replied", "replied_within_5_working_days", "replied_within_20_working_days",
               "still_within_5_working_days", "still_within_20_working_days", "median_working_days_to_first_reply",
               "changes_confirmed", "changes_disputed")

    def row(code, month):
        return tuple(rows[(code, month)][c] for c in columns)

    # The ward in April: 30 April -> 8 May (5 working days) and 24 April -> 5 May (6): median 5.5.
    assert row("W1", "2026-04") == ("2", "2", "1", "2", "0", "0", "5.5", "0", "0")
    # In May: 1 May -> 5 May over the May Day weekend, 1 working day.
    assert row("W1", "2026-05") == ("1", "1", "1", "1", "0", "0", "1.0", "0", "0")
    # In June: the story of 11 June, unanswered, within both; and the confirmation reported on 10 June.
    assert row("W1", "2026-06") == ("1", "0", "0", "0", "1", "1", "", "1", "0")
    # The hospital: four stories of 1 June answered on the 3rd; 18 May unanswered and within its 20 working days
    # (and the dispute a moderator let through, reported on 20 May); 2 March, 22 working days.
    assert row("H1", "2026-06") == ("4", "4", "4", "4", "0", "0", "2.0", "0", "0")
    assert row("H1", "2026-05") == ("1", "0", "0", "0", "0", "1", "", "0", "1")
    assert row("H1", "2026-03") == ("1", "1", "0", "0", "0", "0", "22.0", "0", "0")
    # The trust's own: Christmas Eve -> 29 December is 1 working day.
    assert row("T1", "2025-12") == ("1", "1", "1", "1", "0", "0", "1.0", "0", "0")
    # Added up over the trust's subtree and the API's 12 months, they are the API's figures.
    stats = _statistics(client, "T1")
    in_year = [r for (code, month), r in rows.items() if code in ("T1", "H1", "W1") and month >= "2025-07"]
    for column in ("replied_within_5_working_days", "replied_within_20_working_days", "still_within_5_working_days",
                   "still_within_20_working_days", "changes_confirmed", "changes_disputed", "stories"):
        assert sum(int(r[column]) for r in in_year) == stats[column], column


def test_changes_csv_shows_public_verdicts_and_overdue_promises_only(app, accountability, tmp_path):
    out = export(app, tmp_path / "ds")
    c = accountability["changes"]
    rows = {int(r["id"]): r for r in read_csv(out / "changes.csv")}
    assert set(rows) == {c[name].id for name in ("overdue", "due_later", "due_today", "confirmed", "disputed",
                                                 "dispute_unchecked", "not_yet", "elsewhere")}
    overdue = {name for name in c if c[name].id in rows and rows[c[name].id]["overdue"] == "true"}
    assert overdue == {"overdue"}  # due 12 June; due today is not overdue yet
    assert rows[c["overdue"].id]["owner"] == "Ward manager" and rows[c["overdue"].id]["due_on"] == "2026-06-12"
    verdicts = {name: (rows[c[name].id]["verdict"], rows[c[name].id]["dispute_text"])
                for name in ("confirmed", "disputed", "dispute_unchecked", "not_yet")}
    assert verdicts == {"confirmed": ("confirmed", ""),
                        "disputed": ("disputed", "The queue is just as long as before."),
                        "dispute_unchecked": ("", ""), "not_yet": ("not_yet", "")}
    assert rows[c["confirmed"].id]["evidence_url"] == "https://example.org/rota"
    assert rows[c["confirmed"].id]["due_on"] == "2026-06-05"  # planned first, then made: both show
    text = (out / "changes.csv").read_text(encoding="utf-8") + (out / "stories.ndjson").read_text(encoding="utf-8")
    for secret in ("Private thanks, not shown", "Unchecked words of the author", "Waiting for a moderator",
                   "Hidden by a moderator", "Made on a withdrawn story"):
        assert secret not in text, secret
    assert date.fromisoformat(rows[c["due_today"].id]["due_on"]) == TODAY
