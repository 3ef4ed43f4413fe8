"""Reading stories: what is public (the one read model the list pages, API, feeds and dataset share), one
story for a given viewer, an author's own."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.directory.models import Provider
from app.directory.services import descendant_ids, resolve_code
from app.errors import NotFound
from app.stories.models import (
    CRITICALITY,
    HIDDEN,
    PUBLISHED,
    RESPONSE_STATUSES,
    WITHDRAWN,
    Story,
    Tag,
    story_tags,
)
from app.web.params import iso_date, one_of_numbers

# A story is public while it is PUBLISHED, and only then. One that was published and then withdrawn by its
# author or hidden by a moderator leaves a tombstone: its id, status and time, never its text (the API's sync
# feed and its 410s). Every other status was never public.
TOMBSTONE_STATUSES = (WITHDRAWN, HIDDEN)


def is_public(story: Story) -> bool:
    """The Python twin of public_story_filter() for one story in hand."""
    return story.status == PUBLISHED


def is_tombstone(story: Story) -> bool:
    """A story that was public and has left: the twin of public_story_filter(tombstones=True) minus is_public."""
    return story.status in TOMBSTONE_STATUSES and story.published_at is not None


@dataclass
class StoryFilters:
    """How a reader narrows the public stories. The list pages set the first six from their query arguments
    (parse_filters); the API also sets published_since and updated_since (exact times, not days)."""

    provider: Provider | None = None  # this provider and everything below it
    tag: Tag | None = None
    criticality: int | None = None
    response_status: str | None = None
    published_from: date | None = None  # whole days, UTC, both ends included
    published_to: date | None = None
    published_since: datetime | None = None
    updated_since: datetime | None = None

    def as_args(self) -> dict[str, str]:
        """The list page's query arguments for these filters (published_since and updated_since have none)."""
        args = {
            "provider": self.provider.code if self.provider else None,
            "tag": self.tag.slug if self.tag else None,
            "criticality": str(self.criticality) if self.criticality is not None else None,
            "status": self.response_status,
            "from": self.published_from.isoformat() if self.published_from else None,
            "to": self.published_to.isoformat() if self.published_to else None,
        }
        return {k: v for k, v in args.items() if v}


def parse_filters(session: Session, args) -> StoryFilters:
    """Filters from query arguments. An unknown provider, tag or status is ignored; a criticality or date that is
    not one is a BadParameter (400, saying which and how to write it)."""
    filters = StoryFilters()
    if code := (args.get("provider") or "").strip().upper()[:40]:
        filters.provider = resolve_code(session, code)  # an old code leads where it was merged or changed
    if slug := (args.get("tag") or "")[:60]:
        filters.tag = session.scalar(select(Tag).where(Tag.slug == slug))
    filters.criticality = one_of_numbers(args.get("criticality"), "criticality", CRITICALITY)
    if args.get("status") in RESPONSE_STATUSES:
        filters.response_status = args["status"]
    filters.published_from = iso_date(args.get("from"), "from")
    filters.published_to = iso_date(args.get("to"), "to")
    return filters


def public_story_filter(filters: StoryFilters, session: Session, *, tombstones: bool = False) -> ColumnElement[bool]:
    """Which stories are public, narrowed by the filters: the one WHERE clause behind every public list of
    stories (list pages, API, feeds, dataset). With tombstones, also the stories that were public and have been
    withdrawn or hidden since, for a reader keeping a copy in step (see is_tombstone).

    A provider's subtree is read first, as values (see descendant_ids: 70 ms -> 2 ms for a trust's page at
    1,000,000 stories)."""
    public = Story.status == PUBLISHED
    if tombstones:
        public = or_(public, Story.status.in_(TOMBSTONE_STATUSES) & Story.published_at.isnot(None))
    clauses: list[ColumnElement[bool]] = [public]
    if filters.updated_since is not None:
        clauses.append(Story.updated_at >= filters.updated_since)
    if filters.provider is not None:
        clauses.append(Story.provider_id.in_(descendant_ids(session, filters.provider.id)))
    if filters.tag is not None:
        clauses.append(Story.id.in_(select(story_tags.c.story_id).where(story_tags.c.tag_id == filters.tag.id)))
    if filters.response_status:
        clauses.append(Story.response_status == filters.response_status)
    if filters.criticality is not None:
        clauses.append(Story.criticality == filters.criticality)
    if filters.published_since is not None:
        clauses.append(Story.published_at >= filters.published_since)
    if filters.published_from:
        clauses.append(Story.published_at >= datetime.combine(filters.published_from, time.min, UTC))
    if filters.published_to:
        clauses.append(Story.published_at <= datetime.combine(filters.published_to, time.max, UTC))
    return and_(*clauses)


def public_stories(filters: StoryFilters, session: Session, *, tombstones: bool = False) -> Select:
    """The public stories with the filters, as Story rows with their providers (see public_story_filter)."""
    # Lists show each story's provider, never its tags: loading tags cost a query and a join per page.
    return (select(Story).where(public_story_filter(filters, session, tombstones=tombstones))
            .options(selectinload(Story.provider)))


_STORY = select(Story).where(Story.id == bindparam("id"))  # built once: every story page reads it


def story_for_viewer(session: Session, story_id: int, user, is_moderator: bool) -> Story:
    """A published story for anyone; any other story only for its author and moderators (404 otherwise)."""
    story = session.scalar(_STORY, {"id": story_id})
    if story is None:
        raise NotFound("There is no story here. It may have been withdrawn by its author.")
    if is_public(story) or is_moderator:
        return story
    if user.is_authenticated and story.author_id == user.id:
        return story
    raise NotFound("There is no story here. It may have been withdrawn by its author.")


def authors_stories(session: Session, user) -> list[Story]:
    return list(session.scalars(select(Story).where(Story.author_id == user.id)
                                .options(selectinload(Story.provider)).order_by(Story.submitted_at.desc())))


def active_tags(session: Session) -> list[Tag]:
    return list(session.scalars(select(Tag).where(Tag.active.is_(True)).order_by(Tag.kind, Tag.name)))


def count_me_too(session: Session, story_id: int) -> bool:
    """A reader says "this happened to me too": one atomic UPDATE (no read-modify-write, so two readers at once
    both count), for a published story only. False when the story is not published (nothing counted)."""
    done = session.execute(update(Story).where(Story.id == story_id, Story.status == PUBLISHED)
                           .values(me_too_count=Story.me_too_count + 1)
                           .execution_options(synchronize_session=False))
    return done.rowcount == 1
