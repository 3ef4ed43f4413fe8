"""The Whoosh backend: an index folder swapped in atomically on rebuild; only the worker writes to it."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from markupsafe import escape
from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.lang.porter import stem
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.query import And, ConstantScoreQuery, Every, Not, NumericRange, Or, Phrase, Query, Term

from app.search.documents import StoryDocument
from app.search.query import Hit, ParsedQuery, SearchRequest, SearchResults

TEXT_FIELDS = ("title", "body", "replies", "providers", "tags_text")
FACET_SAMPLE = 1000  # facets are counted over at most this many of the best matches
FACET_MIN = 100  # a search among the newest stories aims to find at least this many matches
REBUILD_BATCH = 20_000  # stories per commit of a rebuild: a segment per process and batch
REBUILD_LIMIT_MB = 512  # each writing process's posting buffer: a batch's postings fit in it
WINDOW_FROM = 5000  # a query part held by more stories than this makes the search look among the newest only


def schema() -> Schema:
    stem = StemmingAnalyzer()
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


class _Docnums(Query):
    """Given documents of each segment (by segment id): a window of the index searched like any other query."""

    def __init__(self, by_segment: dict[str, list[int]]) -> None:
        self.by_segment = by_segment

    def __eq__(self, other) -> bool:
        return isinstance(other, _Docnums) and other.by_segment == self.by_segment

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, len(v)) for k, v in self.by_segment.items())))

    def estimate_size(self, ixreader) -> int:
        return sum(len(ids) for ids in self.by_segment.values())

    def estimate_min_size(self, ixreader) -> int:
        return self.estimate_size(ixreader)

    def matcher(self, searcher, context=None):
        ids = self.by_segment.get(searcher.reader().segment().segment_id())
        return ListMatcher(ids, all_weights=0.0) if ids else NullMatcher()


class IndexUnavailable(Exception):
    """No index yet, or one that cannot be read: the worker rebuilds it."""


class WhooshBackend:
    name = "whoosh"
    # Searchers stay open between requests (opening an index costs more than most searches), one per thread
    # and index folder, refreshed when the worker has written and reopened when a rebuild swapped folders.
    _local = threading.local()
    # Sorted publication times of each segment, by segment id: segments never change once written.
    _published: dict[str, tuple[array, array]] = {}

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

    def _searcher(self):
        target = os.path.realpath(self.path)
        cache = self._local.__dict__.setdefault("searchers", {})
        cached = cache.pop(str(self.path), None)
        if cached is not None:
            searcher, cached_target = cached
            try:
                # Not Searcher.refresh(): it reuses the readers of unchanged segment ids, and so misses
                # deletions committed to those segments since.
                if cached_target == target and os.path.isdir(target) and searcher.up_to_date():
                    cache[str(self.path)] = (searcher, target)
                    return searcher
            except Exception:  # noqa: BLE001 — the folder changed under us: open it afresh below
                pass
            try:
                searcher.close()
            except Exception:  # noqa: BLE001
                pass
        try:
            searcher = self._open().searcher()
        except IndexUnavailable:
            raise
        except Exception as exc:  # segment files missing or truncated
            raise IndexUnavailable(str(exc)) from exc
        cache[str(self.path)] = (searcher, target)
        return searcher

    def _term(self, schema, field: str, word: str) -> str:
        tokens = [t.text for t in schema[field].analyzer(word)]
        return tokens[0] if tokens else word

    def _text_query(self, schema, parsed: ParsedQuery):
        parts = []
        for word in parsed.words:
            parts.append(Or([Term(f, self._term(schema, f, word)) for f in TEXT_FIELDS]))
        for phrase in parsed.phrases:
            parts.append(Or([Phrase(f, [self._term(schema, f, w) for w in phrase])
                             for f in ("title", "body", "replies")]))
        query = And(parts) if parts else Every()
        excluded = [Term(f, self._term(schema, f, w)) for w in parsed.excluded for f in TEXT_FIELDS]
        if excluded:
            query = And([query, Not(Or(excluded))])
        return query

    def _filters(self, request: SearchRequest) -> list:
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
        return parts

    def _frequencies(self, searcher, parsed: ParsedQuery, filters: list) -> list[int]:
        """How many stories hold each required part of the query: cheap to read, and what a search costs."""
        schema, sizes = searcher.schema, []
        for word in parsed.words:
            sizes.append(max(searcher.doc_frequency(f, self._term(schema, f, word)) for f in TEXT_FIELDS))
        for phrase in parsed.phrases:
            sizes.append(min(searcher.doc_frequency("body", self._term(schema, "body", w)) for w in phrase))
        for part in filters:
            if isinstance(part, Term):
                sizes.append(searcher.doc_frequency(part.fieldname, part.text))
        return sizes

    def search(self, parsed: ParsedQuery, request: SearchRequest, withheld: Collection[int] = ()) -> SearchResults:
        """Search the index; `withheld` stories (no longer public, not yet removed from it) are left out of the
        hits, the count and the facets alike."""
        searcher = self._searcher()
        try:
            return self._search(searcher, parsed, request, withheld)
        except IndexUnavailable:
            raise
        except (OSError, ValueError, EOFError) as exc:  # a segment vanished or broke under an open searcher
            self._local.__dict__.get("searchers", {}).pop(str(self.path), None)
            raise IndexUnavailable(str(exc)) from exc

    def _search(self, searcher, parsed: ParsedQuery, request: SearchRequest,
                withheld: Collection[int] = ()) -> SearchResults:
        filters = self._filters(request)
        # Stories the index still holds that are no longer public: masked out of hits, counts and facets alike.
        options: dict = {"mask": Or([Term("id", str(i)) for i in sorted(withheld)])} if withheld else {}
        text_query = self._text_query(searcher.schema, parsed)
        # Filters join the query as zero-score parts, so the search steps through the smaller posting lists.
        query = And([text_query, *(ConstantScoreQuery(f, 0.0) for f in filters)]) if filters else text_query
        newest = request.sort == "newest" or parsed.empty
        if newest:
            options.update(sortedby="published", reverse=True)
        page = max(1, request.page)
        wanted = page * request.per_page
        limit = max(FACET_SAMPLE, wanted)

        stories = searcher.doc_count()
        sizes = self._frequencies(searcher, parsed, filters)
        if parsed.empty:
            sizes.append(stories)
        windowed = False
        if max(sizes) > WINDOW_FROM and stories:
            # Scoring every story that holds a very common word is what makes a search slow, so look among the
            # newest stories only: enough of them to expect the results a page and its facets need.
            share = 1.0
            for size in sizes:
                share *= size / stories
            keep = int(max(wanted, FACET_MIN) * 1.5 / max(share, 1e-9))
            while keep < stories:
                newest_stories = self._newest(searcher, keep)
                if newest_stories is None:
                    break
                results = searcher.search(And([query, ConstantScoreQuery(newest_stories, 0.0)]),
                                          limit=limit, terms=True, **options)
                if results.scored_length() >= min(wanted, limit) or keep * 4 >= stories * 2:
                    windowed = True
                    break
                keep *= 4
        if not windowed:
            # Every match is scored anyway (no part is common), so count them in the same pass.
            results = searcher.search(query, limit=limit, terms=True, optimize=False, **options)

        matched = results.scored_length()
        top = [docnum for _, docnum in results.top_n]
        stems = self._stems(searcher.schema, parsed)
        hits = []
        for docnum in top[(page - 1) * request.per_page: wanted]:
            fields = searcher.stored_fields(docnum)
            hits.append(Hit(int(fields["id"]), fields["title"], snippet(fields["body"], stems)))
        notes = []
        if windowed:
            total, lower_bound = matched, True
            if len(parsed.words) == 1 and not (parsed.phrases or parsed.excluded or filters):
                total = max(total, sizes[0])  # stories holding the word in any one field: a true lower bound
            notes.append("These words are in a great many stories, so the results come from the most recent of "
                         "them. Add a word or a filter to narrow your search.")
        else:
            total, lower_bound = len(results), False
        return SearchResults(hits=hits, total=total, total_is_lower_bound=lower_bound,
                             facets=self._facets(searcher, top[:FACET_SAMPLE]),
                             suggestion=self._suggest(searcher, parsed), notes=notes)

    def _segments_by_time(self, searcher) -> list[tuple[str, array, array]]:
        """Each segment's publication times in order, with the document numbers in the same order."""
        out, live = [], set()
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            key = reader.segment().segment_id()
            live.add(key)
            if key not in self._published:
                pairs = sorted((value, docnum) for docnum, value in enumerate(reader.column_reader("published")))
                self._published[key] = (array("q", (v for v, _ in pairs)), array("l", (d for _, d in pairs)))
            times, docnums = self._published[key]
            out.append((key, times, docnums))
        if len(self._published) > 4 * len(live) + 16:  # segments merged away since
            for key in [k for k in self._published if k not in live]:
                self._published.pop(key, None)
        return out

    def _newest(self, searcher, keep: int) -> _Docnums | None:
        """About the `keep` most recently published stories, segment by segment (None: that is all of them)."""
        segments = self._segments_by_time(searcher)
        if keep >= sum(len(times) for _, times, _ in segments):
            return None
        low = min(times[0] for _, times, _ in segments if times)
        high = max(times[-1] for _, times, _ in segments if times)
        # The latest time from which at least `keep` stories were published (deleted ones count: a few extra).
        while low < high:
            middle = (low + high + 1) // 2
            if sum(len(times) - bisect_left(times, middle) for _, times, _ in segments) >= keep:
                low = middle
            else:
                high = middle - 1
        return _Docnums({key: sorted(docnums[bisect_left(times, low):]) for key, times, docnums in segments})

    def _stems(self, schema, parsed: ParsedQuery) -> set[str]:
        words = parsed.words + [w for phrase in parsed.phrases for w in phrase]
        return {self._term(schema, "body", w) for w in words}

    def _facets(self, searcher, docnums: list[int]) -> dict[str, list[tuple[str, int]]]:
        # Counted over the best FACET_SAMPLE matches from the columns: honest and fast whatever the query.
        # Opening a column reads its offsets: once per open searcher, not once per search.
        columns = searcher.__dict__.get("_storyloop_columns")
        if columns is None:
            reader = searcher.reader()
            columns = searcher.__dict__["_storyloop_columns"] = (reader.column_reader("provider"),
                                                                  reader.column_reader("tagset"))
        providers, tagsets = columns
        provider_counts: Counter[str] = Counter()
        tag_counts: Counter[str] = Counter()
        for docnum in docnums:
            if code := providers[docnum]:
                provider_counts[code] += 1
            if tagset := tagsets[docnum]:
                tag_counts.update(tagset.decode().split(","))
        return {name: sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
                for name, counts in (("provider", provider_counts), ("tags", tag_counts))}

    def _suggest(self, searcher, parsed: ParsedQuery) -> str | None:
        changed, words = False, []
        for word in parsed.words:
            if any(searcher.doc_frequency(f, self._term(searcher.schema, f, word)) for f in ("body", "title")):
                words.append(word)
                continue
            best = self._closest(searcher, word)
            if best and best != word:
                words.append(best)
                changed = True
            else:
                words.append(word)
        return " ".join(words) if changed else None

    def _closest(self, searcher, word: str) -> str | None:
        """The most common indexed word within two edits, sharing the first letter (as most misspellings do)."""
        if len(word) < 3:
            return None
        for distance in (1, 2):
            candidates = set()
            # Each segment's own reader walks its word list with an automaton; a multi-segment reader would
            # compare the word with every term instead.
            for sub, _ in searcher.leaf_searchers():
                candidates.update(sub.reader().terms_within("body", word, distance, prefix=1))
            candidates.discard(word)
            if candidates:
                return max(sorted(candidates), key=lambda c: searcher.doc_frequency(
                    "body", self._term(searcher.schema, "body", c)))
        return None

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
        count, writer = 0, None
        try:
            for doc in documents:
                if writer is None:
                    # The multiprocessing writer uses both cores. Each batch is committed as segments of its
                    # own, small enough for its postings to be sorted in memory: past `limitmb` Whoosh pickles
                    # every posting to disk and back, which costs more than the indexing itself.
                    writer = ix.writer(procs=procs, limitmb=REBUILD_LIMIT_MB, multisegment=True) if procs > 1 \
                        else ix.writer(limitmb=REBUILD_LIMIT_MB)
                writer.add_document(**_fields(doc))
                count += 1
                progress(1)
                if count % REBUILD_BATCH == 0:
                    writer.commit(merge=False)
                    writer = None
            if writer is not None:
                writer.commit(merge=False)
        except BaseException:
            if writer is not None:
                writer.cancel()
            ix.close()
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        ix.close()
        self._swap(fresh)
        return count

    def _swap(self, fresh: Path) -> None:
        link = self.path
        old_target = link.resolve() if link.is_symlink() else None
        if link.exists() and not link.is_symlink():
            # A real folder (an older layout, or made by hand): move it aside once.
            link.rename(link.with_name(f"{link.name}.old.{os.getpid()}"))
        # Unique per call: two workers (threads of one process, too) may finish a rebuild at the same moment.
        tmp_link = link.with_name(f"{link.name}.swap.{os.getpid()}.{uuid.uuid4().hex}")
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        os.symlink(fresh.name, tmp_link)
        os.replace(tmp_link, link)  # atomic: readers see the old index or the new one
        if old_target is not None and old_target != fresh.resolve():
            shutil.rmtree(old_target, ignore_errors=True)


