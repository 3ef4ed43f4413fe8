"""The PostgreSQL backend: a weighted tsvector on each story, GIN-indexed, written in the same transaction."""
from __future__ import annotations

import difflib
import math
import re
import time
from collections.abc import Callable, Collection, Iterable

from markupsafe import escape
from sqlalchemy import Integer, Select, any_, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.directory.models import Provider
from app.directory.services import descendant_ids
from app.search.documents import StoryDocument
from app.search.query import Health, Hit, ParsedQuery, SearchRequest, SearchResults
from app.stories.models import PUBLISHED, Story, Tag, story_tags

COUNT_CAP = 10_000
FACET_SAMPLE = 1000
WINDOW_FROM = 2000  # more expected matches than this: rank among the newest WINDOW_SAMPLE matches only
WINDOW_SAMPLE = 300
WINDOW_VISITS = 4000  # at most about this many stories walked, newest first, to fill the window
WALK_LIMIT = 10_000  # and never more than this many, whatever the statistics expected (about 120 ms at most)
SCOPE_FIRST = 3000  # a provider's subtree with at most this many stories: read them, then match the words
STATS_SECONDS = 300  # how long a process keeps PostgreSQL's lexeme statistics before reading them again
_vocabulary_cache: dict[str, tuple[float, set[str]]] = {}
_stats_cache: dict[str, tuple[float, tuple[float, dict[str, float], float] | None]] = {}
OPEN, CLOSE = "\u27e6", "\u27e7"  # marks ts_headline puts round matches; replaced by <mark> after escaping

VECTOR = text(
    "setweight(to_tsvector('english', :title), 'A') || setweight(to_tsvector('english', :body), 'B') || "
    "setweight(to_tsvector('english', :replies), 'C') || setweight(to_tsvector('english', :extra), 'D')"
)


def _among(column, ids: list[int]):
    """column = ANY(:ids): one array parameter, where IN would bind (and compile) one per id."""
    return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))


