"""The Whoosh backend's reading half: searchers kept open per thread, queries, facets, the newest-first window
and spelling suggestions. Web processes only ever read; writing is whoosh_write's."""
from __future__ import annotations

import os
import threading
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection
from datetime import UTC, datetime

from whoosh.matching import ListMatcher, NullMatcher
from whoosh.query import And, ConstantScoreQuery, Every, Not, NumericRange, Or, Phrase, Query, Term

from app.search.query import Hit, ParsedQuery, SearchRequest, SearchResults
from app.search.snippets import snippet
from app.search.whoosh_schema import TEXT_FIELDS, IndexFolder, IndexUnavailable, term

FACET_SAMPLE = 1000  # facets are counted over at most this many of the best matches
FACET_MIN = 100  # a search among the newest stories aims to find at least this many matches
WINDOW_FROM = 5000  # a query part held by more stories than this makes the search look among the newest only


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


class WhooshReader(IndexFolder):
    """Searches an index folder. Safe in any number of threads and processes beside one writer."""

    # Searchers stay open between requests (opening an index costs more than most searches), one per thread
    # and index folder, refreshed when the worker has written and reopened when a rebuild swapped folders.
    _local = threading.local()
    # Sorted publication times of each segment, by segment id: segments never change once written.
    _published: dict[str, tuple[array, array]] = {}

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

    def _text_query(self, schema, parsed: ParsedQuery):
        """Each group (a searched word or phrase with its alternatives from the care-words list) matches when
        any alternative does; all groups must match, or any one when the search fell back to any word."""
        parts = []
        for group in parsed.groups:
            alternatives = []
            for alternative in group:
                if len(alternative) == 1:
                    alternatives += [Term(f, term(schema, f, alternative[0])) for f in TEXT_FIELDS]
                else:
                    alternatives += [Phrase(f, [term(schema, f, w) for w in alternative])
                                     for f in ("title", "body", "replies")]
            parts.append(Or(alternatives))
        query = (Or(parts) if parsed.match_any else And(parts)) if parts else Every()
        excluded = [Term(f, term(schema, f, w)) for w in parsed.excluded for f in TEXT_FIELDS]
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
            sizes.append(max(searcher.doc_frequency(f, term(schema, f, word)) for f in TEXT_FIELDS))
        for phrase in parsed.phrases:
            sizes.append(min(searcher.doc_frequency("body", term(schema, "body", w)) for w in phrase))
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
        return {term(schema, "body", w) for w in words}

    def _facets(self, searcher, docnums: list[int]) -> dict[str, list[tuple[str, int]]]:
        # Counted over the best FACET_SAMPLE matches from the columns: honest and fast whatever the query.
        if not docnums:
            # Nothing to count; and an index with no segment yet (a rebuild of a site with no published
            # story) has no columns to open: Whoosh's empty reader raises NotImplementedError for them.
            return {"provider": [], "tags": []}
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
            if any(searcher.doc_frequency(f, term(searcher.schema, f, word)) for f in ("body", "title")):
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
                    "body", term(searcher.schema, "body", c)))
        return None


def _epoch(value) -> int:
    return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())
