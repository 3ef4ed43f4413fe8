"""The search service: the chosen backend, the reindex queue the worker drains, rebuilds, and searching."""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app, has_app_context
from sqlalchemy import case, delete, event, func, insert, select
from sqlalchemy.orm import Session

from app.extensions import db, utcnow
from app.replies.models import Change, Reply
from app.search.documents import documents
from app.search.models import SearchQueue
from app.search.postgres_backend import PostgresBackend
from app.search.query import Hit, ParsedQuery, SearchRequest, SearchResults, parse
from app.search.whoosh_backend import IndexUnavailable, WhooshBackend, fresh_snippet
from app.stories.models import PUBLISHED, Story, content_changed

log = logging.getLogger(__name__)
DRAIN_BATCH = 500


def uses_postgres() -> bool:
    return current_app.config["SEARCH_BACKEND"] == "postgres"


def backend():
    if uses_postgres():
        return PostgresBackend(db.session)
    return WhooshBackend(current_app.config["SEARCH_INDEX_DIR"])


def search(request: SearchRequest) -> SearchResults:
    """Run a search; bad input never raises, and a missing index is reported, not an error.

    Only stories published now are shown, whether or not the worker has brought the index up to date: the
    stories it has yet to remove are withheld from the search itself, and the page's hits are checked
    against the database before they are shown.
    """
    parsed = parse(request.text)
    session = db.session
    try:
        engine = backend()
        results = engine.search(parsed, request, withheld=[] if uses_postgres() else withheld_ids(session))
    except IndexUnavailable:
        return SearchResults(hits=[], total=0, notes=parsed.notes, unavailable=True)
    _public_now(session, results, parsed)
    results.notes = parsed.notes + results.notes
    return results


WITHHELD_MAX = 5000  # past this many, the index is far behind: the page check below still holds


def withheld_ids(session: Session) -> list[int]:
    """Stories the index may still hold that are not public now: published once, changed since (the queue)."""
    return list(session.scalars(
        select(SearchQueue.story_id).join(Story, Story.id == SearchQueue.story_id)
        .where(Story.status != PUBLISHED, Story.published_at.isnot(None))
        .order_by(SearchQueue.story_id).limit(WITHHELD_MAX)))


def _public_now(session: Session, results: SearchResults, parsed: ParsedQuery) -> None:
    """Keep only the hits published at this moment (one query over the page's ids). A hit changed since it was
    indexed (a moderator's correction, say) is shown with its title and words as they are now."""
    ids = [hit.story_id for hit in results.hits]
    if not ids:
        return
    changed = SearchQueue.story_id.isnot(None)
    rows = {row.id: row for row in session.execute(
        select(Story.id, Story.title, changed.label("changed"), case((changed, Story.body)).label("body"))
        .outerjoin(SearchQueue, SearchQueue.story_id == Story.id)
        .where(Story.id.in_(ids), Story.status == PUBLISHED))}
    hits = []
    for hit in results.hits:
        row = rows.get(hit.story_id)
        if row is None:
            continue
        if row.changed and not uses_postgres():
            hit = Hit(hit.story_id, row.title, fresh_snippet(row.body, parsed))
        hits.append(hit)
    results.total = max(len(hits), results.total - (len(results.hits) - len(hits)))
    results.hits = hits


# ---------------------------------------------------------------- keeping the index up to date

@event.listens_for(Session, "before_flush")
def _queue_changed_stories(session: Session, flush_context, instances) -> None:
    """Every change that shows in search (publish, edit, hide, restore, withdraw, a reply…) queues the story.

    The queue row commits with the change itself, so nothing is lost if the index cannot be written now.
    """
    story_ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        # Only what search shows: a read count or a moderator's claim never queues the story.
        if isinstance(obj, Story) and obj.id is not None and content_changed(obj):
            story_ids.add(obj.id)
        elif isinstance(obj, (Reply, Change)) and obj.story_id is not None:
            story_ids.add(obj.story_id)
    if not story_ids:
        return
    # Remembered for this transaction (the queue rows themselves are only weakly held by the session).
    session.info.setdefault("search_queued", set()).update(story_ids)
    queued = {q.story_id: q for q in session.identity_map.values() if isinstance(q, SearchQueue)}
    now = utcnow()
    for story_id in story_ids:
        if story_id in queued:
            queued[story_id].queued_at = now
        else:
            with session.no_autoflush:
                existing = session.get(SearchQueue, story_id)
            if existing is None:
                session.add(SearchQueue(story_id=story_id, queued_at=now))
            else:
                existing.queued_at = now


