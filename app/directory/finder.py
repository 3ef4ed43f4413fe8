"""The one service finder: what a person types (a name with typos or other words for it, a code, a postcode)
to the services they mean, best first, each with its chain and kind. Used wherever a person picks a service.

How it matches (the README's "How the service finder matches" says it for people):
* a code, exactly, comes first;
* a full or partial postcode: the same postcode, then the rest of its sector, then of its outward code;
* a name: both sides normalised and their equivalents made canonical (matching.py and
  data/equivalents.txt); every typed word matched against the words of the service's name and of the names
  above it (exact, the beginning of a word, or a word with a typo or two), so a hospital's name brings its
  wards, just after the hospital itself.
Candidates come from an in-process index of the directory's words (each word to the providers whose chain holds
it; typos by RapidFuzz over the distinct words, not over every name), on SQLite and PostgreSQL alike, so the
results agree. pg_trgm was measured first on PostgreSQL (bench/finder.py, 50,000 providers): a trigram search
of whole names costs 400 ms at the threshold typos need (the planner reads every row) and still 20 ms at one
that loses them, because service names share so many trigrams ("general", "hospital", place names).
"""
from __future__ import annotations

import threading
import time
from bisect import bisect_left
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.directory.matching import postcode_parts, tokens, word_score
from app.directory.models import KINDS, Provider
from app.directory.services import normalise_code, redirect_for
from app.text import single_line

QUERY_MAX = 200
MIN_SCORE = 0.45
CANDIDATES = 160  # scored at most per search
CHILD_FACTOR = 0.92  # a service found through the name of one above it ranks just below that one
KIND_ORDER = {kind: i for i, kind in enumerate(KINDS)}


@dataclass
class Match:
    id: int
    code: str
    name: str
    kind: str
    postcode: str | None
    active: bool
    chain: list[str]  # its own name, then the names above it, to the top
    score: float
    how: str  # "code", "postcode" or "name"

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def chain_text(self) -> str:
        """"Ward 7 · Riverside General Hospital · Riverside Health NHS Foundation Trust"."""
        return " · ".join(self.chain)

    @property
    def above(self) -> str:
        """The chain without the service's own name."""
        return " · ".join(self.chain[1:])


@dataclass
class _Row:
    id: int
    parent_id: int | None
    code: str
    name: str
    kind: str
    postcode: str | None
    active: bool
    words: list[str]


_COLUMNS = (Provider.id, Provider.parent_id, Provider.code, Provider.name, Provider.kind, Provider.postcode,
            Provider.active, Provider.match_name)


def _row(r) -> _Row:
    return _Row(r.id, r.parent_id, r.code, r.name, r.kind, r.postcode, bool(r.active), (r.match_name or "").split())


# ---------------------------------------------------------------- the finder

def find(session: Session, query: str | None, *, limit: int = 20, active_only: bool = True) -> list[Match]:
    """The services matching what was typed, best first (at most `limit`); none for an empty query."""
    typed = single_line(query)[:QUERY_MAX]
    if not typed:
        return []
    scored: dict[int, tuple[float, str]] = {}
    rows: dict[int, _Row] = {}
    words = tokens(typed)
    if words:
        source = _directory(session)
        ids, rows = source.candidates(words), source.rows
        memo: dict[tuple[str, str], float] = {}
        for pid in ids:
            row = rows.get(pid)
            if row is None or (active_only and not row.active):
                continue
            score = _name_score(words, row, rows, memo)
            if score >= MIN_SCORE:
                scored[pid] = (score, "name")
    extra = _by_code_or_postcode(session, typed, active_only)
    if extra:
        missing = [pid for pid in extra if pid not in rows]
        if missing:
            rows = {**rows, **_with_ancestors(session, missing)}
        for pid, score in extra.items():
            if score[0] > scored.get(pid, (0.0, ""))[0]:
                scored[pid] = score
    ranked = sorted(scored.items(), key=lambda kv: (-round(kv[1][0], 6), _depth(rows, kv[0]),
                                                     KIND_ORDER.get(rows[kv[0]].kind, 9), rows[kv[0]].name, kv[0]))
    return [_match(rows, pid, score, how) for pid, (score, how) in ranked[:limit]]


def _name_score(words: list[str], row: _Row, rows: dict[int, _Row], memo: dict) -> float:
    own = _words_score(words, row.words, memo)
    best = own + 0.02 if own else 0.0
    chain, depth, parent = list(row.words), 0, row.parent_id
    while parent is not None and depth < 8:
        above = rows.get(parent)
        if above is None:
            break
        chain.extend(above.words)
        depth += 1
        parent = above.parent_id
    if depth:
        best = max(best, CHILD_FACTOR * _words_score(words, chain, memo) - 0.01 * depth)
    return best


