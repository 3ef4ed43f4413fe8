"""Comparison: side by side, sortable, the small-numbers rule, and the CSV download."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from app.insight.services import compare


@pytest.fixture
def hospitals(session, make_provider, make_story):
    """A: 12 stories, 6 replied; B: 10 stories, all replied; C: 9 stories, all replied (too few to compare)."""
    trust = make_provider(code="TR", name="Trust", kind="trust")
    made = {}
    for code, name, count, replied, critical in (("HA", "Alpha Hospital", 12, 6, 3), ("HB", "Beta Hospital", 10, 10, 1),
                                                 ("HC", "Gamma Hospital", 9, 9, 0)):
        hospital = make_provider(code=code, name=name, kind="hospital", parent=trust)
        ward = make_provider(code=f"{code}W", name=f"{name} ward", kind="department", parent=hospital)
        for i in range(count):
            story = make_story(ward if i % 2 else hospital, status="published",
                               criticality=4 if i < critical else 1)
            if i < replied:
                story.first_reply_at = story.published_at + timedelta(hours=2 + i)
        session.commit()
        made[code] = hospital
    make_story(made["HA"], status="hidden", criticality=5)  # never counted
    return made


def test_small_numbers_are_never_ranked(session, hospitals):
    result = compare(session, kind="hospital", sort="reply_share")
    assert [(r.provider.code, r.rank, r.comparable) for r in result.rows] == [
        ("HB", 1, True), ("HA", 2, True), ("HC", None, False)]
    a = result.rows[1].figures
    assert (a.stories, a.replied, a.critical) == (12, 6, 3)
    assert a.reply_share == 0.5 and a.critical_share == 0.25
    assert a.median_reply == timedelta(hours=4.5)  # waits 2 … 7 hours
    ascending = compare(session, kind="hospital", sort="stories", order="asc")
    assert [r.provider.code for r in ascending.rows] == ["HB", "HA", "HC"]
    quickest = compare(session, kind="hospital", sort="median_reply")
    assert [r.provider.code for r in quickest.rows][:2] == ["HA", "HB"]  # 4.5 h before 6.5 h


def test_compare_page_and_csv(client, hospitals):
    html = client.get("/compare?kind=hospital&sort=reply_share").get_data(as_text=True)
    order = [m for m in re.findall(r'href="/providers/(H[ABC])/insight"', html)]
    assert order == ["HB", "HA", "HC"]
    assert "Too few stories to compare" in html
    assert "50% <span class=\"muted\">(6 of 12)</span>" in html  # the stories behind each figure
    assert 'aria-sort="descending"' in html
    rows = list(csv.DictReader(io.StringIO(client.get("/compare.csv?kind=hospital&sort=reply_share")
                                           .get_data(as_text=True))))
    assert [(r["code"], r["rank"], r["comparable"]) for r in rows] == [
        ("HB", "1", "true"), ("HA", "2", "true"), ("HC", "", "false")]
    assert rows[1]["reply_share"] == "0.5" and rows[1]["median_hours_to_first_reply"] == "4.5"
    within = client.get("/compare?parent=TR").get_data(as_text=True)
    assert "Services within Trust" in within and "HAW" not in within
    assert client.get("/compare?parent=HA").status_code == 200
    wards = client.get("/compare.csv?parent=HA").get_data(as_text=True)
    assert "HAW" in wards


def test_bad_comparisons_are_explained(client, hospitals):
    assert '<label class="label" for="kind">Kind of service</label>' in client.get("/compare").get_data(as_text=True)
    bad = client.get("/compare?kind=castle")
    assert bad.status_code == 400 and "Kind must be one of" in bad.get_data(as_text=True)
    assert client.get("/compare?kind=hospital&sort=nonsense").status_code == 400
    assert client.get("/compare?parent=NOPE").status_code == 404
