"""Automatic flags that help moderators: personal data, abuse, duplicates and very short text."""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

FLAG_KINDS = {
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
    found: list[Flag] = []
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


def flag_kinds(title: str, body: str, others: list[str]) -> list[str]:
    """The kinds of flag a story carries: its spans' kinds, plus short and duplicate."""
    kinds = {f.kind for f in find_flags(title)} | {f.kind for f in find_flags(body)}
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
