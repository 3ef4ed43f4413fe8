"""What a search asks and answers: the typed query made safe (words, "exact phrases", -exclusions), the request
with its filters, the results, and what a backend says of its own health."""
from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from app.text import normalise

MAX_QUERY = 300
MAX_TERMS = 20


def _combining_marks() -> str:
    r"""Every combining mark (Unicode categories Mn, Mc, Me) as the inside of a regex character class. Python's
    `\w` leaves them out, so without them a word of Sinhala, Devanagari, Tamil… falls apart at each vowel sign
    and virama into letters too short to index, and cannot be found."""
    ranges, start, last = [], None, None
    for code in range(0x300, sys.maxunicode + 1):
        if unicodedata.category(chr(code))[0] == "M":
            if start is None:
                start = code
            elif code != last + 1:
                ranges.append((start, last))
                start = code
            last = code
    if start is not None:
        ranges.append((start, last))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)


MARKS = _combining_marks()
JOINERS = "\u200c\u200d"
# A word: letters, digits and combining marks, joined by a zero-width joiner where a script or an emoji needs one
# (ශ්‍රී is one word); a zero-width non-joiner separates, as Persian uses it between a prefix and its word.
# Both backends' analysers and the query's words read words this way (whoosh_schema.ANALYSER).
WORD_EXPRESSION = rf"[\w{MARKS}]+(?:(?:\.|\u200d+)[\w{MARKS}]+)*"
_WORD = re.compile(rf"[\w{MARKS}\u200d'’-]+(?:&[\w{MARKS}\u200d'’-]+)*", re.UNICODE)  # "A&E" is one word
CARE_WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "care_words.txt"


@dataclass
class ParsedQuery:
    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what we did to the query, told to the reader
    # One group per searched word or phrase (words, then phrases): its alternatives from the care-words list,
    # each a list of words (one word: a term; several: a phrase). Set by parse(); a backend matches a group
    # when any alternative matches.
    groups: list[list[list[str]]] = field(default_factory=list)
    # All groups must match (the default); True: any of them (the fallback when none held every word).
    match_any: bool = False

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases)


def index_word(word: str) -> str:
    """A word as the index holds it: a word with "&" spelled out ("a&e" -> "aande"), since the analysers of
    both backends would drop the "&" and its one-letter neighbours."""
    return word.replace("&", "and") if "&" in word else word


@lru_cache(maxsize=2)
def care_words(path: str = str(CARE_WORDS_FILE)) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Each word or phrase of the care-words list -> every alternative of every line it is on."""
    found: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        alternatives = [tuple(_words(a)) for a in line.split("|") if _words(a)]
        for alternative in alternatives:
            known = found.setdefault(alternative, [])
            known.extend(a for a in alternatives if a not in known)
    return found


def spelled_aliases(text: str) -> str:
    """The spelled-out forms of the words holding "&" in a story's text, for the index to hold beside it."""
    return " ".join(dict.fromkeys(index_word(w) for w in _words(text) if "&" in w))


def expand(parsed: ParsedQuery) -> ParsedQuery:
    """Give each searched word and phrase its alternatives from the care-words list (phrases of the list are
    recognised among the searched words too: "accident and emergency" typed as three words)."""
    synonyms = care_words()
    longest = max((len(k) for k in synonyms), default=1)
    groups: list[list[list[str]]] = []
    words, i = parsed.words, 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            key = tuple(words[i:i + size])
            if key in synonyms:
                groups.append([[index_word(w) for w in alt] for alt in synonyms[key]])
                i += size
                break
        else:
            groups.append([[index_word(words[i])]])
            i += 1
    for phrase in parsed.phrases:
        alternatives = synonyms.get(tuple(phrase), [tuple(phrase)])
        groups.append([[index_word(w) for w in alt] for alt in alternatives])
    parsed.groups = groups
    return parsed


def _words(text: str) -> list[str]:
    return [w.strip("'’-").lower() for w in _WORD.findall(text) if w.strip("'’-")]


def parse(raw: str) -> ParsedQuery:
    """Never fails: whatever comes in, the result is a query we can run (possibly empty) and notes."""
    parsed = ParsedQuery()
    # Controls and invisible formatting become spaces; the joiners the normaliser kept are parts of words.
    text = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in JOINERS else " "
                   for ch in normalise(raw, multiline=False))
    if len(text) > MAX_QUERY:
        text = text[:MAX_QUERY]
        parsed.notes.append(f"Your search was long, so only its first {MAX_QUERY} characters were used.")
    if text.count('"') % 2:
        text += '"'
        parsed.notes.append("A quotation mark was not closed, so the phrase runs to the end of your search.")
    for match in re.finditer(r'(-?)"([^"]*)"|(\S+)', text):
        negate, phrase, token = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            words = _words(phrase)
            if negate and words:
                parsed.excluded.extend(words)
            elif len(words) == 1:
                parsed.words.append(words[0])
            elif words:
                parsed.phrases.append(words)
            continue
        if token.startswith("-") and len(token) > 1:
            parsed.excluded.extend(_words(token[1:]))
            continue
        words = _words(token)
        if not words:
            if token.strip("-+*?~^()[]{}:!&|"):
                continue
            parsed.notes.append(f"“{token}” on its own means nothing to the search, so it was left out.")
            continue
        parsed.words.extend(words)
    if len(parsed.words) + len(parsed.phrases) > MAX_TERMS:
        parsed.words = parsed.words[:MAX_TERMS]
        parsed.phrases = parsed.phrases[: max(0, MAX_TERMS - len(parsed.words))]
        parsed.notes.append(f"Only the first {MAX_TERMS} words were used.")
    if parsed.empty and parsed.excluded:
        parsed.notes.append("A search needs at least one word to look for, not only words to leave out.")
    parsed.excluded = [index_word(w) for w in parsed.excluded]
    return expand(parsed)


@dataclass
class SearchRequest:
    text: str = ""
    provider_id: int | None = None
    tag: str | None = None
    response_status: str | None = None
    criticality: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"  # or "newest"
    page: int = 1
    per_page: int = 20


@dataclass
class Hit:
    story_id: int
    title: str
    snippet: str  # HTML with <mark> around matched words (escaped otherwise)
    # Filled from the database by the search service for the page's hits (services._public_now).
    provider_code: str = ""
    chain: str = ""  # "Ward 7 · Riverside General Hospital · Riverside Health NHS Foundation Trust"
    kind_label: str = ""
    happened: date | None = None
    response_status: str = ""
    criticality: int | None = None


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    total_is_lower_bound: bool = False
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    notes: list[str] = field(default_factory=list)
    unavailable: bool = False


@dataclass
class Health:
    """Whether a backend can serve searches now, and a sentence for the people running the site."""

    available: bool
    detail: str
    documents: int | None = None  # stories the index holds, when the backend can tell cheaply


class SearchUnavailable(Exception):
    """The backend cannot search now (no index yet, or one that cannot be read): the page says search is
    being rebuilt, and the worker rebuilds it."""
