"""Reading the aggregates: a provider's insight rolled up over its subtree, and providers compared side by side.

Every figure here comes from the precomputed provider-months (one recursive CTE for the subtree and a
few grouped queries): no request reads the stories themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.directory.models import KINDS, Provider
from app.directory.services import descendant_ids
from app.errors import Invalid
from app.extensions import utcnow
from app.insight.aggregates import add_months, bucket_seconds, month_of
from app.insight.models import ProviderMonth, ProviderMonthTag, ProviderMonthWait
from app.stories.models import Tag

HISTORY_MONTHS = 24
RECENT_MONTHS = 3  # themes: the last 3 months against the 12 before them
MIN_STORIES = 10  # fewer stories than this behind a figure: too few to compare, never ranked
CRITICAL_FROM = 3  # "critical" in comparisons: moderately critical or worse

SUMS = (ProviderMonth.stories, ProviderMonth.replied, ProviderMonth.crit0, ProviderMonth.crit1,
        ProviderMonth.crit2, ProviderMonth.crit3, ProviderMonth.crit4, ProviderMonth.crit5,
        ProviderMonth.changes_planned, ProviderMonth.changes_made)


@dataclass
class Figures:
    """Counts over some months, with the reply-time histogram so the median can be taken."""

    stories: int = 0
    replied: int = 0
    criticality: list[int] = field(default_factory=lambda: [0] * 6)
    changes_planned: int = 0
    changes_made: int = 0
    waits: dict[int, int] = field(default_factory=dict)

    def add(self, other: Figures) -> None:
        self.stories += other.stories
        self.replied += other.replied
        self.criticality = [a + b for a, b in zip(self.criticality, other.criticality, strict=True)]
        self.changes_planned += other.changes_planned
        self.changes_made += other.changes_made
        for bucket, n in other.waits.items():
            self.waits[bucket] = self.waits.get(bucket, 0) + n

    @property
    def reply_share(self) -> float | None:
        return self.replied / self.stories if self.stories else None

    @property
    def critical(self) -> int:
        return sum(self.criticality[CRITICAL_FROM:])

    @property
    def critical_share(self) -> float | None:
        return self.critical / self.stories if self.stories else None

    @property
    def median_reply(self) -> timedelta | None:
        return median_wait(self.waits)


def median_wait(waits: dict[int, int]) -> timedelta | None:
    """The median of a reply-time histogram (each wait taken at the start of its bucket)."""
    total = sum(waits.values())
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the two middle ones
    values: list[int] = []
    seen = 0
    for bucket in sorted(waits):
        n = waits[bucket]
        for index in wanted:
            if seen <= index < seen + n:
                values.append(bucket_seconds(bucket))
        seen += n
    return timedelta(seconds=sum(values) / len(values))


def _figures(row) -> Figures:
    return Figures(stories=row.stories or 0, replied=row.replied or 0,
                   criticality=[row[i] or 0 for i in range(2, 8)],
                   changes_planned=row.changes_planned or 0, changes_made=row.changes_made or 0)


def _sum_columns():
    return [func.sum(c).label(c.key) for c in SUMS]


@dataclass
class Theme:
    tag: Tag
    count: int  # stories carrying it in the last 12 months
    share: float | None  # of the stories in the last 12 months
    recent_share: float | None  # last 3 months
    before_share: float | None  # the 12 months before those

    @property
    def movement(self) -> float | None:
        if self.recent_share is None or self.before_share is None:
            return None
        return self.recent_share - self.before_share


@dataclass
class Insight:
    provider: Provider
    months: list[date]  # oldest first; the last is the current month
    by_month: dict[date, Figures]
    themes: dict[str, list[Theme]]  # "good" / "improve", most mentioned first
    fresh_at: datetime | None

    def total(self, months: list[date]) -> Figures:
        out = Figures()
        for m in months:
            out.add(self.by_month[m])
        return out

    @property
    def this_year(self) -> Figures:
        return self.total(self.months[-12:])

    @property
    def last_year(self) -> Figures:
        return self.total(self.months[-24:-12])

    def rising(self, kind: str) -> list[Theme]:
        moved = [t for t in self.themes[kind] if t.movement is not None and t.movement > 0]
        return sorted(moved, key=lambda t: (-t.movement, t.tag.name))[:3]

    def falling(self, kind: str) -> list[Theme]:
        moved = [t for t in self.themes[kind] if t.movement is not None and t.movement < 0]
        return sorted(moved, key=lambda t: (t.movement, t.tag.name))[:3]


def month_range(today: date | None = None, count: int = HISTORY_MONTHS) -> list[date]:
    current = month_of(today or utcnow())
    return [add_months(current, -i) for i in range(count - 1, -1, -1)]


def insight(session: Session, provider: Provider, today: date | None = None) -> Insight:
    """The provider's figures, rolled up over everything below it, month by month for 24 months."""
    months = month_range(today)
    subtree = descendant_ids(session, provider.id)  # as values: the planner reads just these providers' months
    in_scope = (ProviderMonth.provider_id.in_(subtree), ProviderMonth.month >= months[0])
    by_month = {m: Figures() for m in months}
    fresh_at = None
    for row in session.execute(select(*_sum_columns(), ProviderMonth.month, func.max(ProviderMonth.updated_at))
                               .where(*in_scope).group_by(ProviderMonth.month)):
        if row.month in by_month:
            by_month[row.month] = _figures(row)
            fresh_at = max(filter(None, [fresh_at, row[-1]]), default=None)
    for month, bucket, n in session.execute(
            select(ProviderMonthWait.month, ProviderMonthWait.bucket, func.sum(ProviderMonthWait.stories))
            .where(ProviderMonthWait.provider_id.in_(subtree), ProviderMonthWait.month >= months[0])
            .group_by(ProviderMonthWait.month, ProviderMonthWait.bucket)):
        if month in by_month:
            by_month[month].waits[bucket] = int(n)
    themes = _themes(session, subtree, months, by_month)
    return Insight(provider=provider, months=months, by_month=by_month, themes=themes, fresh_at=fresh_at)


