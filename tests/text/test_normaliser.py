"""The one normaliser: idempotent, NFC, line separators made newlines, and nothing it removes ever survives."""
from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.text import clean_text, normalise, single_line

ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with a zero-width non-joiner
KEPT_FORMAT = {0x200C, 0x200D, *range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD,
               *range(0x13430, 0x13439)}
LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

# What an attacker (or a careless paste) would put in: every awkward class, mixed with ordinary text.
AWKWARD = ["\u202e", "\u202d", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c", "\ufeff", "\u00ad", "\u200b",
           "\u2060", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\ufdd0", "\ud800", "\udfff", "\ue000",
           "\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\r", "\n", "\r\n", "\t", "\u2028", "\u2029",
           "\u200d", "\u200c", "\u0301", "\u0308", "\u0327", "e", "A", " ", "\U0001f3f4", "\U000e0067",
           "\U000e0062", "\U000e007f", "\U000e0001", "\U000e0041", ENGLAND, FAMILY, "\u1100", "\u1161", "\u11a8",
           "\u0958", "\u2126", "&lt;", "&gt;", "&amp;", "&#8238;", "&#x2028;", "<b>", "</b>", "<", ">", "&", ";"]
pieces = st.one_of(st.sampled_from(AWKWARD), st.characters(exclude_categories=()),
                   st.text(max_size=5))
texts = st.lists(pieces, max_size=40).map("".join)
SETTINGS = settings(max_examples=400, deadline=None, derandomize=True, database=None)


def _is_noncharacter(ch: str) -> bool:
    cp = ord(ch)
    return 0xFDD0 <= cp <= 0xFDEF or cp & 0xFFFE == 0xFFFE


def _removed_class(ch: str, multiline: bool) -> bool:
    """Would this character, on its own, be one the normaliser must never leave in its output?"""
    category = unicodedata.category(ch)
    if ch == "\n":
        return not multiline
    if ch == "\t":
        return not multiline
    if category in ("Cc", "Cs", "Co") or _is_noncharacter(ch):
        return True
    if category == "Cf":
        return ord(ch) not in KEPT_FORMAT and not 0xE0020 <= ord(ch) <= 0xE007F
    return ch in "\u2028\u2029"


def _stray_tags(text: str) -> bool:
    """A tag character outside a flag's tag sequence (hidden text)."""
    import re

    flags = re.sub("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f", "", text)
    return any(0xE0000 <= ord(ch) <= 0xE007F for ch in flags)


@SETTINGS
@given(texts, st.booleans())
def test_normalising_twice_changes_nothing(text, multiline):
    once = normalise(text, multiline)
    assert normalise(once, multiline) == once


@SETTINGS
@given(texts, st.booleans())
def test_no_removed_character_survives_and_the_result_is_nfc(text, multiline):
    out = normalise(text, multiline)
    assert not [hex(ord(ch)) for ch in out if _removed_class(ch, multiline)]
    assert not _stray_tags(out)
    assert unicodedata.is_normalized("NFC", out)
    out.encode("utf-8")  # no lone surrogate: PostgreSQL and every file can store it


@SETTINGS
@given(texts)
def test_a_single_line_is_one_line_whatever_was_typed(text):
    out = single_line(text)
    assert len(out.splitlines()) <= 1  # the email package splits headers exactly where splitlines does
    assert out == out.strip() and "  " not in out
    assert single_line(out) == out


@SETTINGS
@given(texts, st.booleans())
def test_cleaning_twice_changes_nothing(text, multiline):
    once = clean_text(text, multiline)
    assert clean_text(once, multiline) == once
    assert unicodedata.is_normalized("NFC", once)
    assert not [hex(ord(ch)) for ch in once if _removed_class(ch, multiline)]


def test_every_control_format_surrogate_private_and_noncharacter_code_point_is_removed():
    # Over the whole of Unicode as this Python knows it: a format character added in a later Unicode version is
    # caught here rather than passing through unnoticed.
    survivors = []
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if ch in LINE_BREAKS or ch == "\t" or 0xE0020 <= cp <= 0xE007F or cp in KEPT_FORMAT:
            continue
        if (unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") or _is_noncharacter(ch)) and normalise(ch):
            survivors.append(hex(cp))
    assert survivors == []


def test_line_and_paragraph_separators_become_newlines():
    assert normalise("one\u2028two\u2029three\r\nfour\rfive\x85six") == "one\ntwo\n\nthree\nfour\nfive\nsix"
    assert clean_text("First paragraph.\u2029Second\u2028line.") == "First paragraph.\n\nSecond\nline."
    assert normalise("one\u2028two\u2029three", multiline=False) == "one two  three"


def test_bidirectional_overrides_are_removed_and_accents_compose_across_them():
    assert normalise("invoice\u202egpj.exe") == "invoicegpj.exe"
    assert normalise("\u2067abc\u2069 \u200fx\u200e") == "abc x"
    # "e", an override, then a combining acute: the override goes, and then the two compose (NFC comes last).
    assert normalise("e\u202e\u0301") == "\u00e9"


def test_the_joiners_emoji_and_scripts_need_are_kept():
    for text in (FAMILY, PERSIAN, ENGLAND, SCOTLAND, "\u0915\u094d\u200d\u0937"):
        assert normalise(text) == text
        assert clean_text(f"Before {text} after") == f"Before {text} after"


def test_tag_characters_outside_a_flag_are_hidden_text_and_go():
    hidden = "".join(chr(0xE0000 + ord(c)) for c in "ignore the rules")
    assert normalise(f"Kind staff{hidden}.") == "Kind staff."
    assert normalise(f"{ENGLAND}{hidden}") == ENGLAND


@pytest.mark.parametrize("text", ["943\u00ad476\u200b5919", "943\u2060476\ufeff5919", "943\u2063476\u20645919",
                                  "9\u200d43 476 59\u200c19", "943\u200d\u200c476\u200d5919"])
def test_invisible_characters_cannot_hide_an_nhs_number_from_the_checks(text):
    from app.flags import find_flags

    assert [f.kind for f in find_flags(clean_text(f"My number is {text}."))] == ["nhs_number"]


def test_markup_typed_as_entities_does_not_come_back_on_a_second_save():
    typed = "Ask for &lt;b&gt;Ward 7&lt;/b&gt; at the desk, and mind &amp;lt;this&amp;gt;."
    once = clean_text(typed)
    assert once == clean_text(once) == "Ask for Ward 7 at the desk, and mind ."


def test_text_that_needs_nothing_is_left_alone():
    text = "Café staff said “wait 2–3 hours”, and we did.\n\nThe nurse (Sam) was kind. 👍🏽 😀"
    assert normalise(text) == text == clean_text(text)
