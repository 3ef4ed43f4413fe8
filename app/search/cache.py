"""Search results kept in each web process, per (query, filters, page, language, index generation, content version,
stories withheld): what the index answered, so a repeated search does not search the index again.

The *index generation* is a number in the database (row 2 of `content_version`, beside the content version in
row 1) that the worker moves in the same commit as it writes the index (services.drain_queue, services.rebuild):
every process then asks the index again. The content version (app/web/models.py), which database triggers move in
the commit of any change a public page could show, is part of the key too: a story hidden or withdrawn is a
different key at once, before the worker has taken it out of the index. And what is kept is only the index's
answer: each search still withholds the stories queued for the index and checks the page's hits against the
database (services._public_now), so a kept result never shows a story that is not public now.
"""
from __future__ import annotations

import copy
import dataclasses
import threading
from collections import OrderedDict

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.search.query import SearchRequest, SearchResults

CONTENT_ROW, GENERATION_ROW = 1, 2


def versions(session: Session) -> tuple[int, int]:
    """The content version and the index generation, in one query (a missing row reads as 0)."""
    found = dict(session.execute(text("SELECT id, n FROM content_version WHERE id IN (1, 2)")).all())
    return found.get(CONTENT_ROW, 0), found.get(GENERATION_ROW, 0)


def move_generation(session: Session) -> None:
    """The index was written: in the caller's transaction, so it moves with what the worker commits."""
    session.execute(text("INSERT INTO content_version (id, n) VALUES (2, 1) "
                         "ON CONFLICT (id) DO UPDATE SET n = content_version.n + 1"))


def request_key(request: SearchRequest) -> tuple:
    return dataclasses.astuple(request)


class ResultCache:
    """A bounded LRU of the index's answers; each is copied in and out, as the search service changes its hits."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple, SearchResults] = OrderedDict()
        self.hits = self.misses = 0
        self.lock = threading.Lock()

    def get(self, key: tuple) -> SearchResults | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
        return copy.deepcopy(found)

    def put(self, key: tuple, results: SearchResults) -> None:
        if results.unavailable:
            return
        kept = copy.deepcopy(results)
        with self.lock:
            self.entries[key] = kept
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