def _epoch(value) -> int:
    return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
_stem = lru_cache(maxsize=50_000)(stem)
SNIPPET_CHARS = 300


def snippet(text: str, stems: set[str], sentences: int = 2) -> str:
    """Up to two sentences holding a searched word, escaped, with the words that matched in <mark>.

    Cheaper than re-analysing the whole story as Whoosh's highlighter does: stop at the second sentence.
    """
    picked = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        marked = _mark(sentence, stems) if sentence else None
        if marked:
            picked.append(marked)
            if len(picked) == sentences:
                break
    if not picked:
        return str(escape(text[:240])) + ("…" if len(text) > 240 else "")
    return " … ".join(picked)


def fresh_snippet(text: str, parsed: ParsedQuery) -> str:
    """A snippet of text the index has not seen yet (a story changed since it was indexed)."""
    words = parsed.words + [w for phrase in parsed.phrases for w in phrase]
    return snippet(text, {_stem(w.lower()) for w in words})


def _mark(sentence: str, stems: set[str]) -> str | None:
    spans = [m.span() for m in _TOKEN.finditer(sentence) if _stem(m.group(0).lower()) in stems]
    if not spans:
        return None
    start = 0
    if len(sentence) > SNIPPET_CHARS:  # a long sentence: the part around its first match
        start = max(0, spans[0][0] - SNIPPET_CHARS // 3)
        start = sentence.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(sentence), start + SNIPPET_CHARS)
    out, at = ["…" if start else ""], start
    for left, right in spans:
        if left < start or right > end:
            continue
        out.append(str(escape(sentence[at:left])))
        out.append(f'<mark class="match">{escape(sentence[left:right])}</mark>')
        at = right
    out.append(str(escape(sentence[at:end])) + ("…" if end < len(sentence) else ""))
    return "".join(out)


def _fields(doc: StoryDocument) -> dict:
    return {
        "id": str(doc.id), "title": doc.title, "body": doc.body, "replies": doc.replies,
        "providers": doc.providers, "tags_text": doc.tags_text, "provider": doc.provider_code,
        "within": ",".join(str(i) for i in doc.within), "tags": ",".join(doc.tags),
        "tagset": ",".join(doc.tags).encode(), "month": doc.month,
        "criticality": doc.criticality or 0, "status": doc.response_status,
        "published": int(doc.published_at.timestamp()),
    }
