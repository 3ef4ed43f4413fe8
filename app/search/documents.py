"""What the index holds for a story, built from the database (the source of truth)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.directory.models import Provider
from app.replies.models import VISIBLE, Reply
from app.search.query import spelled_aliases
from app.stories.models import PUBLISHED, Story, Tag, story_tags


@dataclass
class StoryDocument:
    id: int
    title: str
    body: str
    replies: str
    providers: str  # the provider's name and the names of those above it
    provider_code: str
    within: list[int]  # the provider's id and its ancestors' ids: "this provider and everything below it"
    tags: list[str]
    tags_text: str
    month: str
    criticality: int | None
    response_status: str
    published_at: datetime
    # Words holding "&" spelled out ("a&e" -> "aande"), indexed beside the tags (query.spelled_aliases).
    aliases: str = ""


class _Chains:
    """Provider ancestry, names and codes, cached for a batch (a rebuild walks the same providers again)."""

    def __init__(self, session: Session) -> None:
        self.parent: dict[int, int | None] = {}
        self.name: dict[int, str] = {}
        self.code: dict[int, str] = {}
        for pid, parent_id, name, code in session.execute(
                select(Provider.id, Provider.parent_id, Provider.name, Provider.code)):
            self.parent[pid], self.name[pid], self.code[pid] = parent_id, name, code

    def chain(self, provider_id: int) -> list[int]:
        ids, seen = [], set()
        current: int | None = provider_id
        while current is not None and current not in seen:
            seen.add(current)
            ids.append(current)
            current = self.parent.get(current)
        return ids


_COLUMNS = (Story.id, Story.title, Story.body, Story.provider_id, Story.experienced_on, Story.criticality,
            Story.response_status, Story.published_at)


def documents(session: Session, story_ids: list[int] | None = None, batch: int = 1000) -> Iterator[StoryDocument]:
    """Documents for published stories (all of them, or those of story_ids), batch by batch, the most recently
    told first.

    Plain rows rather than ORM objects: a rebuild reads every published story, and memory stays flat. Newest
    first because a search for a word in nearly every story looks among the newest stories only (whoosh_read):
    written first, they are the index's first documents, which Whoosh's block-by-block postings reach at once.
    Written last, every search for such a word read every block of its postings to get to them: 92% of its
    time at 1,000,000 stories (docs/benchmarks.md).
    """
    chains = _Chains(session)
    tag_names = dict(session.execute(select(Tag.slug, Tag.name)).all())
    last_id = None
    while True:
        # By number, newest told first: nearly the order of publication (moderation takes hours, not weeks), by
        # the primary key, and a story without a publication time (an import) cannot end the walk early.
        stmt = select(*_COLUMNS).where(Story.status == PUBLISHED).order_by(Story.id.desc()).limit(batch)
        if last_id is not None:
            stmt = stmt.where(Story.id < last_id)
        if story_ids is not None:
            stmt = stmt.where(Story.id.in_(story_ids))
        rows = session.execute(stmt).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        replies: dict[int, list[str]] = {}
        for story_id, body in session.execute(select(Reply.story_id, Reply.body).where(
                Reply.story_id.in_(ids), Reply.status == VISIBLE).order_by(Reply.story_id, Reply.id)):
            replies.setdefault(story_id, []).append(body)
        tags: dict[int, list[str]] = {}
        for story_id, slug in session.execute(select(story_tags.c.story_id, Tag.slug)
                                              .join(Tag, Tag.id == story_tags.c.tag_id)
                                              .where(story_tags.c.story_id.in_(ids)).order_by(Tag.name)):
            tags.setdefault(story_id, []).append(slug)
        for row in rows:
            chain = chains.chain(row.provider_id)
            slugs = tags.get(row.id, [])
            yield StoryDocument(
                id=row.id, title=row.title, body=row.body, replies="\n\n".join(replies.get(row.id, [])),
                providers=" ".join(chains.name.get(p, "") for p in chain), provider_code=chains.code[row.provider_id],
                within=chain, tags=slugs, tags_text=" ".join(tag_names[slug] for slug in slugs),
                month=row.experienced_on.strftime("%Y-%m"), criticality=row.criticality,
                response_status=row.response_status, published_at=row.published_at,
                aliases=spelled_aliases(f"{row.title} {row.body} {' '.join(replies.get(row.id, []))}"),
            )
        last_id = rows[-1].id
