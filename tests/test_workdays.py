"""Working days: weekends and the configured UK region's bank holidays (with substitute days) are not counted."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.workdays import add_working_days, due_at, is_working_day, region_code, working_days_between


def test_a_weekend_is_skipped_both_ways():
    friday, monday = date(2026, 3, 6), date(2026, 3, 9)
    assert add_working_days(friday, 1) == monday
    assert add_working_days(date(2026, 3, 7), 1) == monday  # from a Saturday, the next working day
    assert add_working_days(friday, 0) == friday
    assert add_working_days(friday, 5) == date(2026, 3, 13)
    assert working_days_between(friday, monday) == 1
    assert working_days_between(friday, date(2026, 3, 8)) == 0  # Saturday and Sunday count for nothing
    assert working_days_between(monday, friday) == -1
    assert working_days_between(friday, friday) == 0
    # A datetime counts by its day, whatever the hour.
    assert working_days_between(datetime(2026, 3, 6, 23, 59, tzinfo=UTC), datetime(2026, 3, 9, 0, 1, tzinfo=UTC)) == 1


def test_christmas_and_boxing_day_on_a_weekend_move_to_the_next_weekdays():
    # 2026: Christmas on a Friday, Boxing Day on a Saturday: its substitute is Monday 28 December.
    assert not is_working_day(date(2026, 12, 28))
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    # 2027: both on the weekend, so Monday 27 and Tuesday 28 December are both bank holidays.
    assert not is_working_day(date(2027, 12, 27)) and not is_working_day(date(2027, 12, 28))
    assert add_working_days(date(2027, 12, 24), 1) == date(2027, 12, 29)
    # From Christmas Eve 2027 to 7 January 2028: 29, 30, 31 December, then 4 to 7 January (New Year's Day is a
    # Saturday, so Monday 3 January is its substitute).
    assert working_days_between(date(2027, 12, 24), date(2028, 1, 7)) == 7


def test_easter_differs_between_england_and_scotland():
    # 2027: Good Friday 26 March everywhere; Easter Monday 29 March in England but not in Scotland.
    thursday = date(2027, 3, 25)
    assert add_working_days(thursday, 1, "ENG") == date(2027, 3, 30)
    assert add_working_days(thursday, 1, "SCT") == date(2027, 3, 29)
    assert working_days_between(thursday, date(2027, 4, 1), "ENG") == 3
    assert working_days_between(thursday, date(2027, 4, 1), "SCT") == 4


def test_a_scotland_only_bank_holiday():
    # St Andrew's Day, Monday 30 November 2026, and 2 January (Friday, 2026) are Scotland's alone.
    for day in (date(2026, 11, 30), date(2026, 1, 2)):
        assert is_working_day(day, "ENG") and not is_working_day(day, "SCT")
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 1, "ENG") == date(2026, 11, 30)
    assert add_working_days(friday, 1, "SCT") == date(2026, 12, 1)
    assert working_days_between(friday, date(2026, 12, 4), "SCT") == 4
    assert working_days_between(friday, date(2026, 12, 4), "ENG") == 5


def test_the_region_setting_is_read_as_operators_write_it():
    assert region_code("Scotland") == "SCT" and region_code(" northern  Ireland ") == "NIR"
    assert region_code("england") == "ENG" and region_code("WLS") == "WLS"
    with pytest.raises(ValueError):
        region_code("Cornwall")


def test_a_step_falls_due_at_the_start_of_its_day_in_utc():
    assert due_at(datetime(2026, 3, 6, 17, 30, tzinfo=UTC), 1) == datetime(2026, 3, 9, tzinfo=UTC)


@pytest.mark.parametrize("region", ["ENG", "SCT", "WLS", "NIR"])
def test_adding_and_counting_agree_over_two_years(region):
    """Counting the days to the day that adding gives is the number added, from every start over two years
    (both functions are written differently: adding walks day by day, counting takes whole weeks at once)."""
    start = date(2026, 1, 1)
    for offset in range(0, 730, 3):
        day = start + timedelta(days=offset)
        for days in (0, 1, 5, 10, 23):
            end = add_working_days(day, days, region)
            assert working_days_between(day, end, region) == days
            assert days == 0 or is_working_day(end, region)
