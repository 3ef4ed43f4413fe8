"""How each published figure is written out (median hours to first reply, shares, counts, months): one place each."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

# The API and the dataset publish these as numbers, not text: a reader sorts and sums them. How they are
# computed (the median from the exact wait histogram, a share of which stories) stays with their owners in insight.
HOURS_PLACES = 2
SHARE_PLACES = 4

# Each figure's precision, as the Table Schemas and the OpenAPI document state it (one wording for both).
MEDIAN_HOURS_PRECISION = (
    "Exact: the median of each story's wait in whole seconds, from published_at to first_reply_at as stories.csv "
    "gives them (the mean of the two middle waits when their number is even), in hours rounded to 2 decimal "
    "places (0.01 hour = 36 seconds).")
SHARE_PRECISION = "A share from 0 to 1 (not a percentage), rounded to 4 decimal places."
MEDIAN_WORKDAYS_PRECISION = "Exact: a whole number of working days, or a half when the two middle stories differ."


class Counted(Protocol):
    """Anything carrying a period's counts: the insight's Figures, the response statistics."""

    stories: int
    replied: int
    changes_planned: int
    changes_made: int


def median_hours(wait: timedelta | None) -> float | None:
    """The median wait to a first reply in hours, to two places; None when nothing was replied to."""
    return round(wait.total_seconds() / 3600, HOURS_PLACES) if wait is not None else None


def share(value: float | None) -> float | None:
    """A share (0 to 1, not a percentage) to four places; None when there was nothing to take a share of."""
    return round(value, SHARE_PLACES) if value is not None else None


def counts(figures: Counted) -> dict[str, int]:
    """A period's counts under the names the API publishes them by."""
    return {"stories": figures.stories, "replied": figures.replied,
            "changes_planned": figures.changes_planned, "changes_made": figures.changes_made}


def year_month(day: date) -> str:
    """The month a figure (or an experience) belongs to, as YYYY-MM: the Table Schema's yearmonth."""
    return day.strftime("%Y-%m")
