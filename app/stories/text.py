"""Turning what people type into clean plain text: no markup, no control characters, paragraphs kept."""
from __future__ import annotations

import html
import re
import unicodedata

import bleach
from markupsafe import Markup

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _strip_controls(text: str) -> str:
    # Keep newlines and tabs (tabs become spaces later); drop other control and format characters.
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})


def clean_text(value: str | None, multiline: bool = True) -> str:
    """Plain text from user input: HTML stripped (bleach), controls removed, whitespace normalised.

    Paragraphs (blank-line separated) survive when multiline; single line breaks inside a paragraph too.
    """
    text = value or ""
    text = _strip_controls(text.replace("\r\n", "\n").replace("\r", "\n"))  # before bleach turns them into "?"
    text = bleach.clean(text, tags=set(), attributes={}, strip=True, strip_comments=True)
    text = html.unescape(text)  # stored as plain text; escaping happens when it is shown
    text = unicodedata.normalize("NFC", _strip_controls(text))  # again: entities such as &#7; are now characters
    if not multiline:
        return _SPACES.sub(" ", text.replace("\n", " ")).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _ugc_rel(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if not href.startswith(("http://", "https://", "mailto:")):
        return None  # anything else stays text
    attrs[(None, "rel")] = "nofollow ugc"
    return attrs


def linked_paragraphs(text: str) -> Markup:
    """Plain text as HTML paragraphs, its URLs made into links with rel="nofollow ugc" (bleach)."""
    parts = []
    for paragraph in text.split("\n\n"):
        if paragraph.strip():
            escaped = html.escape(paragraph).replace("\n", "<br>\n")
            parts.append("<p>" + bleach.linkify(escaped, callbacks=[_ugc_rel], parse_email=False) + "</p>")
    return Markup("\n".join(parts))


def opening(text: str, length: int = 240) -> str:
    """The first words of a text, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[:length].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"
