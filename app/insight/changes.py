"""Changes in public at a provider and below it: the "You said, we did" list, and the count of overdue promises."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.replies.models import CHANGE_MADE, CHANGE_PLANNED, CONFIRMED, DISPUTED, VISIBLE, Change
from app.stories.models import PUBLISHED, Story
from app.web.pagination import Page, decode_cursor, encode_cursor
from app.web.params import database_int

PAGE_SIZE = 20
BATCH = 500  # providers one overdue query reads
# A change made with no date given sorts as made on this day: after every dated one (newest first).
UNDATED = date(1900, 1, 1)


def public_changes(provider_ids: list[int]) -> Select:
    """Visible changes of these providers on published stories: what the public may see of them."""
    return (select(Change).join(Story, Story.id == Change.story_id)
            .where(Change.provider_id.in_(provider_ids), Change.status == VISIBLE, Story.status == PUBLISHED))


def overdue(session: Session, provider_ids: list[int], today: date) -> int:
    """Planned changes past their due date and not yet made, at these providers (ix_changes_overdue).

    Counted from the changes table as it stands, since a change becomes overdue as the days pass with no
    event to update a figure; only the public ones, as everywhere else.
    """
    total = 0
    for i in range(0, len(provider_ids), BATCH):
        batch = provider_ids[i:i + BATCH]
        total += session.scalar(
            select(func.count()).select_from(Change).join(Story, Story.id == Change.story_id)
            .where(Change.provider_id.in_(batch), Change.kind == CHANGE_PLANNED, Change.due_on < today,
                   Change.status == VISIBLE, Story.status == PUBLISHED)) or 0
    return total


def _made_key():
    return func.coalesce(Change.made_on, UNDATED)


def _cursor_values(cursor: str | None) -> tuple[date, int] | None:
    values = decode_cursor(cursor, 2)
    if values is None or not isinstance(values[0], str) or not isinstance(values[1], int):
        return None
    try:
        made = date.fromisoformat(values[0])
    except ValueError:
        return None
    return (made, values[1]) if database_int(values[1]) else None


def made_changes(session: Session, provider_ids: list[int], cursor: str | None = None,
                 size: int = PAGE_SIZE) -> Page[Change]:
    """Changes made at these providers, newest first (by the day made, then the latest reported), a page at
    a time after a cursor; each with its story and provider loaded."""
    stmt = (public_changes(provider_ids).where(Change.kind == CHANGE_MADE)
            .options(contains_eager(Change.story), selectinload(Change.provider)))
    key = _made_key()
    if (after := _cursor_values(cursor)) is not None:
        made, change_id = after
        stmt = stmt.where(or_(key < made, and_(key == made, Change.id < change_id)))
    rows = list(session.scalars(stmt.order_by(key.desc(), Change.id.desc()).limit(size + 1)).unique())
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([(last.made_on or UNDATED).isoformat(), last.id])
    return Page(rows, next_cursor)


def verdict_shown(change: Change) -> str | None:
    """The author's verdict as the public sees it: a confirmation, or a dispute a moderator has checked."""
    if change.verdict == CONFIRMED:
        return CONFIRMED
    if change.verdict == DISPUTED and change.verdict_status == VISIBLE:
        return DISPUTED
    return None