def _words_score(typed: list[str], words: list[str], memo: dict) -> float:
    """matching.words_score with each pair of words compared once per search."""
    if not words:
        return 0.0
    total, used = 0.0, set()
    for t in typed:
        best, at = 0.0, -1
        for index, w in enumerate(words):
            key = (t, w)
            s = memo.get(key)
            if s is None:
                s = memo[key] = word_score(t, w)
            if s > best:
                best, at = s, index
        total += best
        if at >= 0:
            used.add(at)
    return total / len(typed) + 0.05 * len(used) / len(words)


def _depth(rows: dict[int, _Row], pid: int) -> int:
    depth, parent = 0, rows[pid].parent_id
    while parent is not None and parent in rows and depth < 8:
        depth += 1
        parent = rows[parent].parent_id
    return depth


def _match(rows: dict[int, _Row], pid: int, score: float, how: str) -> Match:
    row, chain, parent, seen = rows[pid], [rows[pid].name], rows[pid].parent_id, {pid}
    while parent is not None and parent in rows and parent not in seen:
        seen.add(parent)
        chain.append(rows[parent].name)
        parent = rows[parent].parent_id
    return Match(row.id, row.code, row.name, row.kind, row.postcode, row.active, chain, round(score, 4), how)


def _by_code_or_postcode(session: Session, typed: str, active_only: bool) -> dict[int, tuple[float, str]]:
    found: dict[int, tuple[float, str]] = {}
    code = normalise_code(typed)[:40]
    stmt = select(Provider.id).where(Provider.code == code)
    if active_only:
        stmt = stmt.where(Provider.active.is_(True))
    for pid in session.scalars(stmt):
        found[pid] = (3.0, "code")
    parts = postcode_parts(typed)
    if parts is None:
        return found
    area, district, sector, unit = parts
    outward = area + district

    def rows(low: str, high: str, limit: int):
        # Stored postcodes are "OUT IN" (the importer and the forms normalise them): ranges the index answers.
        stmt = select(Provider.id, Provider.postcode).where(Provider.postcode >= low, Provider.postcode < high)
        if active_only:
            stmt = stmt.where(Provider.active.is_(True))
        return session.execute(stmt.limit(limit)).all()

    for pid, postcode in rows(f"{outward} ", f"{outward}!", 1000):
        inward = postcode.partition(" ")[2]
        if sector is not None and inward[:1] == sector:
            score = 1.5 if unit is not None and inward[1:] == unit else 1.3
        else:
            score = 1.2
        found[pid] = max(found.get(pid, (0.0, "")), (score, "postcode"))
    return found


def _with_ancestors(session: Session, ids: list[int]) -> dict[int, _Row]:
    """The rows of these providers and of every provider above them, in one query."""
    if not ids:
        return {}
    start = select(Provider.id, Provider.parent_id).where(Provider.id.in_(ids)).cte("up", recursive=True)
    start = start.union(select(Provider.id, Provider.parent_id).join(start, Provider.id == start.c.parent_id))
    return {r.id: _row(r) for r in session.execute(select(*_COLUMNS).where(Provider.id.in_(select(start.c.id))))}


# ---------------------------------------------------------------- the directory's words, in memory

_lock = threading.Lock()
_generation = {"n": 0}
_directories: dict[str, tuple[tuple, _Directory, float]] = {}
RECHECK_SECONDS = 2.0


@event.listens_for(Provider, "after_insert")
@event.listens_for(Provider, "after_update")
@event.listens_for(Provider, "after_delete")
def _directory_changed(mapper, connection, target) -> None:
    _generation["n"] += 1


