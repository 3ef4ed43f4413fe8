"""Working days: weekends and the bank holidays of the configured UK region are not counted.

The response loop measures time as a provider's staff feel it: a story told on a Friday evening before a bank
holiday weekend has not waited three working days by Tuesday morning. Bank holidays come from `holidays`
(maintained, with each nation's own days and the substitute days when one falls on a weekend).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import holidays

REGIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern ireland": "NIR",
           "eng": "ENG", "wls": "WLS", "sct": "SCT", "nir": "NIR"}


def region_code(name: str) -> str:
    """ENG, WLS, SCT or NIR for a region as an operator may write it; ValueError for anything else."""
    code = REGIONS.get(" ".join((name or "").replace("-", " ").replace("_", " ").split()).lower())
    if code is None:
        raise ValueError("BANK_HOLIDAYS_REGION must be england, wales, scotland or northern-ireland, "
                         f"not {name!r}")
    return code


@lru_cache(maxsize=256)
def _bank_holidays(region: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv=region, years=year))


def is_working_day(day: date, region: str = "ENG") -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(region, day.year)


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def add_working_days(start: date | datetime, days: int, region: str = "ENG") -> date:
    """The day `days` working days after start (start itself does not count, whatever day it is)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = _day(start)
    while days:
        day += timedelta(days=1)
        if is_working_day(day, region):
            days -= 1
    return day


def working_days_between(start: date | datetime, end: date | datetime, region: str = "ENG") -> int:
    """Working days after start up to and including end: 0 on the same day, negative when end is earlier."""
    a, b = _day(start), _day(end)
    if b < a:
        return -working_days_between(b, a, region)
    # Whole weeks at once, then the days left over, then the bank holidays that fell on a weekday in between.
    days = (b - a).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for i in range(1, rest + 1):
        if (a + timedelta(days=i)).weekday() < 5:
            count += 1
    for year in range(a.year, b.year + 1):
        count -= sum(1 for h in _bank_holidays(region, year) if a < h <= b and h.weekday() < 5)
    return count


def due_at(start: date | datetime, days: int, region: str = "ENG") -> datetime:
    """The moment a step `days` working days after start falls due: the start of that day, in UTC."""
    day = add_working_days(start, days, region)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
