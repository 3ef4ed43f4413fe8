"""Text shown as paragraphs with its links (app/stories/text.py): kept per text, the same HTML every time, and
markup in the text is always text, however the text arrives."""
from __future__ import annotations

from markupsafe import Markup

from app.stories.text import linked_paragraphs


def test_the_same_text_gives_the_same_html_every_time():
    text = "We saw https://example.org/ward?a=1&b=2 first.\n\nThen <b>nothing</b>\u2028at all."
    first = linked_paragraphs(text)
    assert first == linked_paragraphs(text) == linked_paragraphs(str(text))
    assert '<a href="https://example.org/ward?a=1&amp;b=2" rel="nofollow ugc">' in first
    assert "&lt;b&gt;nothing&lt;/b&gt;" in first and "<b>" not in first
    assert first.count("<p>") == 2


def test_text_that_arrives_as_markup_is_still_escaped_as_text():
    plain = "Tea & toast <i>late</i>"
    expected = "<p>Tea &amp; toast &lt;i&gt;late&lt;/i&gt;</p>"
    # Markup equals its text, so a cache keyed on it would hand the plain text the HTML made from the Markup (or
    # the other way round): asked first as Markup, then as plain text, both are the plain text's.
    assert linked_paragraphs(Markup(plain)) == expected
    assert linked_paragraphs(plain) == expected