class PostgresBackend:
    """Vectors in the stories table, written in the transaction of the change itself (before its commit)."""

    name = "postgres"

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def transactional(self) -> bool:
        # Only PostgreSQL has the vectors; on another database (a setting `flask check` reports) nothing is
        # written before the commit, and the queue keeps the stories.
        return self.session.get_bind().dialect.name == "postgresql"

    def health(self) -> Health:
        """Nothing to lose or rebuild on its own: the vectors live with the stories, so only the database counts."""
        if not self.transactional:
            return Health(False, "SEARCH_BACKEND=postgres needs a PostgreSQL database; use whoosh with SQLite.")
        return Health(True, "Search vectors are kept in the stories table, written with each change.")

    def available(self) -> bool:
        """Shorthand for health().available (the admin site page asks this)."""
        return self.health().available

    # ---------------------------------------------------------------- writing (in the caller's transaction)

    def index(self, documents: Iterable[StoryDocument]) -> None:
        """Write these stories' vectors in the session's transaction: they commit with it, or not at all."""
        for doc in documents:
            self.session.execute(
                update(Story).where(Story.id == doc.id).values(search_vector=VECTOR.bindparams(
                    title=doc.title, body=doc.body, replies=doc.replies,
                    extra=f"{doc.providers} {doc.tags_text} {doc.aliases}"))
                .execution_options(synchronize_session=False))

    def remove(self, story_ids: Iterable[int]) -> None:
        """Clear these stories' vectors (a story without one is never matched)."""
        ids = list(story_ids)
        if ids:
            self.session.execute(update(Story).where(Story.id.in_(ids)).values(search_vector=None)
                                 .execution_options(synchronize_session=False))

    def rebuild(self, documents: Iterable[StoryDocument], progress: Callable[[int], None] = lambda n: None,
                procs: int = 2) -> int:
        """Write every given story's vector, committing every thousand, then clear the vectors of stories not
        published. `procs` is the Whoosh writer's: here the database does the work."""
        count = 0
        for doc in documents:
            self.index([doc])
            count += 1
            progress(1)
            if count % 1000 == 0:
                self.session.commit()
        self.session.execute(update(Story).where(Story.status != PUBLISHED).values(search_vector=None)
                             .execution_options(synchronize_session=False))
        self.session.commit()
        return count

    # ---------------------------------------------------------------- reading

    @staticmethod
    def _tsquery(parsed: ParsedQuery):
        """The groups of the query (each searched word or phrase with its care-word alternatives) as one
        tsquery: alternatives joined by OR, groups by AND (OR when the search fell back to any word), then the
        excluded words taken out."""
        groups = []
        for group in _groups(parsed):
            alternatives = [func.phraseto_tsquery("english", " ".join(a)) if len(a) > 1
                            else func.plainto_tsquery("english", a[0]) for a in group]
            combined = alternatives[0]
            for alternative in alternatives[1:]:
                combined = combined.op("||")(alternative)
            groups.append(combined)
        query = groups[0]
        for group in groups[1:]:
            query = query.op("||" if parsed.match_any else "&&")(group)
        for word in parsed.excluded:
            query = query.op("&&")(func.tsquery_not(func.plainto_tsquery("english", word)))
        return query

    def _base(self, request: SearchRequest, tsquery, scope: list[int] | None = None) -> Select:
        """Published stories matching the query and filters; scope is the provider's subtree when the search
        has one, read first (as values, the planner estimates them from the column's statistics)."""
        stmt = select(Story.id).where(Story.status == PUBLISHED)
        if tsquery is not None:
            stmt = stmt.where(Story.search_vector.op("@@")(tsquery))
        if scope is not None:
            stmt = stmt.where(Story.provider_id.in_(scope))
        if request.tag:
            stmt = stmt.where(Story.id.in_(select(story_tags.c.story_id).join(Tag, Tag.id == story_tags.c.tag_id)
                                           .where(Tag.slug == request.tag)))
        if request.response_status:
            stmt = stmt.where(Story.response_status == request.response_status)
        if request.criticality is not None:
            stmt = stmt.where(Story.criticality == request.criticality)
        if request.date_from:
            stmt = stmt.where(func.date(Story.published_at) >= request.date_from)
        if request.date_to:
            stmt = stmt.where(func.date(Story.published_at) <= request.date_to)
        return stmt

    def _expected_share(self, parsed: ParsedQuery) -> tuple[float, float]:
        """(stories with a vector, about what share of them match): PostgreSQL's own statistics of the vector
        column (most common lexemes and their frequencies, kept by ANALYZE), so no search is run to find out.
        Each group (a word or a phrase, with its care-word alternatives) is taken as the share holding every
        word of any alternative (for a phrase, more than hold the words in order: its walk is bounded below)."""
        stats = _lexeme_stats(self.session)
        groups = _groups(parsed)
        if stats is None or not groups:
            return 0.0, 0.0
        rows, frequencies, rare = stats
        words = sorted({word for group in groups for alternative in group for word in alternative})
        lexemes = dict(zip(words, self._lexemes(words), strict=True))
        # PostgreSQL leaves out what has no lexeme (stop words): an alternative, a group, or the whole query,
        # which then matches nothing.
        shares = []
        for group in groups:
            alternatives = [[lexeme for word in alternative for lexeme in lexemes[word]] for alternative in group]
            if any(alternatives):
                shares.append(min(sum(math.prod(frequencies.get(lexeme, rare) for lexeme in alternative)
                                      for alternative in alternatives if alternative), 1.0))
        if not shares:
            return rows, 0.0
        if parsed.match_any:
            return rows, min(sum(shares), 1.0)
        return rows, math.prod(shares)

    def _lexemes(self, words: list[str]) -> list[list[str]]:
        """Each word as the lexemes PostgreSQL indexes it by (none for a stop word)."""
        return [found or [] for found in self.session.execute(
            text("SELECT tsvector_to_array(to_tsvector('english', w)) FROM unnest(CAST(:words AS text[])) AS w"),
            {"words": list(words)}).scalars()]

    def search(self, parsed: ParsedQuery, request: SearchRequest, withheld: Collection[int] = ()) -> SearchResults:
        """Search the vectors. They change in the same transaction as the stories, and only published stories
        are read, so nothing needs withholding here."""
        session = self.session
        tsquery = None if parsed.empty else self._tsquery(parsed)
        scope = None
        if request.provider_id is not None:
            scope = descendant_ids(session, request.provider_id)
        base = self._base(request, tsquery, scope)
        newest = [Story.published_at.desc(), Story.id.desc()]
        ranked = tsquery is not None and request.sort != "newest"
        order = [func.ts_rank_cd(Story.search_vector, tsquery).desc(), Story.id.desc()] if ranked else newest
        headline = (func.ts_headline("english", Story.body, tsquery,
                                     f"StartSel={OPEN}, StopSel={CLOSE}, MaxFragments=2, MaxWords=35, MinWords=12")
                    if tsquery is not None else func.substr(Story.body, 1, 240))
        offset = (request.page - 1) * request.per_page
        notes = []
        rows_with_vector, share = self._expected_share(parsed)
        in_scope = None
        if tsquery is not None and scope is not None:
            # The subtree's stories (with the other filters), counted through the provider index.
            in_scope = session.scalar(select(func.count()).select_from(self._base(request, None, scope).subquery()))
        expected = (in_scope if in_scope is not None else rows_with_vector) * share
        if tsquery is not None and expected > WINDOW_FROM:
            # Ranking or counting every story that holds a very common word reads most of the table: take the
            # newest matches (the publication-time index finds them, walking fewer stories the commoner the
            # words) and rank within those.
            window = max(request.page * request.per_page, min(WINDOW_SAMPLE, int(WINDOW_VISITS * share)))
            # The walk stops at the newest WALK_LIMIT stories: the statistics say how many hold the words, not
            # how many hold them in a phrase's order, and a phrase of common words few people wrote would
            # otherwise walk every story (seconds at 1,000,000). Read once: the later queries (page, facets)
            # take the ids rather than repeat the scan.
            walk = (self._base(request, None, scope)
                    .with_only_columns(Story.id, Story.search_vector, Story.published_at)
                    .order_by(*newest).limit(WALK_LIMIT).subquery("newest"))
            recent = session.scalars(select(walk.c.id).where(walk.c.search_vector.op("@@")(tsquery))
                                     .order_by(walk.c.published_at.desc(), walk.c.id.desc())
                                     .limit(window)).all()
            in_window = select(Story.id).where(_among(Story.id, recent))
            found = len(recent)
            rows = session.execute(in_window.with_only_columns(Story.id, Story.title, headline).order_by(*order)
                                   .limit(request.per_page).offset(offset)).all()
            # Fewer than the window, but only among the newest WALK_LIMIT: there may be more further back.
            walked_all = (in_scope if in_scope is not None else rows_with_vector) <= WALK_LIMIT
            total, lower_bound = found, found >= window or not walked_all
            facets = self._facets(recent)
            if lower_bound:
                notes.append("These words are in a great many stories, so the results come from the most recent "
                             "of them. Add a word or a filter to narrow your search.")
        else:
            # Few matches: find them once, in order (with their number, up to the cap), then read the page's
            # rows and the facets by id rather than matching the words again for each.
            if tsquery is not None and in_scope is not None and in_scope <= SCOPE_FIRST:
                # A small subtree: read its stories through the provider index, then match the words among
                # them, rather than ask the word index for every story in the land that holds them.
                subtree = (self._base(request, None, scope)
                           .with_only_columns(Story.id, Story.search_vector, Story.published_at)
                           .cte("subtree_stories").prefix_with("MATERIALIZED"))
                matches = select(subtree.c.id).where(subtree.c.search_vector.op("@@")(tsquery)).order_by(
                    *([func.ts_rank_cd(subtree.c.search_vector, tsquery).desc(), subtree.c.id.desc()] if ranked
                      else [subtree.c.published_at.desc(), subtree.c.id.desc()]))
            else:
                matches = base.order_by(*order)
            ids = session.scalars(matches.limit(COUNT_CAP + 1)).all()
            total, lower_bound = min(len(ids), COUNT_CAP), len(ids) > COUNT_CAP
            page_ids = ids[offset:offset + request.per_page]
            found_rows = {r[0]: r for r in session.execute(
                select(Story.id, Story.title, headline).where(_among(Story.id, page_ids)))}
            rows = [found_rows[i] for i in page_ids if i in found_rows]
            facets = self._facets(ids[:FACET_SAMPLE])
        hits = [Hit(story_id, title, _marks(snippet)) for story_id, title, snippet in rows]
        # Every word of a search that found stories is in them: only a fruitless search looks for misspellings.
        suggestion = self._suggest(parsed, request, scope) if not total else None
        return SearchResults(hits=hits, total=total, total_is_lower_bound=lower_bound, facets=facets,
                             suggestion=suggestion, notes=notes)

    def _facets(self, ids: list[int]) -> dict[str, list[tuple[str, int]]]:
        if not ids:
            return {"provider": [], "tags": []}
        providers = self.session.execute(
            select(Provider.code, func.count()).join(Story, Story.provider_id == Provider.id)
            .where(_among(Story.id, ids)).group_by(Provider.code)
            .order_by(func.count().desc(), Provider.code).limit(15)).all()
        tags = self.session.execute(
            select(Tag.slug, func.count()).join(story_tags, story_tags.c.tag_id == Tag.id)
            .where(_among(story_tags.c.story_id, ids)).group_by(Tag.slug)
            .order_by(func.count().desc(), Tag.slug).limit(15)).all()
        return {"provider": [tuple(r) for r in providers], "tags": [tuple(r) for r in tags]}

    def _vocabulary(self) -> set[str]:
        """Words of the 2,000 newest published stories, to suggest from: read at most every few minutes."""
        key = "vocabulary:" + str(self.session.get_bind().url)
        cached = _vocabulary_cache.get(key)
        if cached and time.monotonic() - cached[0] < STATS_SECONDS:
            return cached[1]
        recent = self.session.execute(select(Story.title, Story.body).where(Story.status == PUBLISHED)
                                      .order_by(Story.published_at.desc()).limit(2000))
        vocabulary = {w for title, body in recent for w in re.findall(r"[a-z']{3,}", f"{title} {body}".lower())}
        _vocabulary_cache[key] = (time.monotonic(), vocabulary)
        return vocabulary

    def _found(self, word: str, request: SearchRequest, scope: list[int] | None) -> bool:
        stats = _lexeme_stats(self.session)
        if stats is not None and not request.provider_id and not request.tag:
            [lexemes] = self._lexemes([word])
            if lexemes and all(lexeme in stats[1] for lexeme in lexemes):
                return True  # a common word: PostgreSQL's statistics list it
        # No LIMIT: with one, the planner walks the table hoping for an early match instead of asking the
        # GIN index, and a word nobody used costs a scan of every story.
        return bool(self.session.scalar(select(func.count()).select_from(
            self._base(request, func.plainto_tsquery("english", word), scope).subquery())))

    def _suggest(self, parsed: ParsedQuery, request: SearchRequest, scope: list[int] | None) -> str | None:
        missing = [w for w in parsed.words if not self._found(w, request, scope)]
        if not missing:
            return None
        vocabulary = self._vocabulary()
        changed, words = False, []
        for word in parsed.words:
            if word in missing:
                # Most misspellings keep the first letter and about the length: compare only with those.
                near = [w for w in vocabulary if w[0] == word[0] and abs(len(w) - len(word)) <= 2]
                close = difflib.get_close_matches(word, near, n=1, cutoff=0.75)
                if close:
                    words.append(close[0])
                    changed = True
                    continue
            words.append(word)
        return " ".join(words) if changed else None