def _themes(session: Session, subtree, months: list[date], by_month: dict[date, Figures]) -> dict[str, list[Theme]]:
    year, recent = months[-12:], months[-RECENT_MONTHS:]
    before = months[-(RECENT_MONTHS + 12):-RECENT_MONTHS]
    counts: dict[int, dict[date, int]] = {}
    for tag_id, month, n in session.execute(
            select(ProviderMonthTag.tag_id, ProviderMonthTag.month, func.sum(ProviderMonthTag.stories))
            .where(ProviderMonthTag.provider_id.in_(subtree), ProviderMonthTag.month >= before[0])
            .group_by(ProviderMonthTag.tag_id, ProviderMonthTag.month)):
        counts.setdefault(tag_id, {})[month] = int(n)

    def stories(ms: list[date]) -> int:
        return sum(by_month[m].stories for m in ms)

    def share(tag_id: int, ms: list[date]) -> float | None:
        total = stories(ms)
        return sum(counts[tag_id].get(m, 0) for m in ms) / total if total else None

    tags = {t.id: t for t in session.scalars(select(Tag).where(Tag.id.in_(list(counts))))} if counts else {}
    out: dict[str, list[Theme]] = {"good": [], "improve": []}
    for tag_id, tag in tags.items():
        count = sum(counts[tag_id].get(m, 0) for m in year)
        theme = Theme(tag=tag, count=count, share=share(tag_id, year), recent_share=share(tag_id, recent),
                      before_share=share(tag_id, before))
        if tag.kind in out and (count or theme.movement):
            out[tag.kind].append(theme)
    for kind in out:
        out[kind].sort(key=lambda t: (-t.count, t.tag.name))
    return out


def child_figures(session: Session, provider: Provider, today: date | None = None) -> list[tuple[Provider, Figures]]:
    """Each provider directly below this one, rolled up over its own subtree, for the last 12 months."""
    children = session.scalars(select(Provider).where(Provider.parent_id == provider.id)
                               .order_by(Provider.name, Provider.id)).all()
    figures = rolled_up(session, [c.id for c in children], month_range(today, 12)[0])
    return [(c, figures.get(c.id, Figures())) for c in children]


ROLL_UP_BATCH = 500  # providers whose months one query reads


