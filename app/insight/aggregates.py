"""Keeping the monthly aggregates right: which provider-months an event touches, and recomputing them.

Every change to a story, reply or change marks the provider-months it can affect; before the transaction
commits, those months are recomputed from the source rows of that one provider and month (an indexed,
bounded query), so the figures commit with the event and can never drift. Bulk loads that bypass the ORM
(the demo loader, imports) call rebuild() afterwards.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import lru_cache

from flask import current_app, has_app_context
from sqlalchemy import and_, delete, event, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history

from app.directory.models import Provider
from app.extensions import utcnow
from app.insight.flags import check
from app.insight.models import (
    ProviderDayUnreplied,
    ProviderMonth,
    ProviderMonthTag,
    ProviderMonthWait,
    ProviderMonthWorkdays,
)
from app.replies.models import CHANGE_MADE, CHANGE_PLANNED, CONFIRMED, DISPUTED, VISIBLE, Change, Reply
from app.stories.models import PUBLISHED, Story, story_tags
from app.workdays import region_code, working_days_between

Pair = tuple[int, date]
# "Replied to within N working days": the two figures a provider's page and the comparison show.
SOON_WORKDAYS, LATE_WORKDAYS = 5, 20
MAX_WORKDAYS = 9999  # the working-day histogram's last value: "this many or more"

# ---------------------------------------------------------------- months and the reply-time histogram


def month_of(value: datetime | date) -> date:
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
    return date(value.year, value.month, 1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def day_of(value: datetime) -> date:
    """The UTC day of a stored moment (SQLite gives them back without a zone: they are UTC)."""
    return (value.astimezone(UTC) if value.tzinfo else value).date()


def region() -> str:
    """The bank holiday region working days are counted in (BANK_HOLIDAYS_REGION), as a code."""
    return region_code(current_app.config.get("BANK_HOLIDAYS_REGION", "England") if has_app_context() else "England")


@lru_cache(maxsize=65536)
def workdays_between(start: date, end: date, area: str) -> int:
    """working_days_between, remembered: a rebuild asks the same pairs of days again and again."""
    return working_days_between(start, end, area)


def workdays_to_reply(published_at: datetime, first_reply_at: datetime, area: str) -> int:
    """Working days from the day a story was published to the day of its first reply (0: the same day)."""
    return min(max(0, workdays_between(day_of(published_at), day_of(first_reply_at), area)), MAX_WORKDAYS)


def _bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    nxt = add_months(month, 1)
    return start, datetime(nxt.year, nxt.month, 1, tzinfo=UTC)


def wait_seconds(published_at: datetime, first_reply_at: datetime) -> int:
    """A story's wait for its first reply in whole seconds, exactly as the dataset publishes the two moments.

    stories.csv gives published_at and first_reply_at to the second, so the figures are taken from the same
    two truncated moments: anyone can recompute each published median from the exported stories.
    """
    return max(0, int((first_reply_at.replace(microsecond=0) - published_at.replace(microsecond=0)).total_seconds()))


# ---------------------------------------------------------------- recomputing provider-months


def _insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _upsert(session: Session, model, rows: list[dict], keys: list[str]) -> None:
    if not rows:
        return
    stmt = _insert(session)(model).values(rows)
    others = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_=others) if others else \
        stmt.on_conflict_do_nothing(index_elements=keys)
    session.execute(stmt)


class _Month:
    """One provider-month's figures, added up from its stories, their tags and its changes."""

    __slots__ = ("stories", "crit", "waits", "workdays", "unreplied", "tags", "changes")

    def __init__(self) -> None:
        self.stories = 0
        self.crit = [0] * 6
        self.waits: dict[int, int] = {}  # seconds to the first reply -> stories
        self.workdays: dict[int, int] = {}  # working days to the first reply -> stories
        self.unreplied: dict[date, int] = {}  # day published -> stories with no reply yet
        self.tags: dict[int, int] = {}
        self.changes: dict[str, int] = {}  # planned, made, confirmed, disputed

    def add_story(self, criticality: int | None, published_at: datetime, first_reply_at: datetime | None,
                  area: str) -> None:
        self.stories += 1
        if criticality is not None and 0 <= criticality <= 5:
            self.crit[criticality] += 1
        if first_reply_at is not None:
            seconds = wait_seconds(published_at, first_reply_at)
            self.waits[seconds] = self.waits.get(seconds, 0) + 1
            days = workdays_to_reply(published_at, first_reply_at, area)
            self.workdays[days] = self.workdays.get(days, 0) + 1
        else:
            day = day_of(published_at)
            self.unreplied[day] = self.unreplied.get(day, 0) + 1

    def add_change(self, kind: str, verdict: str | None, verdict_status: str | None, n: int = 1) -> None:
        self.changes[kind] = self.changes.get(kind, 0) + n
        if kind == CHANGE_MADE and verdict == CONFIRMED:
            self.changes["confirmed"] = self.changes.get("confirmed", 0) + n
        elif kind == CHANGE_MADE and verdict == DISPUTED and verdict_status == VISIBLE:
            self.changes["disputed"] = self.changes.get("disputed", 0) + n  # a dispute counts once checked

    def within(self, days: int) -> int:
        return sum(n for d, n in self.workdays.items() if d <= days)

    def rows(self, key: dict, now: datetime) -> tuple[dict, list[dict], list[dict], list[dict], list[dict]]:
        month = {**key, "stories": self.stories, "replied": sum(self.waits.values()),
                 **{f"crit{i}": n for i, n in enumerate(self.crit)},
                 "changes_planned": self.changes.get(CHANGE_PLANNED, 0),
                 "changes_made": self.changes.get(CHANGE_MADE, 0),
                 "replied_5": self.within(SOON_WORKDAYS), "replied_20": self.within(LATE_WORKDAYS),
                 "changes_confirmed": self.changes.get("confirmed", 0),
                 "changes_disputed": self.changes.get("disputed", 0), "updated_at": now}
        return (month, [{**key, "tag_id": t, "stories": n} for t, n in self.tags.items()],
                [{**key, "seconds": w, "stories": n} for w, n in self.waits.items()],
                [{**key, "workdays": d, "stories": n} for d, n in self.workdays.items()],
                [{"provider_id": key["provider_id"], "day": d, "stories": n} for d, n in self.unreplied.items()])