class _Directory:
    """Every provider's words, an index from each word to the providers whose chain holds it, and the sorted
    vocabulary (prefixes by bisection, typos by RapidFuzz over the distinct words, not over every name)."""

    def __init__(self, rows: dict[int, _Row]) -> None:
        self.rows = rows
        self.postings: dict[str, set[int]] = {}
        self.own: dict[str, set[int]] = {}
        for row in rows.values():
            for w in row.words:
                self.own.setdefault(w, set()).add(row.id)
        # A provider's chain words: its own and those of every provider above it.
        for row in rows.values():
            chain, parent, seen = set(row.words), row.parent_id, {row.id}
            while parent is not None and parent in rows and parent not in seen:
                seen.add(parent)
                chain.update(rows[parent].words)
                parent = rows[parent].parent_id
            for w in chain:
                self.postings.setdefault(w, set()).add(row.id)
        self.vocabulary = sorted(self.postings)

    def _near(self, word: str) -> list[str]:
        found = [word] if word in self.postings else []
        if len(word) >= 2 and not word.isdigit():
            at = bisect_left(self.vocabulary, word)
            while at < len(self.vocabulary) and self.vocabulary[at].startswith(word) and len(found) < 200:
                found.append(self.vocabulary[at])
                at += 1
        if len(word) >= 4 and not word.isdigit():
            found.extend(w for w, _, _ in process.extract(word, self.vocabulary, scorer=fuzz.ratio,
                                                           score_cutoff=75, limit=25))
            found.extend(w for w, _, _ in process.extract(word, self.vocabulary, scorer=fuzz.ratio,
                                                           processor=lambda w, n=len(word): w[:n],
                                                           score_cutoff=80, limit=25))
        return found

    def candidates(self, words: list[str]) -> list[int]:
        sets, own_sets = [], []
        for word in dict.fromkeys(words):
            near = self._near(word)
            sets.append(set().union(*(self.postings[w] for w in near)) if near else set())
            own_sets.append(set().union(*(self.own.get(w, ()) for w in near)) if near else set())
        every = set.intersection(*sets)
        if len(every) < CANDIDATES and len(sets) > 1:
            # Not every word matched: those matching all but one (a word nobody's name has, say).
            for skip in range(len(sets)):
                rest = [s for i, s in enumerate(sets) if i != skip]
                every |= set.intersection(*rest)
                if len(every) >= CANDIDATES:
                    break
        if len(every) <= CANDIDATES:
            return list(every)
        # A very common word ("ward"): the names that hold every word themselves first.
        own = set.intersection(*own_sets) & every
        picked = sorted(own)[:CANDIDATES]
        if len(picked) < CANDIDATES:
            rest = every - own
            # Nearest the top first: a hospital found by its name before the wards its name brings.
            tops = sorted((pid for pid in rest if self.rows[pid].parent_id is None
                           or self.rows[pid].parent_id in own), key=lambda pid: pid)
            picked += tops[:CANDIDATES - len(picked)]
            if len(picked) < CANDIDATES:
                chosen = set(picked)
                picked += [pid for pid in sorted(rest) if pid not in chosen][:CANDIDATES - len(picked)]
        return picked


def _directory(session: Session) -> _Directory:
    """The directory's words, read again when providers changed: in this process at once (the mapper events
    above); in another, seen within RECHECK_SECONDS (the number of providers, the highest id or the latest
    update moved: reading those costs more than a search, so not every time)."""
    bind = session.get_bind()
    key = f"{bind.url}#{id(bind)}"
    cached = _directories.get(key)
    now = time.monotonic()
    if cached is not None and cached[0][0] == _generation["n"] and now - cached[2] < RECHECK_SECONDS:
        return cached[1]
    version = (_generation["n"], *session.execute(
        select(func.count(Provider.id), func.max(Provider.id), func.max(Provider.updated_at))).one())
    if cached is not None and cached[0] == version:
        _directories[key] = (version, cached[1], now)
        return cached[1]
    with _lock:
        rows = {r.id: _row(r) for r in session.execute(select(*_COLUMNS))}
        directory = _Directory(rows)
        _directories[key] = (version, directory, now)
    return directory



# ---------------------------------------------------------------- a service named in a filter

@dataclass
class Resolved:
    """What a filter's service field named: one provider, or (an unknown service) the close matches."""

    typed: str
    provider: Provider | None
    matches: list[Match]

    @property
    def unknown(self) -> bool:
        return bool(self.typed) and self.provider is None


def resolve(session: Session, typed: str | None, *, active_only: bool = False) -> Resolved:
    """A code (as before), or a name through the finder when it clearly means one service: its name as typed
    (equivalents and all), or a best match well ahead of the next. Anything else is unknown, with the close
    matches to offer; a filter never quietly drops it."""
    typed = single_line(typed)[:QUERY_MAX]
    if not typed:
        return Resolved("", None, [])
    by_code = session.scalar(select(Provider).where(Provider.code == normalise_code(typed)[:40])) \
        or redirect_for(session, normalise_code(typed)[:40])  # an old code, merged or changed: where it leads
    if by_code is not None:
        return Resolved(typed, by_code, [])
    matches = find(session, typed, limit=8, active_only=active_only)
    if matches:
        top = matches[0]
        same_name = tokens(top.name) == tokens(typed) and not any(
            tokens(m.name) == tokens(typed) for m in matches[1:])
        ahead = top.how == "name" and top.score >= 0.9 and (len(matches) == 1 or top.score - matches[1].score >= 0.05)
        if same_name or ahead:
            return Resolved(typed, session.get(Provider, top.id), matches)
    return Resolved(typed, None, matches)


def describe(session: Session, ids) -> dict[int, Match]:
    """These providers as the finder shows them (name, kind, chain), in one query: for lists that show a
    service beside each item (search results)."""
    rows = _with_ancestors(session, list(ids))
    return {pid: _match(rows, pid, 0.0, "id") for pid in ids if pid in rows}