@event.listens_for(Session, "after_flush")
def _queue_new_published_stories(session: Session, flush_context) -> None:
    """A story inserted already published (imports, the demo, a restored copy) has no id before the flush."""
    new_ids = [obj.id for obj in session.new if isinstance(obj, Story) and obj.status == PUBLISHED]
    if not new_ids:
        return
    session.info.setdefault("search_queued", set()).update(new_ids)
    now = utcnow()
    # A row left by a deleted story whose id SQLite gave out again must not make this insert fail.
    session.execute(delete(SearchQueue).where(SearchQueue.story_id.in_(new_ids))
                    .execution_options(synchronize_session=False))
    session.execute(insert(SearchQueue), [{"story_id": story_id, "queued_at": now} for story_id in new_ids])


@event.listens_for(Session, "before_commit")
def _write_vectors(session: Session) -> None:
    """With the PostgreSQL backend the queue is consumed before the commit: vectors change with the story."""
    if not has_app_context() or not uses_postgres() or session.get_bind().dialect.name != "postgresql":
        return
    session.flush()
    ids = sorted(session.info.pop("search_queued", set()))
    if not ids:
        return
    with session.no_autoflush:
        docs = list(documents(session, ids))
        published = {d.id for d in docs}
        PostgresBackend(session).write(docs, [i for i in ids if i not in published])
        session.execute(delete(SearchQueue).where(SearchQueue.story_id.in_(ids))
                        .execution_options(synchronize_session=False))


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop("search_queued", None)


def drain_queue(session: Session) -> int:
    """The worker's job: bring queued stories up to date in the index (or rebuild a missing index)."""
    if uses_postgres():
        return 0  # vectors are written in the same transaction as each change
    engine = backend()
    if not engine.available():
        log.warning("search index missing or unreadable; rebuilding it")
        rebuild(session, procs=current_app.config["SEARCH_REBUILD_PROCS"])
        return 0
    queued = session.execute(select(SearchQueue.story_id, SearchQueue.queued_at)
                             .order_by(SearchQueue.queued_at).limit(DRAIN_BATCH)).all()
    if not queued:
        return 0
    ids = [story_id for story_id, _ in queued]
    docs = list(documents(session, ids))
    published = {d.id for d in docs}
    engine.update(docs, deleted=[i for i in ids if i not in published])
    # Only the rows we handled, and only if the story has not changed again since we read them.
    for story_id, queued_at in queued:
        session.execute(delete(SearchQueue).where(SearchQueue.story_id == story_id,
                                                  SearchQueue.queued_at == queued_at))
    session.commit()
    return len(ids)


def rebuild(session: Session, progress: Callable[[int], None] = lambda n: None, procs: int = 2) -> int:
    """Index every published story into a new index and swap it in. Changes made meanwhile are requeued."""
    if uses_postgres():
        return PostgresBackend(session).rebuild(progress)
    started = utcnow()
    with Session(bind=session.get_bind()) as reader:
        count = backend().rebuild(documents(reader), progress=progress, procs=procs)
    session.rollback()
    # What was queued before the rebuild began is in the new index now.
    session.execute(delete(SearchQueue).where(SearchQueue.queued_at < started))
    changed = session.scalars(select(Story.id).where(Story.updated_at >= started)).all()
    for story_id in changed:
        if session.get(SearchQueue, story_id) is None:
            session.add(SearchQueue(story_id=story_id, queued_at=utcnow()))
    session.commit()
    return count


def published_count(session: Session) -> int:
    return session.scalar(select(func.count(Story.id)).where(Story.status == PUBLISHED)) or 0
