"""Automatic flags that help moderators: personal data, abuse, risk of harm, duplicates and very short text."""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

SAFEGUARDING = "safeguarding"
SAFEGUARDING_LIST = Path(__file__).parent / "data" / "safeguarding.txt"

FLAG_KINDS = {
    SAFEGUARDING: "Possible risk of harm (safeguarding)",
    "email": "Email address",
    "phone": "Phone number",
    "nhs_number": "NHS number",
    "postcode": "Postcode",
    "name": "Possible name",
    "abuse": "Abusive language",
    "duplicate": "Likely duplicate",
    "short": "Very short",
}
SHORT_TEXT = 150

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\d+])(?:\+44\s?\(?0?\)?\s?|\(?0)\d{2,4}\)?(?:[\s-]?\d){6,8}(?!\d)")
_NHS = re.compile(r"(?<!\d)(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?!\d)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}\b", re.IGNORECASE)
_TITLED_NAME = re.compile(
    r"\b(?:Dr|Doctor|Nurse|Sister|Matron|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Consultant|Midwife)\.?\s+"
    r"([A-Z][a-z'’-]+(?:[ -][A-Z][a-z'’-]+)?)"
)
# Deliberately short: words that are abusive in any context. Moderators judge the rest.
ABUSIVE_WORDS = (
    "fuck", "fucking", "fucked", "shit", "shite", "cunt", "bastard", "bastards", "bitch", "wanker", "twat",
    "prick", "dickhead", "arsehole", "asshole", "retard", "retarded", "scum", "slag", "whore", "moron", "idiots",
)
_ABUSE = re.compile(r"\b(?:" + "|".join(ABUSIVE_WORDS) + r")\b", re.IGNORECASE)




def _phrase_pattern(phrase: str) -> str:
    """One list line as a regular expression: whole words, any spacing between them, `*` for any ending."""
    words = []
    for word in phrase.split():
        stem = word.endswith("*")
        word = re.escape(word.rstrip("*"))
        # A hyphen in the list ("self-harm") also matches a space or nothing ("self harm", "selfharm").
        word = word.replace(r"\-", r"[\s-]?")
        words.append(word + (r"\w*" if stem else ""))
    return r"\b" + r"\s+".join(words) + r"\b"


@cache
def safeguarding_patterns(path: Path = SAFEGUARDING_LIST) -> tuple[re.Pattern, re.Pattern | None]:
    """The maintained list (see the file's header) as one pattern of phrases and one of exceptions."""
    phrases, exceptions = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().lower()
        if not line or line.startswith("#"):
            continue
        (exceptions if line.startswith("!") else phrases).append(_phrase_pattern(line.lstrip("!").strip()))
    # Longest first, so that "took an overdose" is one span rather than "overdose" inside it.
    phrases.sort(key=len, reverse=True)
    exceptions.sort(key=len, reverse=True)
    return (re.compile("|".join(phrases), re.IGNORECASE),
            re.compile("|".join(exceptions), re.IGNORECASE) if exceptions else None)


def safeguarding_spans(text: str) -> list[tuple[int, int]]:
    """Where the text may speak of a risk of harm: matches of the list outside its exceptions."""
    phrases, exceptions = safeguarding_patterns()
    excluded = [m.span() for m in exceptions.finditer(text)] if exceptions else []
    return [m.span() for m in phrases.finditer(text)
            if not any(start <= m.start() < end for start, end in excluded)]


@dataclass(frozen=True)
class Flag:
    kind: str
    start: int = 0
    end: int = 0

    @property
    def label(self) -> str:
        return FLAG_KINDS[self.kind]


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def find_flags(text: str) -> list[Flag]:
    """Spans of the text that may be personal data or abuse, in order, not overlapping."""
    found: list[Flag] = [Flag(SAFEGUARDING, start, end) for start, end in safeguarding_spans(text)]
    for m in _EMAIL.finditer(text):
        found.append(Flag("email", m.start(), m.end()))
    for m in _NHS.finditer(text):
        if nhs_number_is_valid("".join(m.groups())):
            found.append(Flag("nhs_number", m.start(), m.end()))
    for m in _PHONE.finditer(text):
        found.append(Flag("phone", m.start(), m.end()))
    for m in _POSTCODE.finditer(text):
        found.append(Flag("postcode", m.start(), m.end()))
    for m in _TITLED_NAME.finditer(text):
        found.append(Flag("name", m.start(), m.end()))
    for m in _ABUSE.finditer(text):
        found.append(Flag("abuse", m.start(), m.end()))
    # Keep the first of overlapping spans (an NHS number wins over the phone pattern it also matches).
    found.sort(key=lambda f: (f.start, list(FLAG_KINDS).index(f.kind)))
    spans: list[Flag] = []
    for flag in found:
        if spans and flag.start < spans[-1].end:
            continue
        spans.append(flag)
    return spans


def is_near_duplicate(a: str, b: str) -> bool:
    a, b = " ".join(a.lower().split()), " ".join(b.lower().split())
    if a == b:
        return True
    if min(len(a), len(b)) / max(len(a), len(b), 1) < 0.8:
        return False
    return SequenceMatcher(None, a, b, autojunk=False).quick_ratio() > 0.9 and \
        SequenceMatcher(None, a, b, autojunk=False).ratio() > 0.9


def text_flag_kinds(*texts: str) -> list[str]:
    """The kinds of flag found in any of the texts (a reply, a change, an answer), in FLAG_KINDS order.

    A safeguarding match counts even where another flag's span overlaps it and wins the highlight.
    """
    kinds: set[str] = set()
    for text in texts:
        kinds |= {f.kind for f in find_flags(text)}
        if safeguarding_spans(text):
            kinds.add(SAFEGUARDING)
    return [k for k in FLAG_KINDS if k in kinds]


def flag_kinds(title: str, body: str, others: list[str]) -> list[str]:
    """The kinds of flag a story carries: its spans' kinds, plus short and duplicate."""
    kinds = set(text_flag_kinds(title, body))
    if len(body) < SHORT_TEXT:
        kinds.add("short")
    if any(is_near_duplicate(body, other) for other in others):
        kinds.add("duplicate")
    return [k for k in FLAG_KINDS if k in kinds]


def highlight(text: str) -> list[tuple[str, Flag | None]]:
    """The text cut into (piece, flag) segments for the template to mark up."""
    segments: list[tuple[str, Flag | None]] = []
    at = 0
    for flag in find_flags(text):
        if flag.start > at:
            segments.append((text[at:flag.start], None))
        segments.append((text[flag.start:flag.end], flag))
        at = flag.end
    if at < len(text):
        segments.append((text[at:], None))
    return segments
