"""The search service: the configured backend, the reindex queue the worker drains, rebuilds, and searching.

It speaks to the SearchBackend protocol (backend.py) only and never asks which backend it has: which one is
configuration's business (backend.backend_for), and how they differ is the protocol's `transactional`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app, has_app_context
from sqlalchemy import case, delete, event, func, insert, select
from sqlalchemy.orm import Session

from app.directory import finder
from app.extensions import db, utcnow
from app.replies.models import Change, Reply
from app.search import cache
from app.search.backend import SearchBackend, backend_for
from app.search.documents import documents
from app.search.models import SearchQueue
from app.search.query import Health, Hit, ParsedQuery, SearchRequest, SearchResults, SearchUnavailable, parse
from app.search.snippets import fresh_snippet
from app.stories.models import PUBLISHED, Story, content_changed
from app.web.i18n import current_language

log = logging.getLogger(__name__)
DRAIN_BATCH = 500


def backend(session: Session | None = None) -> SearchBackend:
    """The current app's backend; one that writes to the database writes through `session` (default: db.session)."""
    return backend_for(current_app, session)


def health() -> Health:
    """Whether search can be served now, with a sentence for the admin pages."""
    return backend().health()


def search(request: SearchRequest) -> SearchResults:
    """Run a search; bad input never raises, and a missing index is reported, not an error.

    Only stories published now are shown, whether or not the worker has brought the index up to date: the
    stories it has yet to remove are withheld from the search itself, and the page's hits are checked
    against the database before they are shown.
    """
    parsed = parse(request.text)
    session = db.session
    # A transactional backend's queue is emptied at each commit, so this reads nothing; one written by the
    # worker still holds, until it catches up, the stories queued here.
    withheld = withheld_ids(session)
    kept = current_app.extensions.get("search_results")
    key = None
    if kept is not None:
        key = (*cache.versions(session), tuple(withheld), cache.request_key(request), current_language())
        results = kept.get(key)
    if key is None or results is None:
        try:
            results = _ask_the_index(parsed, request, withheld)
        except SearchUnavailable:
            return SearchResults(hits=[], total=0, notes=parsed.notes, unavailable=True)
        if key is not None:
            kept.put(key, results)
    elif len(parsed.groups) > 1 and results.notes[:1] == [ANY_WORDS]:
        parsed.match_any = True  # fresh snippets of changed stories mark any of the words, as the index did
    _public_now(session, results, parsed)
    results.notes = parsed.notes + results.notes
    return results


ANY_WORDS = ("No story holds all of your words, so these are the stories that hold some of them, best match "
             "first.")


def _ask_the_index(parsed: ParsedQuery, request: SearchRequest, withheld: list[int]) -> SearchResults:
    engine = backend()
    results = engine.search(parsed, request, withheld=withheld)
    if not results.total and len(parsed.groups) > 1:
        # No story holds every word: the best matches for any of them, and the page says so.
        parsed.match_any = True
        fallback = engine.search(parsed, request, withheld=withheld)
        if fallback.total:
            fallback.notes.insert(0, ANY_WORDS)
            fallback.suggestion = results.suggestion or fallback.suggestion
            results = fallback
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
        select(Story.id, Story.title, changed.label("changed"), case((changed, Story.body)).label("body"),
               Story.provider_id, Story.experienced_on, Story.response_status, Story.criticality)
        .outerjoin(SearchQueue, SearchQueue.story_id == Story.id)
        .where(Story.id.in_(ids), Story.status == PUBLISHED))}
    # Each hit shows its service with the chain above it (one query for the page), when it happened, its
    # response status and criticality.
    services_of = finder.describe(session, {row.provider_id for row in rows.values()})
    hits = []
    for hit in results.hits:
        row = rows.get(hit.story_id)
        if row is None:
            continue
        if row.changed:
            hit = Hit(hit.story_id, row.title, fresh_snippet(row.body, parsed))
        found = services_of.get(row.provider_id)
        if found is not None:
            hit.provider_code, hit.chain, hit.kind_label = found.code, found.chain_text, found.kind_label
        hit.happened, hit.response_status, hit.criticality = row.experienced_on, row.response_status, row.criticality
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
def _index_in_the_transaction(session: Session) -> None:
    """A transactional backend consumes the queue before the commit: the index changes with the story."""
    if not has_app_context():
        return
    engine = backend(session)
    if not engine.transactional:
        return  # the worker's drain_queue brings it up to date after the commit
    session.flush()
    ids = sorted(session.info.pop("search_queued", set()))
    if not ids:
        return
    with session.no_autoflush:
        _bring_up_to_date(engine, session, ids)
        session.execute(delete(SearchQueue).where(SearchQueue.story_id.in_(ids))
                        .execution_options(synchronize_session=False))


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop("search_queued", None)


def _bring_up_to_date(engine: SearchBackend, session: Session, story_ids: list[int]) -> None:
    """Index these stories as the database has them now: published ones written, the others taken out."""
    docs = list(documents(session, story_ids))
    published = {d.id for d in docs}
    engine.remove([i for i in story_ids if i not in published])
    engine.index(docs)


def drain_queue(session: Session) -> int:
    """The worker's job: bring queued stories up to date in the index (or rebuild an unusable index).

    A transactional backend finds the queue empty (each commit consumed its own), save for changes committed
    outside the app (a script without an app context), which are brought up to date here all the same.
    """
    engine = backend(session)
    state = engine.health()
    if not state.available:
        log.warning("search index unavailable, rebuilding it: %s", state.detail)
        rebuild(session, procs=current_app.config["SEARCH_REBUILD_PROCS"])
        return 0
    queued = session.execute(select(SearchQueue.story_id, SearchQueue.queued_at)
                             .order_by(SearchQueue.queued_at).limit(DRAIN_BATCH)).all()
    if not queued:
        return 0
    ids = [story_id for story_id, _ in queued]
    _bring_up_to_date(engine, session, ids)
    cache.move_generation(session)  # committed with the queue rows below: every process asks the index again
    # Only the rows we handled, and only if the story has not changed again since we read them.
    for story_id, queued_at in queued:
        session.execute(delete(SearchQueue).where(SearchQueue.story_id == story_id,
                                                  SearchQueue.queued_at == queued_at))
    session.commit()
    return len(ids)


def rebuild(session: Session, progress: Callable[[int], None] = lambda n: None, procs: int = 2) -> int:
    """Index every published story afresh (readers keep the old index meanwhile). Changes made during the
    rebuild are queued again: a transactional backend indexes them at this function's commit, the worker the
    others at its next pass."""
    started = utcnow()
    engine = backend(session)
    # Documents read in a session of their own: a backend that commits as it goes (every thousand stories,
    # say) must not end the transaction the documents are read in.
    with Session(bind=session.get_bind()) as reader:
        count = engine.rebuild(documents(reader), progress=progress, procs=procs)
    session.rollback()
    # What was queued before the rebuild began is in the new index now.
    session.execute(delete(SearchQueue).where(SearchQueue.queued_at < started))
    changed = session.scalars(select(Story.id).where(Story.updated_at >= started)).all()
    for story_id in changed:
        if session.get(SearchQueue, story_id) is None:
            session.add(SearchQueue(story_id=story_id, queued_at=utcnow()))
    session.info.setdefault("search_queued", set()).update(changed)
    cache.move_generation(session)
    session.commit()
    return count


def published_count(session: Session) -> int:
    return session.scalar(select(func.count(Story.id)).where(Story.status == PUBLISHED)) or 0
