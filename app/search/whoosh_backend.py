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
        """Open the index and count its stories: a missing folder or an unreadable segment shows here."""
        try:
            ix = self._open()
            try:
                count = ix.doc_count()
            finally:
                ix.close()
        except IndexUnavailable as exc:
            return Health(False, f"No readable search index at {self.path} ({exc}); the worker rebuilds it.")
        except Exception as exc:  # noqa: BLE001 — a segment truncated or gone: what health is for
            return Health(False, f"The search index at {self.path} cannot be read ({exc}); the worker rebuilds it.")
        return Health(True, f"{count:,} stories in the search index at {self.path}.", count)

    def available(self) -> bool:
        """Shorthand for health().available (the admin site page asks this)."""
        return self.health().available
