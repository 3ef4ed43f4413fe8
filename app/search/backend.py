"""The search backend interface both implementations keep, and the one place configuration picks one.

The search service (services.py) speaks only to a `SearchBackend`; it never asks which one it has. The two
differ in one way the service must know, and the protocol says it as a property rather than a name:

* `transactional` — True when the index lives in the database and is written in the transaction of the
  change itself (PostgreSQL's vectors): the service indexes the stories a transaction queued just before it
  commits. False when it is written after the commit by the worker draining the reindex queue (Whoosh's
  folder): until then, the service withholds the queued stories from searches.

Either way every hit is checked against the database before it is shown (services._public_now).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, Protocol

from flask import Flask
from sqlalchemy.orm import Session

from app.extensions import db
from app.search.documents import StoryDocument
from app.search.postgres_backend import PostgresBackend
from app.search.query import Health, ParsedQuery, SearchRequest, SearchResults
from app.search.whoosh_backend import WhooshBackend


class SearchBackend(Protocol):
    """What a search backend does. Stories come in as `StoryDocument`s, built from the database (documents.py)."""

    #: What SEARCH_BACKEND calls it ("whoosh", "postgres").
    name: str

    @property
    def transactional(self) -> bool:
        """Whether `index` and `remove` write in the caller's database transaction (see the module's note)."""
        ...

    def index(self, documents: Iterable[StoryDocument]) -> None:
        """Add or replace the entries of these (published) stories. Nothing given: nothing written."""
        ...

    def remove(self, story_ids: Iterable[int]) -> None:
        """Take these stories out of the index; ids it does not hold are ignored."""
        ...

    def search(self, parsed: ParsedQuery, request: SearchRequest, withheld: Collection[int] = ()) -> SearchResults:
        """One page of results, counts, facets and a spelling suggestion. `withheld` stories (no longer public,
        perhaps still in the index) are left out of hits, counts and facets. Raises `SearchUnavailable` when
        there is no usable index; any query `parse` returns is valid (an empty one lists by filters only)."""
        ...

    def rebuild(self, documents: Iterable[StoryDocument], progress: Callable[[int], None] = lambda n: None,
                procs: int = 2) -> int:
        """Replace the whole index with these documents (every published story); returns how many. Readers
        keep searching the old index meanwhile. `progress(n)` after each n stories; `procs` writer processes,
        where the backend can use them."""
        ...

    def health(self) -> Health:
        """Whether searches can be served now, and a sentence saying why not (or what the index holds)."""
        ...


def backend_for(app_or_config: Flask | Mapping[str, Any], session: Session | None = None) -> SearchBackend:
    """The backend SEARCH_BACKEND names: "postgres" (vectors written through `session`, by default the
    request's), or else Whoosh's index folder at SEARCH_INDEX_DIR (the default, as it always was)."""
    config = app_or_config.config if isinstance(app_or_config, Flask) else app_or_config
    if config.get("SEARCH_BACKEND", "whoosh") == "postgres":
        return PostgresBackend(session if session is not None else db.session)
    return WhooshBackend(config["SEARCH_INDEX_DIR"])
