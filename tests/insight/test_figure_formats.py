"""How each published figure is written: median hours, shares, counts and months (app.insight.figures)."""
from __future__ import annotations

from datetime import date, timedelta

from app.insight import figures
from app.insight.services import Figures


def test_median_hours_to_two_places_and_none_without_replies():
    assert figures.median_hours(None) is None
    assert figures.median_hours(timedelta(0)) == 0.0
    assert figures.median_hours(timedelta(minutes=90)) == 1.5
    assert figures.median_hours(timedelta(seconds=12345)) == 3.43  # 3.4291…
    assert figures.median_hours(timedelta(days=3)) == 72.0


def test_shares_to_four_places_and_none_without_a_whole():
    assert figures.share(None) is None
    assert figures.share(0.0) == 0.0
    assert figures.share(2 / 3) == 0.6667
    assert figures.share(1 / 7) == 0.1429
    assert figures.share(1.0) == 1.0


def test_counts_by_their_published_names():
    period = Figures(stories=7, replied=3, changes_planned=2, changes_made=1)
    assert figures.counts(period) == {"stories": 7, "replied": 3, "changes_planned": 2, "changes_made": 1}


def test_year_month_is_the_table_schema_yearmonth():
    assert figures.year_month(date(2025, 1, 31)) == "2025-01"