def _lock_providers(session: Session, ids: Iterable[int]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Two transactions recomputing the same provider at once would each miss the other's story: the
        # second waits here for the first to commit, then (READ COMMITTED) reads its rows. Ids in order, so
        # no deadlock. SQLite needs nothing: the flush already holds its single writer lock.
        session.execute(select(Provider.id).where(Provider.id.in_(sorted(set(ids)))).order_by(Provider.id)
                        .with_for_update())


def refresh(session: Session, pairs: Iterable[Pair]) -> int:
    """Recompute these provider-months from the stories, replies and changes. Returns how many."""
    done = 0
    now = utcnow()
    where = region()
    pairs = sorted(set(pairs))
    if pairs:
        _lock_providers(session, [provider_id for provider_id, _ in pairs])
    for provider_id, month in pairs:
        start, end = _bounds(month)
        in_month = and_(Story.provider_id == provider_id, Story.status == PUBLISHED,
                        Story.published_at >= start, Story.published_at < end)
        figures = _Month()
        for row in session.execute(select(Story.criticality, Story.published_at, Story.first_reply_at).where(in_month)):
            figures.add_story(*row, where)
        figures.tags = dict(session.execute(select(story_tags.c.tag_id, func.count())
                                            .join(Story, Story.id == story_tags.c.story_id)
                                            .where(in_month).group_by(story_tags.c.tag_id)).all())
        for kind, verdict, verdict_status, n in session.execute(
                select(Change.kind, Change.verdict, Change.verdict_status, func.count())
                .join(Story, Story.id == Change.story_id)
                .where(Change.provider_id == provider_id, Change.status == VISIBLE, Story.status == PUBLISHED,
                       Change.created_at >= start, Change.created_at < end)
                .group_by(Change.kind, Change.verdict, Change.verdict_status)):
            figures.add_change(kind, verdict, verdict_status, n)
        key = dict(provider_id=provider_id, month=month)
        for model in (ProviderMonthTag, ProviderMonthWait, ProviderMonthWorkdays):
            session.execute(delete(model).where(model.provider_id == provider_id, model.month == month)
                            .execution_options(synchronize_session=False))
        session.execute(delete(ProviderDayUnreplied).where(
            ProviderDayUnreplied.provider_id == provider_id, ProviderDayUnreplied.day >= start.date(),
            ProviderDayUnreplied.day < end.date()).execution_options(synchronize_session=False))
        if not figures.stories and not figures.changes:
            session.execute(delete(ProviderMonth).where(ProviderMonth.provider_id == provider_id,
                                                        ProviderMonth.month == month)
                            .execution_options(synchronize_session=False))
            done += 1
            continue
        month_row, tag_rows, wait_rows, workday_rows, unreplied_rows = figures.rows(key, now)
        _upsert(session, ProviderMonth, [month_row], ["provider_id", "month"])
        _upsert(session, ProviderMonthTag, tag_rows, ["provider_id", "month", "tag_id"])
        _upsert(session, ProviderMonthWait, wait_rows, ["provider_id", "month", "seconds"])
        _upsert(session, ProviderMonthWorkdays, workday_rows, ["provider_id", "month", "workdays"])
        _upsert(session, ProviderDayUnreplied, unreplied_rows, ["provider_id", "day"])
        done += 1
    return done


REBUILD_PROVIDERS = 500  # providers recomputed (and committed) together by rebuild()


def rebuild(session: Session, progress: Callable[[int], None] = lambda n: None) -> int:
    """Recompute every provider-month from scratch (after bulk loads), dropping any that no longer hold data.

    The same figures as refresh(), for a batch of providers at a time from three streamed queries rather
    than three per provider-month, each batch replacing that batch's rows in one transaction. Run it
    after changing BANK_HOLIDAYS_REGION: the working-day figures are counted in the region of their time.
    """
    done = 0
    where = region()
    provider_ids = list(session.scalars(select(Provider.id).order_by(Provider.id)))
    for chunk in _chunks(provider_ids, REBUILD_PROVIDERS):
        _lock_providers(session, chunk)
        now = utcnow()
        months: dict[Pair, _Month] = {}
        published = and_(Story.provider_id.in_(chunk), Story.status == PUBLISHED)
        for provider_id, criticality, published_at, first_reply_at in session.execute(
                select(Story.provider_id, Story.criticality, Story.published_at, Story.first_reply_at)
                .where(published).execution_options(yield_per=5000)):
            key = (provider_id, month_of(published_at))
            if (figures := months.get(key)) is None:
                figures = months[key] = _Month()
            figures.add_story(criticality, published_at, first_reply_at, where)
        for provider_id, published_at, tag_id in session.execute(
                select(Story.provider_id, Story.published_at, story_tags.c.tag_id)
                .join(story_tags, story_tags.c.story_id == Story.id).where(published)
                .execution_options(yield_per=5000)):
            tags = months[(provider_id, month_of(published_at))].tags
            tags[tag_id] = tags.get(tag_id, 0) + 1
        for provider_id, created_at, kind, verdict, verdict_status in session.execute(
                select(Change.provider_id, Change.created_at, Change.kind, Change.verdict, Change.verdict_status)
                .join(Story, Story.id == Change.story_id)
                .where(Change.provider_id.in_(chunk), Change.status == VISIBLE, Story.status == PUBLISHED)
                .execution_options(yield_per=5000)):
            months.setdefault((provider_id, month_of(created_at)), _Month()).add_change(kind, verdict, verdict_status)
        for model in (ProviderMonthTag, ProviderMonthWait, ProviderMonthWorkdays, ProviderDayUnreplied,
                      ProviderMonth):
            session.execute(delete(model).where(model.provider_id.in_(chunk))
                            .execution_options(synchronize_session=False))
        month_rows, tag_rows, wait_rows, workday_rows, unreplied_rows = [], [], [], [], []
        for (provider_id, month), figures in sorted(months.items()):
            month_row, tags, waits, workdays, unreplied = figures.rows(dict(provider_id=provider_id, month=month),
                                                                       now)
            month_rows.append(month_row)
            tag_rows.extend(tags)
            wait_rows.extend(waits)
            workday_rows.extend(workdays)
            unreplied_rows.extend(unreplied)
        for model, batch in ((ProviderMonth, month_rows), (ProviderMonthTag, tag_rows),
                             (ProviderMonthWait, wait_rows), (ProviderMonthWorkdays, workday_rows),
                             (ProviderDayUnreplied, unreplied_rows)):
            for part in _chunks(batch, 5000):
                session.execute(insert(model), part)
        session.commit()
        done += len(months)
        progress(len(months))
    return done


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


# ---------------------------------------------------------------- following events


def _story_pairs(story: Story) -> set[Pair]:
    """The provider-months a story counted in before this flush and counts in after it."""
    pairs: set[Pair] = set()
    providers = {story.provider_id, *get_history(story, "provider_id").deleted} - {None}
    published = {story.published_at, *get_history(story, "published_at").deleted} - {None}
    for provider_id in providers:
        for when in published:
            pairs.add((provider_id, month_of(when)))
    return pairs


def _change_pairs(change: Change) -> set[Pair]:
    providers = {change.provider_id, *get_history(change, "provider_id").deleted} - {None}
    when = change.created_at or utcnow()
    return {(p, month_of(when)) for p in providers}


@event.listens_for(Session, "before_flush")
def _mark_months(session: Session, flush_context, instances) -> None:
    pairs: set[Pair] = set()
    stories: set[int] = set()  # whose changes may move in or out of the figures with them
    flagged: set[int] = set()  # providers whose red-flag window may have changed
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Story):
            if obj in session.dirty and not session.is_modified(obj, include_collections=True):
                continue
            pairs |= _story_pairs(obj)
            flagged |= {p for p, _ in _story_pairs(obj)}
            if obj.id is not None:  # its changes count only while it is published
                stories.add(obj.id)
        elif isinstance(obj, Reply) and obj.story_id is not None:
            with session.no_autoflush:
                story = session.get(Story, obj.story_id)
            if story is not None:
                pairs |= _story_pairs(story)
        elif isinstance(obj, Change):
            pairs |= _change_pairs(obj)
    dirty_ids = [o.id for o in session.dirty if isinstance(o, Story) and o.id is not None]
    if dirty_ids:
        # The stored values, not yet overwritten: an attribute set after a commit keeps no history of them.
        with session.no_autoflush:
            for provider_id, published_at in session.execute(
                    select(Story.provider_id, Story.published_at).where(Story.id.in_(dirty_ids))):
                if published_at is not None:
                    pairs.add((provider_id, month_of(published_at)))
                    flagged.add(provider_id)
    if stories:
        with session.no_autoflush:
            for provider_id, created_at in session.execute(
                    select(Change.provider_id, Change.created_at).where(Change.story_id.in_(stories))):
                pairs.add((provider_id, month_of(created_at)))
    if pairs:
        session.info.setdefault("insight_months", set()).update(pairs)
    if flagged:
        session.info.setdefault("insight_flags", set()).update(flagged)


@event.listens_for(Session, "before_commit")
def _refresh_months(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # the flush marks the months of what is still pending
    if not session.info.get("insight_months") and not session.info.get("insight_flags"):
        return
    pairs = session.info.pop("insight_months", set())
    providers = session.info.pop("insight_flags", set())
    with session.no_autoflush:
        refresh(session, pairs)
        if providers:
            check(session, providers)


@event.listens_for(Session, "after_rollback")
def _forget_months(session: Session) -> None:
    session.info.pop("insight_months", None)
    session.info.pop("insight_flags", None)
