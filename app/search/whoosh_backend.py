"""The Whoosh backend: an index folder swapped in atomically on rebuild; only the worker writes to it."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.highlight import HtmlFormatter, SentenceFragmenter
from whoosh.query import And, Every, Not, NumericRange, Or, Phrase, Term
from whoosh.sorting import FieldFacet

from app.search.documents import StoryDocument
from app.search.query import Hit, ParsedQuery, SearchRequest, SearchResults

TEXT_FIELDS = ("title", "body", "replies", "providers", "tags_text")
FACET_SAMPLE = 1000


def schema() -> Schema:
    stem = StemmingAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=stem, stored=True, field_boost=2.0),
        body=TEXT(analyzer=stem, stored=True, spelling=True),
        replies=TEXT(analyzer=stem),
        providers=TEXT(analyzer=stem),
        tags_text=TEXT(analyzer=stem),
        provider=ID(stored=True),
        within=KEYWORD(commas=True),
        tags=KEYWORD(commas=True, stored=True),
        month=ID(stored=True),
        criticality=NUMERIC(stored=True),
        status=ID(stored=True),
        published=NUMERIC(bits=64, sortable=True, stored=True),
    )


class IndexUnavailable(Exception):
    """No index yet, or one that cannot be read: the worker rebuilds it."""


class WhooshBackend:
    name = "whoosh"

    def __init__(self, directory: str) -> None:
        self.path = Path(directory)

    # ---------------------------------------------------------------- reading

    def _open(self):
        try:
            return whoosh_index.open_dir(str(self.path))
        except Exception as exc:  # missing folder, empty folder, truncated segment files…
            raise IndexUnavailable(str(exc)) from exc

    def available(self) -> bool:
        try:
            self._open().close()
        except IndexUnavailable:
            return False
        return True

    def _term(self, ix, field: str, word: str) -> str:
        tokens = [t.text for t in ix.schema[field].analyzer(word)]
        return tokens[0] if tokens else word

    def _text_query(self, ix, parsed: ParsedQuery):
        parts = []
        for word in parsed.words:
            parts.append(Or([Term(f, self._term(ix, f, word)) for f in TEXT_FIELDS]))
        for phrase in parsed.phrases:
            parts.append(Or([Phrase(f, [self._term(ix, f, w) for w in phrase]) for f in ("title", "body", "replies")]))
        query = And(parts) if parts else Every()
        excluded = [Term(f, self._term(ix, f, w)) for w in parsed.excluded for f in TEXT_FIELDS]
        if excluded:
            query = And([query, Not(Or(excluded))])
        return query

    def _filter(self, request: SearchRequest):
        parts = []
        if request.provider_id is not None:
            parts.append(Term("within", str(request.provider_id)))
        if request.tag:
            parts.append(Term("tags", request.tag))
        if request.response_status:
            parts.append(Term("status", request.response_status))
        if request.criticality is not None:
            parts.append(NumericRange("criticality", request.criticality, request.criticality))
        if request.date_from or request.date_to:
            start = _epoch(request.date_from) if request.date_from else None
            end = _epoch(request.date_to) + 86399 if request.date_to else None
            parts.append(NumericRange("published", start, end))
        return And(parts) if parts else None

    def search(self, parsed: ParsedQuery, request: SearchRequest) -> SearchResults:
        ix = self._open()
        try:
            with ix.searcher() as searcher:
                query = self._text_query(ix, parsed)
                filter_q = self._filter(request)
                kwargs = {"filter": filter_q, "terms": True}
                if request.sort == "newest" or parsed.empty:
                    kwargs.update(sortedby="published", reverse=True)
                page = searcher.search_page(query, max(1, request.page), pagelen=request.per_page, **kwargs)
                page.results.fragmenter = SentenceFragmenter(maxchars=300)
                page.results.formatter = HtmlFormatter(tagname="mark", classname="match", termclass="term")
                hits = []
                for hit in page:
                    snippet = hit.highlights("body", top=2) or _escape(hit["body"][:240])
                    hits.append(Hit(int(hit["id"]), hit["title"], snippet))
                facets = self._facets(searcher, query, filter_q)
                suggestion = self._suggest(searcher, ix, parsed)
                return SearchResults(hits=hits, total=page.total, facets=facets, suggestion=suggestion)
        finally:
            ix.close()

    def _facets(self, searcher, query, filter_q) -> dict[str, list[tuple[str, int]]]:
        # Counted over the best FACET_SAMPLE matches: honest and fast whatever the query.
        results = searcher.search(query, limit=FACET_SAMPLE, filter=filter_q,
                                  groupedby={"provider": FieldFacet("provider"),
                                             "tags": FieldFacet("tags", allow_overlap=True)})
        facets = {}
        for name in ("provider", "tags"):
            counts = {key: len(docs) for key, docs in results.groups(name).items() if key}
            facets[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
        return facets

    def _suggest(self, searcher, ix, parsed: ParsedQuery) -> str | None:
        changed, words = False, []
        for word in parsed.words:
            if searcher.doc_frequency("body", self._term(ix, "body", word)) or \
                    searcher.doc_frequency("title", self._term(ix, "title", word)):
                words.append(word)
                continue
            options = searcher.suggest("body", word, limit=1, maxdist=2)
            if options and options[0] != word:
                words.append(options[0])
                changed = True
            else:
                words.append(word)
        return " ".join(words) if changed else None

    # ---------------------------------------------------------------- writing (the worker and the rebuild only)

    def update(self, documents: Iterable[StoryDocument], deleted: Iterable[int]) -> None:
        ix = self._open()
        try:
            writer = ix.writer(timeout=30)
            try:
                for story_id in deleted:
                    writer.delete_by_term("id", str(story_id))
                for doc in documents:
                    writer.update_document(**_fields(doc))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        finally:
            ix.close()

    def rebuild(self, documents: Iterable[StoryDocument], progress: Callable[[int], None] = lambda n: None,
                procs: int = 2) -> int:
        """Build a fresh index beside the live one, then swap it in atomically (readers never see a gap)."""
        parent = self.path.parent
        parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f"{self.path.name}.{time.strftime('%Y%m%d%H%M%S')}.", dir=parent))
        ix = whoosh_index.create_in(str(fresh), schema())
        count = 0
        # The multiprocessing writer uses both cores; batches keep memory bounded.
        writer = ix.writer(procs=procs, limitmb=128, multisegment=True) if procs > 1 else ix.writer(limitmb=128)
        try:
            for doc in documents:
                writer.add_document(**_fields(doc))
                count += 1
                progress(1)
        except BaseException:
            writer.cancel()
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        writer.commit()
        ix.close()
        self._swap(fresh)
        return count

    def _swap(self, fresh: Path) -> None:
        link = self.path
        old_target = link.resolve() if link.is_symlink() else None
        if link.exists() and not link.is_symlink():
            # A real folder (an older layout, or made by hand): move it aside once.
            link.rename(link.with_name(f"{link.name}.old.{os.getpid()}"))
        tmp_link = link.with_name(f"{link.name}.swap.{os.getpid()}")
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        os.symlink(fresh.name, tmp_link)
        os.replace(tmp_link, link)  # atomic: readers see the old index or the new one
        if old_target is not None and old_target != fresh.resolve():
            shutil.rmtree(old_target, ignore_errors=True)


def _epoch(value) -> int:
    return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _fields(doc: StoryDocument) -> dict:
    return {
        "id": str(doc.id), "title": doc.title, "body": doc.body, "replies": doc.replies,
        "providers": doc.providers, "tags_text": doc.tags_text, "provider": doc.provider_code,
        "within": ",".join(str(i) for i in doc.within), "tags": ",".join(doc.tags), "month": doc.month,
        "criticality": doc.criticality or 0, "status": doc.response_status,
        "published": int(doc.published_at.timestamp()),
    }
