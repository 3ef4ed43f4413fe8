"""Snippets: a story's sentences that hold the searched words, HTML-escaped, with those words in <mark>.

Words are compared stemmed with the Porter stemmer, the stemmer of the Whoosh index's analyser, so a snippet
marks the same words the index matched ("nurse" marks "nurses"). Used by the Whoosh reader for its hits and
by the search service for a hit whose text changed since it was indexed, whichever the backend.
"""
from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import escape
from whoosh.lang.porter import stem

from app.search.query import ParsedQuery

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
