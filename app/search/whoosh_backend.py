"""The Whoosh backend: its reading half (whoosh_read) and writing half (whoosh_write) over one index folder,
as the SearchBackend protocol (app/search/backend.py) asks."""
from __future__ import annotations

from app.search.query import Health
from app.search.whoosh_read import WhooshReader
from app.search.whoosh_schema import IndexUnavailable
from app.search.whoosh_write import WhooshWriter


class WhooshBackend(WhooshReader, WhooshWriter):
    """An index folder on disk, written by the worker only: the service withholds what it has yet to catch up on."""

    name = "whoosh"
    transactional = False  # written after the change commits, by the worker draining the reindex queue

    def health(self) -> Health:
        """Open the index's table of contents and count its stories from it. Cheap enough for every pass of
        the worker: counting through a reader would open every segment (100 ms at 20,000 stories)."""
        try:
            ix = self._open()
            try:
                # Each segment's count, less its deletions, is kept in the table of contents (Whoosh 2.7).
                count = sum(segment.doc_count() for segment in ix._segments())
            finally:
                ix.close()
        except IndexUnavailable as exc:
            return Health(False, f"No readable search index at {self.path} ({exc}); the worker rebuilds it.")
        return Health(True, f"{count:,} stories in the search index at {self.path}.", count)

    def available(self) -> bool:
        """Shorthand for health().available (the admin site page asks this)."""
        return self.health().available
