"""The funnel plot's arithmetic: control limits around an overall share, and where each service falls.

A share from few stories swings by chance; from many it settles. Around the overall share p, a service
with n stories is expected within p ± z·√(p(1−p)/n) (the binomial's normal approximation): z = 1.96 for
the 95% limits, 3.09 for the 99.8% limits. A service outside the 99.8% limits differs from the others by
more than chance would usually explain; one between 95% and 99.8% may. No order of merit is implied.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import sqrt

Z95, Z998 = 1.96, 3.09

WITHIN, ABOVE_95, ABOVE_998, BELOW_95, BELOW_998 = "within", "above_95", "above_998", "below_95", "below_998"
POSITIONS = {
    WITHIN: "Within the expected range",
    ABOVE_95: "Above the 95% limit",
    ABOVE_998: "Above the 99.8% limit",
    BELOW_95: "Below the 95% limit",
    BELOW_998: "Below the 99.8% limit",
}


@dataclass(frozen=True)
class Limits:
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float


def limits(p: float, n: int) -> Limits:
    """The 95% and 99.8% control limits for n stories around the overall share p, kept within 0 and 1."""
    if n <= 0:
        raise ValueError("limits need at least one story")
    spread = sqrt(p * (1 - p) / n)

    def band(z: float) -> tuple[float, float]:
        return max(0.0, p - z * spread), min(1.0, p + z * spread)

    (lo95, hi95), (lo998, hi998) = band(Z95), band(Z998)
    return Limits(lo95, hi95, lo998, hi998)


def position(share: float, bounds: Limits) -> str:
    """Where a share falls against its limits (on a limit counts as within it)."""
    if share > bounds.upper_998:
        return ABOVE_998
    if share > bounds.upper_95:
        return ABOVE_95
    if share < bounds.lower_998:
        return BELOW_998
    if share < bounds.lower_95:
        return BELOW_95
    return WITHIN


@dataclass
class Point:
    key: object  # whatever the caller plots (a comparison row)
    name: str
    n: int  # stories
    k: int  # of them, replied to within the working days
    bounds: Limits
    position: str

    @property
    def share(self) -> float:
        return self.k / self.n

    @property
    def position_label(self) -> str:
        return POSITIONS[self.position]

    @property
    def outside(self) -> bool:
        return self.position != WITHIN


@dataclass
class Funnel:
    overall: float | None  # the share over every service counted, or None with no stories at all
    stories: int  # behind the overall share
    points: list[Point]  # the services plotted (enough stories)
    too_few: list  # the keys of the services with too few stories to plot

    def outside(self, where: str) -> list[Point]:
        return [p for p in self.points if p.position == where]


def funnel(rows: list[tuple[object, str, int, int]], min_stories: int) -> Funnel:
    """A funnel of (key, name, n, k) rows. The overall share counts every row's stories, plotted or not;
    rows with fewer than min_stories stories are left off the plot, as too few to compare."""
    total_n = sum(n for _, _, n, _ in rows)
    total_k = sum(k for _, _, _, k in rows)
    overall = total_k / total_n if total_n else None
    points, too_few = [], []
    for key, name, n, k in rows:
        if n < min_stories or overall is None:
            too_few.append(key)
            continue
        bounds = limits(overall, n)
        points.append(Point(key, name, n, k, bounds, position(k / n, bounds)))
    return Funnel(overall, total_n, points, too_few)
