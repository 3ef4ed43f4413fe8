"""How a service's name and what someone typed are made comparable: one normaliser for both, the documented
equivalents list (app/directory/data/equivalents.txt), and the score of a typed query against a name."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from app.text import single_line

EQUIVALENTS_FILE = Path(__file__).parent / "data" / "equivalents.txt"
_APOSTROPHES = re.compile("['’‘`ʼ´]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
POSTCODE_AREA = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?)(?: ?([0-9])([A-Z]{2})?)?$")


@dataclass(frozen=True)
class Equivalents:
    """Phrase (a tuple of words) -> its canonical words, and the words that mean nothing in a name."""

    phrases: dict[tuple[str, ...], tuple[str, ...]]
    stop: frozenset[str]
    longest: int


def _plain(text: str) -> str:
    """Lower case words separated by single spaces: NFKC, the one text normaliser, no accents, no apostrophes,
    "&" read as "and", every other mark a space."""
    text = unicodedata.normalize("NFKC", single_line(text)).casefold()
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub("", text).replace("&", " and ")
    return " ".join(_NOT_WORD.sub(" ", text).split())


@lru_cache(maxsize=4)
def load_equivalents(path: str = str(EQUIVALENTS_FILE)) -> Equivalents:
    phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
    stop: set[str] = set()
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("- "):
            stop.update(_plain(word) for word in line[2:].split("|") if _plain(word))
            continue
        canonical, sep, alternatives = line.partition("=")
        if not sep:
            raise ValueError(f"{path}:{number}: expected `canonical = alternative | ...`")
        target = tuple(_plain(canonical).split())
        for alternative in alternatives.split("|"):
            key = tuple(_plain(alternative).split())
            if not key or key == target:
                continue
            if key in phrases and phrases[key] != target:
                raise ValueError(f"{path}:{number}: {' '.join(key)!r} already means {' '.join(phrases[key])!r}")
            phrases[key] = target
    return Equivalents(phrases, frozenset(stop), max((len(k) for k in phrases), default=1))


def tokens(text: str | None, equivalents: Equivalents | None = None) -> list[str]:
    """The words a name or a query is compared by: normalised, equivalents made canonical (longest phrase
    first, whole words), meaningless words dropped."""
    eq = equivalents or load_equivalents()
    words = _plain(text or "").split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(eq.longest, len(words) - i), 0, -1):
            canonical = eq.phrases.get(tuple(words[i:i + size]))
            if canonical is not None:
                out.extend(canonical)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return [w for w in out if w not in eq.stop]


def match_name(name: str | None) -> str:
    """What the directory stores beside a name for matching (providers.match_name)."""
    return " ".join(tokens(name))[:400]


# ---------------------------------------------------------------- scoring

EXACT, PREFIX, TYPO = 1.0, 0.9, 0.85


def word_score(typed: str, word: str) -> float:
    """How well one typed word matches one word of a name: the same word, its beginning (people stop typing),
    or the word with a typo or two (RapidFuzz's normalised Indel similarity)."""
    if typed == word:
        return EXACT
    if len(typed) >= 2 and word.startswith(typed) and not typed.isdigit():
        return PREFIX
    if len(typed) >= 4 and len(word) >= 3 and not (typed.isdigit() or word.isdigit()):
        ratio = fuzz.ratio(typed, word, score_cutoff=75)
        if ratio:
            return TYPO * ratio / 100
        if len(word) > len(typed):  # a typo in a word not finished yet: "rivrs" for "riverside"
            ratio = fuzz.ratio(typed, word[:len(typed)], score_cutoff=80)
            if ratio:
                return 0.8 * ratio / 100
    return 0.0


def words_score(typed: list[str], words: list[str]) -> float:
    """Mean over the typed words of each one's best match among the name's words (0 when one finds nothing is
    part of the mean), plus a little for a name that has few words beyond those typed."""
    if not typed or not words:
        return 0.0
    total, used = 0.0, set()
    for t in typed:
        best, at = 0.0, -1
        for index, w in enumerate(words):
            s = word_score(t, w)
            if s > best:
                best, at = s, index
                if s == EXACT:
                    break
        total += best
        if at >= 0:
            used.add(at)
    return total / len(typed) + 0.05 * len(used) / len(words)


def postcode_parts(value: str) -> tuple[str, str, str | None, str | None] | None:
    """(area, district, sector digit, unit) of a full or partial UK postcode as typed ("RD1 2BB", "rd12bb",
    "RD1 2", "RD1"); None when it is not one."""
    parts = single_line(value).upper().split()
    if len(parts) == 1 and len(parts[0]) >= 5 and re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", parts[0]):
        parts = [parts[0][:-3], parts[0][-3:]]
    if not 1 <= len(parts) <= 2:
        return None
    outward = re.fullmatch(r"([A-Z]{1,2})([0-9][A-Z0-9]?)", parts[0])
    inward = re.fullmatch(r"([0-9])([A-Z]{2})?", parts[1]) if len(parts) == 2 else None
    if outward is None or (len(parts) == 2 and inward is None):
        return None
    return outward.group(1), outward.group(2), inward.group(1) if inward else None, \
        inward.group(2) if inward else None
