"""What the index holds for a story, built from the database (the source of truth)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.directory.models import Provider
from app.replies.models import VISIBLE, Reply
from app.stories.models import PUBLISHED, Story


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


class _Chains:
    """Provider ancestry, cached for a batch (a rebuild walks the same providers again and again)."""

    def __init__(self, session: Session) -> None:
        self.parent: dict[int, int | None] = {}
        self.name: dict[int, str] = {}
        for pid, parent_id, name in session.execute(select(Provider.id, Provider.parent_id, Provider.name)):
            self.parent[pid], self.name[pid] = parent_id, name

    def chain(self, provider_id: int) -> list[int]:
        ids, seen = [], set()
        current: int | None = provider_id
        while current is not None and current not in seen:
            seen.add(current)
            ids.append(current)
            current = self.parent.get(current)
        return ids


def documents(session: Session, story_ids: list[int] | None = None, batch: int = 1000,
              release: bool = False) -> Iterator[StoryDocument]:
    """Documents for published stories (all of them, or those of story_ids), batch by batch.

    With release, each batch's objects leave the session once used (flat memory over a million stories):
    only for a session of its own, as the rebuild uses.
    """
    chains = _Chains(session)
    last_id = 0
    while True:
        stmt = (select(Story).where(Story.status == PUBLISHED, Story.id > last_id)
                .options(selectinload(Story.tags), selectinload(Story.provider)).order_by(Story.id).limit(batch))
        if story_ids is not None:
            stmt = stmt.where(Story.id.in_(story_ids))
        stories = list(session.scalars(stmt))
        if not stories:
            return
        replies: dict[int, list[str]] = {}
        for story_id, body in session.execute(select(Reply.story_id, Reply.body).where(
                Reply.story_id.in_([s.id for s in stories]), Reply.status == VISIBLE)):
            replies.setdefault(story_id, []).append(body)
        for story in stories:
            chain = chains.chain(story.provider_id)
            yield StoryDocument(
                id=story.id, title=story.title, body=story.body, replies="\n\n".join(replies.get(story.id, [])),
                providers=" ".join(chains.name.get(p, "") for p in chain), provider_code=story.provider.code,
                within=chain, tags=[t.slug for t in story.tags], tags_text=" ".join(t.name for t in story.tags),
                month=story.experienced_on.strftime("%Y-%m"), criticality=story.criticality,
                response_status=story.response_status, published_at=story.published_at,
            )
        last_id = stories[-1].id
        if release:
            session.expunge_all()
