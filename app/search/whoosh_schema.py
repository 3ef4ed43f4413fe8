"""What the Whoosh index holds and how it is opened: the schema and its analyser, a story's fields as written,
the folder both halves (whoosh_read, whoosh_write) work on. The on-disk format lives here and nowhere else.

Whoosh pickles the schema into each index's table of contents: only Whoosh's own classes are in it (a test
checks), so moving this code never stops an existing index from opening.
"""
from __future__ import annotations

from pathlib import Path

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, SubstitutionFilter
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index

from app.search.documents import StoryDocument
from app.search.query import WORD_EXPRESSION, SearchUnavailable

TEXT_FIELDS = ("title", "body", "replies", "providers", "tags_text")


def analyser():
    """Whoosh's stemming analyser reading words as query.WORD_EXPRESSION does (with their combining marks and
    joiners), the joiners then taken out, so that ශ්‍රී typed with or without its joiner finds the same word. Only
    Whoosh's own classes: the analyser is pickled into the index."""
    return (RegexTokenizer(WORD_EXPRESSION) | SubstitutionFilter("\u200d", "") | LowercaseFilter()
            | StopFilter() | StemFilter())


def schema() -> Schema:
    """The index's fields; a change here needs `flask search rebuild` (an index written before keeps the analyser
    it was written with, pickled in it, until then)."""
    stem = analyser()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=stem, stored=True, field_boost=2.0),
        body=TEXT(analyzer=stem, stored=True, spelling=True),
        replies=TEXT(analyzer=stem),
        providers=TEXT(analyzer=stem),
        tags_text=TEXT(analyzer=stem),
        provider=ID(stored=True, sortable=True),
        within=KEYWORD(commas=True),
        tags=KEYWORD(commas=True, stored=True),
        # The tags again as one column value per story: facets read it for a page of matches without walking
        # every tag's postings.
        tagset=COLUMN(VarBytesColumn()),
        month=ID(stored=True),
        criticality=NUMERIC(stored=True),
        status=ID(stored=True),
        published=NUMERIC(bits=64, sortable=True, stored=True),
    )


def _cache_missing_length_columns() -> None:
    """Whoosh 2.7 looks for a field-length column on disk for every posting of a field without lengths
    (ids, keywords): a stat() per posting, a third of a rebuild's time. Remember that the column is missing."""
    from whoosh.codec import whoosh3

    original = whoosh3.W3PerDocReader._cached_reader
    if getattr(original, "storyloop", False):
        return

    def cached_reader(self, fieldname, column):
        if fieldname not in self._readers:
            self._readers[fieldname] = original(self, fieldname, column)
        return self._readers[fieldname]

    cached_reader.storyloop = True
    whoosh3.W3PerDocReader._cached_reader = cached_reader


_cache_missing_length_columns()


class IndexUnavailable(SearchUnavailable):
    """No index yet, or one that cannot be read: the worker rebuilds it."""


class IndexFolder:
    """An index folder (in production a symlink that a rebuild swaps to a new folder)."""

    def __init__(self, directory: str) -> None:
        self.path = Path(directory)

    def _open(self) -> Index:
        try:
            # Without mmap: Whoosh 2.7 copies each part of a memory-mapped compound segment (a merged index is
            # one) into an io.BytesIO, so every web process held the whole index in its own memory (240 MB at
            # 100,000 stories, over 2 GB at 1,000,000). Read from the file, through the OS's shared page cache:
            # a search the results cache has not kept is about 15% slower (docs/benchmarks.md).
            return FileStorage(str(self.path), supports_mmap=False).open_index()
        except Exception as exc:  # missing folder, empty folder, truncated segment files…
            raise IndexUnavailable(str(exc)) from exc


def term(schema: Schema, field: str, word: str) -> str:
    """The word as the field's analyser indexes it (stemmed, lower case); the word itself if it has none."""
    tokens = [t.text for t in schema[field].analyzer(word)]
    return tokens[0] if tokens else word


def document_fields(doc: StoryDocument) -> dict:
    """The fields written for a story (the column `tagset` holds the tags again, as bytes)."""
    return {
        "id": str(doc.id), "title": doc.title, "body": doc.body, "replies": doc.replies,
        "providers": doc.providers, "tags_text": f"{doc.tags_text} {doc.aliases}".strip(),
        "provider": doc.provider_code,
        "within": ",".join(str(i) for i in doc.within), "tags": ",".join(doc.tags),
        "tagset": ",".join(doc.tags).encode(), "month": doc.month,
        "criticality": doc.criticality or 0, "status": doc.response_status,
        "published": int(doc.published_at.timestamp()),
    }
