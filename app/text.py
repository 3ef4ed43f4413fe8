"""The one text normaliser every incoming text goes through, and the output guards built on it (mail headers,
XML, spreadsheet cells)."""
from __future__ import annotations

import html
import re
import unicodedata

import bleach

# Line breaks in all their spellings. Python's str.splitlines() (and so the email package) breaks lines at every
# one of these, so a title holding U+2028 would split a mail header as surely as CR LF would.
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028]")
_PARAGRAPH_BREAK = "\u2029"

# Characters removed from every text: they are invisible, mean nothing in plain text, or can make text lie about
# itself (a bidirectional override shows "gpj.exe" as "exe.jpg"; an invisible character between the digits of
# an NHS number hides it from the automatic checks).
_REMOVED_RANGES = (
    # controls, except tab and newline (the other line breaks were mapped to newline first)
    "\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f"
    # lone surrogates (a str can hold them; UTF-8 and PostgreSQL cannot)
    "\ud800-\udfff"
    # private use: no agreed meaning, so no agreed rendering
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
    # noncharacters: U+FDD0..U+FDEF and the last two code points of every plane
    "\ufdd0-\ufdef"
    # format characters: soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width space, the
    # directional marks, embeddings, overrides and isolates, word joiner and invisible operators, deprecated
    # format characters, byte order mark, interlinear annotation, shorthand and musical format controls, and the
    # language tag. Kept: U+200C and U+200D (the joiners emoji sequences and several scripts need), the visible
    # number signs of Arabic, Syriac and Kaithi, the Egyptian hieroglyph format controls, and tag characters
    # inside an emoji tag sequence (the flags of England, Scotland and Wales); see _TAGS.
    "\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
) + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}-{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
_REMOVED = re.compile(f"[{_REMOVED_RANGES}]")
# A black flag, tag letters and a cancel tag is a flag; a tag character anywhere else is hidden text.
_TAGS = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)|[\U000e0000-\U000e007f]")

# Spacing collapsed in clean_text (tabs, no-break and typographic spaces, ideographic space).
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_CLEAN_PASSES = 8


def _keep_flag(match: re.Match) -> str:
    return match.group(1) or ""


# A joiner between two digits joins nothing a script or an emoji needs; left there it would hide an NHS or phone
# number from the automatic checks (app/flags.py), which read digits in a row.
_JOINER_IN_NUMBER = re.compile(r"(?<=[0-9])[\u200c\u200d]+(?=[0-9])")


def normalise(value: str | None, multiline: bool = True) -> str:
    """Unicode text made safe to store, show, index and send: NFC; line and paragraph separators (U+2028,
    U+2029, NEL, CR...) become newlines (a space when not multiline); controls, noncharacters, lone surrogates,
    private-use characters and invisible format characters (bidirectional overrides among them) removed, the
    joiners U+200C and U+200D kept (except between two digits, where they join nothing).

    Idempotent: normalise(normalise(x)) == normalise(x). The removals come before NFC, so that a base letter and
    an accent that an invisible character kept apart compose now, not on a second run."""
    text = value or ""
    if not text:
        return ""
    newline = "\n" if multiline else " "
    text = _LINE_BREAKS.sub(newline, text).replace(_PARAGRAPH_BREAK, newline * 2)
    if not multiline:
        text = text.replace("\t", " ")
    text = _REMOVED.sub("", text)
    text = _JOINER_IN_NUMBER.sub("", text)
    if "\U000e0000" <= max(text, default="\0"):
        text = _TAGS.sub(_keep_flag, text)
    return unicodedata.normalize("NFC", text)


def single_line(value: str | None) -> str:
    """A normalised text on one line, its runs of whitespace made one space: for mail headers and names."""
    return " ".join(normalise(value, multiline=False).split())


def _clean_once(text: str, multiline: bool) -> str:
    text = normalise(text)  # before bleach, which would turn controls into "?"
    text = bleach.clean(text, tags=set(), attributes={}, strip=True, strip_comments=True)
    text = html.unescape(text)  # stored as plain text; escaping happens when it is shown
    text = normalise(text)  # again: entities such as &#8238; are characters now
    if not multiline:
        return _SPACES.sub(" ", text.replace("\n", " ")).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_text(value: str | None, multiline: bool = True) -> str:
    """Plain text from what someone typed: normalised, markup stripped (bleach), whitespace tidied; paragraphs
    (blank-line separated) and single line breaks survive when multiline.

    Repeated until nothing changes (twice, for almost every text): "&lt;b&gt;" becomes "<b>" on one pass and ""
    on the next, and a moderator saving a story untouched must not change it."""
    text = value or ""
    for _ in range(_CLEAN_PASSES):
        cleaned = _clean_once(text, multiline)
        if cleaned == text:
            return cleaned
        text = cleaned
    return text


def visible_length(text: str) -> int:
    """How many of the text's characters show: not format characters (the joiners kept for the scripts that need
    them, tag characters) nor variation selectors. Minimum lengths count these, so forty zero-width joiners around
    one letter are not a story of fifty characters."""
    return sum(1 for c in text if unicodedata.category(c) != "Cf"
               and not ("\ufe00" <= c <= "\ufe0f" or "\U000e0100" <= c <= "\U000e01ef"))


# ---------------------------------------------------------------- output guards

# XML 1.0 allows only tab, newline, carriage return and the characters from U+0020 up, less the surrogates and
# U+FFFE, U+FFFF. Text stored before the normaliser existed may hold anything.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Text with every character XML 1.0 forbids removed (a feed must parse whatever the database holds)."""
    return _NOT_XML.sub("", text)


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV Injection"). An apostrophe
# is added in front; a cell that already starts with an apostrophe gets one too, so that removing one leading
# apostrophe from every text cell that has one always gives the original text back.
SPREADSHEET_TRIGGERS = "=+-@\t\r'"  # each a first character


def spreadsheet_safe(value):
    """A CSV text cell a spreadsheet will show rather than run; anything that is not text is left as it is."""
    if isinstance(value, str) and value and value[0] in SPREADSHEET_TRIGGERS:
        return "'" + value
    return value


def spreadsheet_safe_row(row) -> list:
    """Every text cell of a row made spreadsheet-safe; numbers (negative ones too) are left alone."""
    return [spreadsheet_safe(v) for v in row]


def N_(message: str) -> str:
    """Marks a label for the translation catalogue without translating it here: the label stays English in data
    (the API, the dataset, audit records) and a page translates it where it shows it (`_(label)` in a template)."""
    return message
