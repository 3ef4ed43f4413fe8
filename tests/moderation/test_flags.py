"""Automatic flags: each kind on a sample text, the NHS number check, duplicates and short text."""
from __future__ import annotations

import pytest

from app.flags import find_flags, flag_kinds, highlight, is_near_duplicate, nhs_number_is_valid

LONG = " The rest of the story is long enough not to count as very short text for the moderators, honestly."


@pytest.mark.parametrize("text,kind,span", [
    ("Write to jo.bloggs@example.com about it.", "email", "jo.bloggs@example.com"),
    ("Ring me on 07700 900123 any time.", "phone", "07700 900123"),
    ("The number is 020 7946 0018 for the ward.", "phone", "020 7946 0018"),
    ("Call +44 7700 900456 please.", "phone", "+44 7700 900456"),
    ("My NHS number is 943 476 5919.", "nhs_number", "943 476 5919"),
    ("My NHS number is 9434765919.", "nhs_number", "9434765919"),
    ("We live near SW1A 1AA in town.", "postcode", "SW1A 1AA"),
    ("Dr Patel was brilliant.", "name", "Dr Patel"),
    ("Nurse Mary Jones held my hand.", "name", "Nurse Mary Jones"),
    ("Mrs. Smith on reception was rude.", "name", "Mrs. Smith"),
    ("The staff were a bunch of idiots and the food was shit.", "abuse", "idiots"),
])
def test_each_flag_kind_is_found_with_its_span(text, kind, span):
    flags = find_flags(text)
    assert (kind, span) in [(f.kind, text[f.start:f.end]) for f in flags]


def test_a_ten_digit_number_failing_the_modulus_11_check_is_not_an_nhs_number():
    assert nhs_number_is_valid("9434765919")
    assert not nhs_number_is_valid("9434765918")
    assert not nhs_number_is_valid("1111111111")
    assert "nhs_number" not in [f.kind for f in find_flags("Reference 943 476 5918 on the letter.")]


def test_plain_text_has_no_flags():
    assert find_flags("The ward was clean and the staff were kind to my father in March.") == []


def test_very_short_and_duplicate_stories_are_flagged():
    body = "The staff were kind and the ward was clean, but I waited four hours for a bed." + LONG
    assert "short" in flag_kinds("Title", "Kind staff, long wait for a bed overnight.", [])
    assert "short" not in flag_kinds("Title", body, [])
    assert "duplicate" in flag_kinds("Title", body, [body.replace("four", "five")])
    assert "duplicate" not in flag_kinds("Title", body, ["A completely different story about a GP surgery." + LONG])


def test_near_duplicate_ignores_case_and_spacing_but_not_different_text():
    assert is_near_duplicate("Hello   there, nurse.", "hello there, NURSE.")
    assert not is_near_duplicate("Hello there, nurse.", "Goodbye, doctor, it was a long night.")


def test_highlight_cuts_the_text_into_flagged_segments():
    segments = highlight("Ask Dr Who at who@example.org now")
    assert [(text, flag.kind if flag else None) for text, flag in segments] == [
        ("Ask ", None), ("Dr Who", "name"), (" at ", None), ("who@example.org", "email"), (" now", None)]


def test_flagged_spans_are_highlighted_on_the_moderation_page(client, session, make_provider, make_story, make_user):
    from tests.conftest import PASSWORD, login

    ward = make_provider(code="W1")
    story = make_story(ward, body="Dr Patel said to ring 07700 900123 about my NHS number 943 476 5919." + LONG)
    make_user(email="m@example.org", moderator=True)
    login(client, "m@example.org", PASSWORD)
    page = client.get(f"/moderation/stories/{story.id}").get_data(as_text=True)
    assert '<mark class="flag flag-name" title="Possible name">Dr Patel' in page
    assert '<mark class="flag flag-phone" title="Phone number">07700 900123' in page
    assert '<mark class="flag flag-nhs_number" title="NHS number">943 476 5919' in page