def rolled_up(session: Session, root_ids: list[int], since: date) -> dict[int, Figures]:
    """Figures since a month for each root, over the root and everything below it.

    The subtrees are read first (one recursive query), then each provider's own months by its key, a
    batch of providers at a time, and added up per root here: joining the months to the recursive query
    made the database read every provider's months since then (29 ms for one trust at 1,000,000 stories).
    """
    if not root_ids:
        return {}
    tree = select(Provider.id.label("id"), Provider.id.label("root")).where(Provider.id.in_(root_ids)) \
        .cte("roots", recursive=True)
    tree = tree.union_all(select(Provider.id, tree.c.root).join(tree, Provider.parent_id == tree.c.id))
    pairs = session.execute(select(tree.c.id, tree.c.root)).all()
    own: dict[int, Figures] = {}
    ids = sorted({provider_id for provider_id, _ in pairs})
    for batch in (ids[i:i + ROLL_UP_BATCH] for i in range(0, len(ids), ROLL_UP_BATCH)):
        for row in session.execute(select(*_sum_columns(), ProviderMonth.provider_id)
                                   .where(ProviderMonth.provider_id.in_(batch), ProviderMonth.month >= since)
                                   .group_by(ProviderMonth.provider_id)):
            own[row.provider_id] = _figures(row)
        for provider_id, bucket, n in session.execute(
                select(ProviderMonthWait.provider_id, ProviderMonthWait.bucket, func.sum(ProviderMonthWait.stories))
                .where(ProviderMonthWait.provider_id.in_(batch), ProviderMonthWait.month >= since)
                .group_by(ProviderMonthWait.provider_id, ProviderMonthWait.bucket)):
            own.setdefault(provider_id, Figures()).waits[bucket] = int(n)
    out: dict[int, Figures] = {}
    for provider_id, root in pairs:
        if provider_id in own:
            out.setdefault(root, Figures()).add(own[provider_id])
    return out


# ---------------------------------------------------------------- comparison

SORTS = {
    "stories": ("Stories", lambda f: f.stories),
    "reply_share": ("Replied to", lambda f: f.reply_share),
    "median_reply": ("Median time to first reply", lambda f: f.median_reply),
    "changes_made": ("Changes made", lambda f: f.changes_made),
    "critical_share": ("Critical stories", lambda f: f.critical_share),
}
# The natural order of each figure: most replies first, quickest replies first…
DEFAULT_DESCENDING = {"stories": True, "reply_share": True, "median_reply": False, "changes_made": True,
                      "critical_share": False}


@dataclass
class Compared:
    provider: Provider
    figures: Figures
    rank: int | None = None  # only for providers with enough stories

    @property
    def comparable(self) -> bool:
        return self.figures.stories >= MIN_STORIES


@dataclass
class Comparison:
    title: str
    kind: str | None
    parent: Provider | None
    rows: list[Compared]
    sort: str
    descending: bool
    since: date


def compare(session: Session, kind: str | None = None, parent: Provider | None = None, sort: str = "stories",
            order: str | None = None, today: date | None = None) -> Comparison:
    """Providers of a kind, or directly below a parent, each rolled up over its subtree for the last 12 months.

    Providers with fewer than MIN_STORIES stories are listed after the others, unranked.
    """
    if sort not in SORTS:
        raise Invalid(f"Sort by one of: {', '.join(SORTS)}.", field="sort")
    if order not in (None, "", "asc", "desc"):
        raise Invalid("Order is asc or desc.", field="order")
    descending = DEFAULT_DESCENDING[sort] if not order else order == "desc"
    stmt = select(Provider).where(Provider.active.is_(True))
    if parent is not None:
        stmt = stmt.where(Provider.parent_id == parent.id)
        title = f"Services within {parent.name}"
    elif kind:
        if kind not in KINDS:
            raise Invalid(f"Kind must be one of: {', '.join(KINDS)}.", field="kind")
        stmt = stmt.where(Provider.kind == kind)
        title = f"Compare: {KINDS[kind].lower()}"
    else:
        raise Invalid("Choose a kind of service, or a provider whose services to compare.", field="kind")
    providers = session.scalars(stmt.order_by(Provider.name, Provider.id)).all()
    since = month_range(today, 12)[0]
    figures = rolled_up(session, [p.id for p in providers], since)
    rows = [Compared(p, figures.get(p.id, Figures())) for p in providers]
    key = SORTS[sort][1]
    ranked = [r for r in rows if r.comparable and key(r.figures) is not None]
    unranked = [r for r in rows if r not in ranked]
    # Stable sorts: names stay A to Z among equal figures whichever way the figures run.
    ranked.sort(key=lambda r: r.provider.name)
    ranked.sort(key=lambda r: key(r.figures), reverse=descending)
    for i, r in enumerate(ranked, 1):
        r.rank = i
    return Comparison(title=title, kind=kind, parent=parent, rows=ranked + unranked, sort=sort,
                      descending=descending, since=since)