def _lexeme_stats(session: Session) -> tuple[float, dict[str, float], float] | None:
    """(rows with a vector, lexeme -> share of them holding it, the share to assume for a lexeme not listed)."""
    key = str(session.get_bind().url)
    cached = _stats_cache.get(key)
    if cached and time.monotonic() - cached[0] < STATS_SECONDS:
        return cached[1]
    row = session.execute(text(
        "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, s.null_frac, c.reltuples "
        "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
        "WHERE s.tablename = 'stories' AND s.attname = 'search_vector' AND s.schemaname = current_schema()")).first()
    stats = None
    if row is not None and row[0] and row[1] and row[3] and row[3] > 0:
        elems, freqs = list(row[0]), list(row[1])
        # The array ends with the lowest and highest frequency and the share of empty rows, after one per lexeme.
        listed = dict(zip(elems, freqs[:len(elems)], strict=False))
        # A lexeme the statistics do not list is rarer than every listed one, but by how much they do not say:
        # taken as none, so its search is exact. That costs at most ranking the few thousand stories under
        # the lowest listed share, where guessing half that share sent a misspelt word (no story) to the
        # newest-first walk, which then read every story looking for one (5 s at 1,000,000 stories).
        stats = (row[3] * (1 - (row[2] or 0)), listed, 0.0)
    _stats_cache[key] = (time.monotonic(), stats)
    return stats


def _groups(parsed: ParsedQuery) -> list[list[list[str]]]:
    """Each searched word or phrase with its alternatives, each alternative a list of words."""
    return parsed.groups or [[[w]] for w in parsed.words] + [[p] for p in parsed.phrases]


def _marks(snippet: str | None) -> str:
    return str(escape(snippet or "")).replace(OPEN, '<mark class="match">').replace(CLOSE, "</mark>")

