"""`make test` fails when a string people read has no Welsh translation.

Which strings are public: every string marked in a file that is not on the STAFF_ONLY list below. Staff,
moderator and admin pages may stay in English (the accessibility statement says so); everything a member of
the public, an author or a provider's responder meets — public pages, telling, story pages, author pages and
emails, the responder's reply and change forms and their emails — is public. A file is public unless listed here,
so a new page or module is held to the rule until someone decides otherwise.

Two checks: the catalogue, extracted afresh from the code (pybabel extract into a temporary .pot), has a
non-empty, non-fuzzy Welsh translation of every public msgid (every plural form); and a public template has no
words outside {% trans %} / _() (so nothing escapes the extraction by not being marked at all).
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from config import BASE_DIR

STAFF_ONLY = (
    "app/admin/",
    "templates/admin/",
    # The moderators' pages and tools; the public report form, the author's correction request and the
    # signposting shown when telling are public.
    *(f"templates/moderation/{name}" for name in (
        "queue.html", "_queue_lists.html", "item.html", "story.html", "history.html")),
    "templates/replies/_hide.html",  # the moderators' "hide this reply" under a reply
    "templates/mail/red_flag.", "templates/mail/safeguarding_concern.",  # to staff and safeguarding leads
    "templates/stories/assisted/tell.html", "templates/stories/assisted/entered.html",  # story takers' own pages
    # The dataset's own files and the feeds are data, in English like the API.
    "templates/opendata/README.md.txt", "templates/opendata/LICENSE.txt", "templates/opendata/CITATION.cff.txt",
    "templates/opendata/feed.xml", "templates/following/replies_feed.xml",
)
CATALOGUE = BASE_DIR / "translations" / "cy" / "LC_MESSAGES" / "messages.po"


def is_public(path: str) -> bool:
    return not path.startswith(STAFF_ONLY)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract", "-F", "babel.cfg",
                    "-k", "lazy_gettext", "-k", "_l", "-k", "lazy_ngettext:1,2", "-k", "N_", "-o", str(pot), "."],
                   cwd=BASE_DIR, check=True)
    with pot.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def welsh():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="cy")


def _translated(message) -> bool:
    if message is None or message.fuzzy:
        return False
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(form.strip() for form in forms)


def test_every_public_string_has_a_welsh_translation(extracted, welsh):
    missing = []
    for message in extracted:
        if not message.id or not any(is_public(path) for path, _line in message.locations):
            continue
        if not _translated(welsh.get(message.id)):
            where = next(f"{path}:{line}" for path, line in message.locations if is_public(path))
            missing.append(f"{where}: {message.id!r}")
    assert not missing, (f"{len(missing)} public strings have no Welsh translation (make translations-update, "
                         "then translate them in translations/cy/LC_MESSAGES/messages.po):\n" + "\n".join(missing))


def test_the_extraction_finds_the_strings_we_know_are_public(extracted):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extracted}
    assert {"Tell your story", "Hello,", "Read %(count)s time."} <= ids
    assert ("%(num)d minute", "%(num)d minutes") in {m.id for m in extracted if isinstance(m.id, tuple)}


def test_welsh_translations_keep_their_placeholders(welsh):
    problems = [f"{m.id!r}: {errors}" for m, errors in welsh.check() if errors]
    assert problems == []


def test_the_committed_catalogue_has_no_fuzzy_or_obsolete_welsh(welsh):
    assert [m.id for m in welsh if m.id and m.fuzzy] == []
    assert not welsh.obsolete


def _unmarked_words(text: str) -> list[str]:
    """Words in a template that are outside any translation: comments, trans blocks, expressions, statements and
    HTML tags are taken out, and what is left must hold no word."""
    text = re.sub(r"{#.*?#}", " ", text, flags=re.S)
    text = re.sub(r"{%-?\s*trans\b.*?endtrans\s*-?%}", " ", text, flags=re.S)
    text = re.sub(r"{{.*?}}|{%.*?%}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
    text = re.sub(r"&\w+;", " ", text)
    return re.findall(r"[A-Za-z]{2,}(?:[ '’][A-Za-z]+)*", text)


PUBLIC_TEMPLATES = sorted(
    str(p.relative_to(BASE_DIR)) for p in (BASE_DIR / "templates").rglob("*")
    if p.is_file() and p.suffix in (".html", ".txt") and is_public(str(p.relative_to(BASE_DIR)))
)


@pytest.mark.parametrize("path", PUBLIC_TEMPLATES)
def test_a_public_template_has_no_words_left_unmarked(path):
    words = _unmarked_words((BASE_DIR / path).read_text(encoding="utf-8"))
    assert words == [], f"{path}: wrap these in {{% trans %}} or _(): {words}"


# A word in quotes inside a statement or an expression, such as {% with submit="Log in" %}: shown, so translated.
_QUOTED_WORDS = re.compile(r"""(?<!_\()(?<!label\()(['"])([A-Z][a-z][^'"]*)\1""")
_NOT_WORDS = {"HiddenField", "CSRFTokenField", "BooleanField", "Anonymous"}  # field types; the stored default name


def _unmarked_literals(text: str) -> list[str]:
    found = []
    for block in re.findall(r"{%.*?%}|{{.*?}}", text, flags=re.S):
        if not re.match(r"{%-?\s*trans\b", block):
            found += [m.group(2) for m in _QUOTED_WORDS.finditer(block) if m.group(2) not in _NOT_WORDS]
    return found


@pytest.mark.parametrize("path", PUBLIC_TEMPLATES)
def test_a_public_template_passes_no_unmarked_words_to_what_it_shows(path):
    literals = _unmarked_literals((BASE_DIR / path).read_text(encoding="utf-8"))
    assert literals == [], f"{path}: wrap these in _(): {literals}"


def test_the_unmarked_word_check_finds_plain_text():
    assert _unmarked_literals('{% with submit="Log in" %}{{ x(_("Fine"), label(y)) }}') == ["Log in"]
    assert _unmarked_words("<p>Hello {{ name }}</p>") == ["Hello"]
    assert _unmarked_words("<p>{{ _('Hello') }} {% trans %}Hi {{ n }}{% endtrans %}</p><!-- x -->") == []


# What the accessibility statement says is in English only, for each kind of file the catalogue test lets stay
# English. A file added to STAFF_ONLY needs a line here, and the statement must name it.
ENGLISH_ONLY_SAID = {
    "app/admin/": "the pages for moderators and site administrators",
    "templates/admin/": "the pages for moderators and site administrators",
    "templates/moderation/": "the pages for moderators and site administrators",
    "templates/replies/_hide.html": "the pages for moderators and site administrators",
    "templates/mail/red_flag.": "the emails about red flags and safeguarding concerns",
    "templates/mail/safeguarding_concern.": "the emails about red flags and safeguarding concerns",
    "templates/stories/assisted/": "the pages where a story taker enters a story for someone",
    "templates/opendata/": "the files of the open dataset",
    "templates/opendata/feed.xml": "the news feeds (Atom)",
    "templates/following/replies_feed.xml": "the news feeds (Atom)",
}


def test_the_accessibility_statement_names_everything_that_stays_english(client):
    import html

    statement = html.unescape(" ".join(client.get("/accessibility?lang=en").get_data(as_text=True).split()))
    unexplained = [path for path in STAFF_ONLY if not any(path.startswith(prefix) for prefix in ENGLISH_ONLY_SAID)]
    assert unexplained == [], "English-only files the accessibility statement does not account for"
    missing = sorted({words for words in ENGLISH_ONLY_SAID.values() if words not in statement})
    assert missing == []
    # Staff alerts and reminders are sent in English (not in the language of whoever's request queued them, and
    # the worker has no visitor's language): the statement says so.
    assert "tell a service's staff about a new story or answer their request to move one" in statement
    assert "remind them of a story with no reply" in statement
