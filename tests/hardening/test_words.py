"""Words people understand and pages found and read by everyone (issue #21): on every page type, as each kind of
visitor who sees it, in English and (for the public) in Welsh, and on every easy-read question screen —
headings never skip a level and there is one h1; every public page has a meta description of its own, written in
plain words; and no raw identifier from the code (a status, a flag kind, a role code, a route, a language code, a
snake_case name) is shown where people read words.

PAGE_TYPES (tests/hardening/test_accessibility.py) is the one list of page types: a page added there is held to
these rules too.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.hardening.conftest import world  # noqa: F401  (the hardening tests' world, every kind of visitor)
from tests.hardening.test_accessibility import PAGE_TYPES, _path
from tests.stories.test_easy import Teller

PUBLIC_ROLES = ("anonymous", "author", "staff")


class Page(HTMLParser):
    """What a reader meets on a page: its headings in order, its meta description, its visible text by element
    (script and style left out; what is set as code, a file or field name for researchers, apart) and the text of
    the attributes read aloud (alt, title, aria-label, placeholder)."""

    READ_ALOUD = ("alt", "title", "aria-label", "placeholder")

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []
        self.description: str | None = None
        self.texts: list[str] = []
        self.attribute_texts: list[str] = []
        self._heading: list | None = None
        self.code_texts: list[str] = []
        self._skip = 0
        self._code = 0
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag in ("code", "pre", "kbd", "samp"):
            self._code += 1
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), ""]
        if tag == "meta" and attributes.get("name") == "description":
            self.description = attributes.get("content") or ""
        self.attribute_texts += [attributes[a] for a in self.READ_ALOUD if attributes.get(a)]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag in ("code", "pre", "kbd", "samp"):
            self._code -= 1
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._heading is not None:
            self._heading[1] += data
        if data.strip():
            (self.code_texts if self._code else self.texts).append(" ".join(data.split()))


def heading_problems(page: Page) -> list[str]:
    levels = [level for level, _text in page.headings]
    problems = []
    if levels.count(1) != 1:
        problems.append(f"{levels.count(1)} h1 headings (one wanted): {page.headings}")
    if levels and levels[0] != 1:
        problems.append(f"the first heading is h{levels[0]}, not h1")
    for (before, _b), (level, text) in zip(page.headings, page.headings[1:], strict=False):
        if level > before + 1:
            problems.append(f"h{before} then h{level} ({text!r})")
    return problems


def _easy_screens(client) -> list[tuple[str, str]]:
    """Every easy-read question screen, reached as a browser reaches it (each by a POST from the last)."""
    teller = Teller(client)
    screens = [("easy read: " + teller.step, teller.html)]
    steps = {"where": lambda: teller.post("find", provider_query="Ward One"),
             "where-found": lambda: teller.post(provider_code="W1"),
             "who": lambda: teller.post(author_role="patient"),
             "when": lambda: teller.post(month="3", year="2025"),
             "feeling": lambda: teller.post(feeling="mixed"),
             "story": lambda: teller.post(body="The nurses on the ward were kind and explained everything to me."),
             "title": lambda: teller.post(title="Kind nurses"),
             "name": lambda: teller.post(public_name="Sunflower"),
             "email": lambda: teller.post(email="easy@example.org")}
    for name, step in steps.items():
        step()
        screens.append((f"easy read: after {name} ({teller.step})", teller.html))
    # A screen with a problem on it: the check screen sent without agreeing.
    teller.post("send")
    screens.append(("easy read: check, with a problem", teller.html))
    assert teller.step == "check" and len({s for s, _h in screens}) == len(screens)
    return screens


def vary(world, session) -> None:  # noqa: F811
    """Give the world's stories and reply every flag, a route other than the web and Welsh, so that each page shows
    the codes it might leak."""
    from app.flags import FLAG_KINDS
    from app.stories.models import ASSISTED, EASY_READ

    world.pending.flags = list(FLAG_KINDS)
    world.pending.route, world.pending.language = EASY_READ, "cy"
    world.published.route = ASSISTED
    world.reply.flags = ["email", "safeguarding"]
    session.commit()


def rendered_pages(app, world, client_as, welsh: bool = False):  # noqa: F811
    """(name, role, page) for every page type as the role that sees it; for the public also every easy-read
    screen; in Welsh only the pages the public meets."""
    from app.extensions import db

    vary(world, db.session)
    for name, role, template in PAGE_TYPES:
        if welsh and role not in PUBLIC_ROLES:
            continue
        client = client_as(role)
        if welsh:
            client.set_cookie("lang", "cy")
        response = client.get(_path(template, world))
        assert response.status_code < 500, name
        yield name, role, response.get_data(as_text=True)
    client = client_as("anonymous")
    if welsh:
        client.set_cookie("lang", "cy")
    for name, markup in _easy_screens(client):
        yield name, "anonymous", markup


@pytest.mark.parametrize("welsh", [False, True], ids=["English", "Welsh"])
def test_every_page_has_one_h1_and_no_heading_skips_a_level(app, world, client_as, welsh):  # noqa: F811
    problems = []
    for name, role, markup in rendered_pages(app, world, client_as, welsh):
        problems += [f"{name} (as {role}): {p}" for p in heading_problems(Page(markup))]
    assert problems == [], "\n".join(problems)


def test_the_heading_check_catches_a_skip():
    assert heading_problems(Page("<h1>Stories</h1><h3>One story</h3>")) == ["h1 then h3 ('One story')"]
    assert heading_problems(Page("<h2>No h1</h2>"))
    assert heading_problems(Page("<h1>One</h1><h1>Two</h1>"))
    assert heading_problems(Page("<h1>Story</h1><h2>Replies</h2><h3>One</h3><h2>Changes</h2>")) == []



# Pages with no content of their own to describe: the home page speaks for the whole site, error pages are not
# for search engines, and the easy-read question screens (reached by POST) share the easy-read start's words.
SITE_WIDE = ("home", "not found", "bad emailed link")


def _site_description(app) -> str:
    with app.test_request_context():
        from flask import render_template_string

        return Page(render_template_string('{% extends "base.html" %}')).description


@pytest.mark.parametrize("welsh", [False, True], ids=["English", "Welsh"])
def test_every_public_page_has_a_meta_description_of_its_own(app, world, client_as, welsh):  # noqa: F811
    site = _site_description(app)
    seen: dict[str, str] = {}
    problems = []
    for name, role, markup in rendered_pages(app, world, client_as, welsh):
        description = Page(markup).description
        if not description or not description.strip():
            problems.append(f"{name} (as {role}): no meta description")
            continue
        if description != " ".join(description.split()) or "<" in description or "&" in description:
            problems.append(f"{name}: the description is not plain text on one line: {description!r}")
        if len(description) > 200:
            problems.append(f"{name}: a description of {len(description)} characters (search engines show ~155)")
        if role != "anonymous" or name in SITE_WIDE or name.startswith("easy read: ") and "after" in name \
                or name == "easy read: check, with a problem":
            continue
        if description == site:
            problems.append(f"{name}: the site-wide description, not one about this page")
        elif description in seen:
            problems.append(f"{name}: the same description as {seen[description]}")
        seen.setdefault(description, name)
    assert problems == [], "\n".join(problems)


def test_a_story_is_described_by_its_first_lines_in_plain_text(client, tree, make_story):
    body = ("My dad was on the ward for <b>three</b> weeks & the nurses    were\n\nkind \"every\" day. "
            + "They explained each medicine to him and to us, and they always made time to listen. " * 4)
    story = make_story(tree["ward"], status="published", title="Kind nurses", body=body)
    description = Page(client.get(f"/stories/{story.id}").get_data(as_text=True)).description
    flat = " ".join(body.split())
    assert description.startswith('My dad was on the ward for <b>three</b> weeks & the nurses were kind "every" day.')
    assert description.endswith("…") and len(description) <= 160
    # Trimmed at a word: what comes before the ellipsis is a whole number of the body's words.
    assert flat.startswith(description[:-1]) and flat[len(description) - 1] == " "



# ---------------------------------------------------------------- raw identifiers

def raw_identifiers() -> dict[str, str]:
    """Every code the models and constants use for a state, a kind, a role, a reason, a route or a language, with
    the words people are meant to read instead."""
    from app.accounts.models import MEMBER_ROLES
    from app.admin.people import SITE_ROLES
    from app.directory.models import KINDS
    from app.flags import FLAG_KINDS
    from app.moderation.models import AUTHOR_REQUESTS, REJECT_REASONS, REPORT_REASONS
    from app.replies.models import CHANGE_KINDS, REPLY_STATUSES
    from app.stories import models as stories
    from app.stories.timeline import EVENT_KINDS

    tables = (MEMBER_ROLES, SITE_ROLES, KINDS, FLAG_KINDS, AUTHOR_REQUESTS, REJECT_REASONS, REPORT_REASONS,
              CHANGE_KINDS, REPLY_STATUSES, stories.STATUSES, stories.AUTHOR_ROLES, stories.RESPONSE_STATUSES,
              stories.LANGUAGES, stories.ROUTES, EVENT_KINDS)
    return {code: str(words) for table in tables for code, words in table.items() if isinstance(code, str)}


# A code that is also a plain word may be a word in a sentence; shown alone (the whole text of an element, or in
# brackets) it is the code, unless its own words say the same ("patient" for Patient, "safeguarding" in "Possible
# risk of harm (safeguarding)") or it is a plain word whatever it stands for. Codes with an underscore are never
# words.
PLAIN_WORDS = {"none", "other", "admin", "moderator"}
_SNAKE = re.compile(r"(?<![\w@/.:=-])[a-z]+(?:_[a-z]+)+(?![\w@/-])")
_ALONE = re.compile(r"^\(?([a-z][a-z_]*)\)?$|\(([a-z][a-z_]*)\)")


def identifier_slips(texts: list[str], codes: dict[str, str]) -> list[str]:
    found = []
    for text in texts:
        found += [f"{m!r} in {text[:80]!r}" for m in _SNAKE.findall(text)]
        for m in _ALONE.finditer(text.strip()):
            code = m.group(1) or m.group(2)
            if code in codes and code not in PLAIN_WORDS \
                    and not re.search(rf"\b{code}\b", codes[code], re.IGNORECASE):
                found.append(f"{code!r} shown as it is: {text[:80]!r}")
    return found


def test_the_identifier_check_catches_codes_and_leaves_words():
    codes = raw_identifiers()
    assert {"easy_read", "awaiting_response", "gp_practice", "nhs_number", "cy", "change_planned"} <= set(codes)
    assert identifier_slips(["Told by easy_read"], codes)
    assert identifier_slips(["pending"], codes) and identifier_slips(["Ward One (gp_practice)"], codes)
    assert identifier_slips(["cy"], codes) and identifier_slips(["Language: (cy)"], codes)
    assert identifier_slips(["pending"], codes) and identifier_slips(["(visible)"], codes)
    assert identifier_slips(["Waiting for a moderator", "a patient at the ward", "mod@example.org",
                             "https://example.org/a_b", "by Ann (patient)", "Possible risk of harm (safeguarding)"],
                            codes) == []


def dataset_names() -> set[str]:
    """The open dataset's column names: the open-data page may name them to the researchers who use them."""
    from app.opendata.schema import TABLES

    return {column.name for table in TABLES for column in table.columns}


@pytest.mark.parametrize("welsh", [False, True], ids=["English", "Welsh"])
def test_no_page_shows_a_raw_identifier(app, world, client_as, welsh):  # noqa: F811
    codes, columns = raw_identifiers(), dataset_names()
    problems = []
    for name, role, markup in rendered_pages(app, world, client_as, welsh):
        page = Page(markup)
        slips = identifier_slips(page.texts + page.attribute_texts, codes)
        if name == "open data":
            slips = [s for s in slips if s.split("'")[1] not in columns]
        problems += [f"{name} (as {role}): {slip}" for slip in slips]
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------- the wording slips found so far

def _data_page_with_a_dataset_of(client, size: int, welsh: bool = False) -> str:
    from app.opendata.bundle import _write_index, read_index, release_path

    version = "2026.11.28.100000"
    release_path(version).parent.mkdir(parents=True, exist_ok=True)
    release_path(version).write_bytes(b"PK\x05\x06" + b"\0" * 18)
    index = read_index()
    index["releases"] = [{"version": version, "created": "2026-11-28T10:00:00+00:00", "size": size,
                          "counts": {"stories": 3}, "sha256": "0" * 64}]
    _write_index(index)
    return " ".join(Page(client.get("/data?lang=cy" if welsh else "/data?lang=en").get_data(as_text=True)).texts)


@pytest.mark.parametrize("size, shown", [(22, "1 kB"), (48_000, "47 kB"), (1_048_576, "1.0 MB"),
                                         (5_400_000, "5.1 MB")])
def test_the_dataset_size_is_never_0_0_mb(app, client, size, shown):
    text = _data_page_with_a_dataset_of(client, size)
    assert f"(version 2026.11.28.100000, {shown}, generated 28 November 2026 at 10:00 UTC; 3 stories)" in text
    assert "0.0 MB" not in text and "0 kB" not in text.replace("10 kB", "")


def test_the_dataset_size_in_welsh(app, client):
    assert "(fersiwn 2026.11.28.100000, 47 kB," in _data_page_with_a_dataset_of(client, 48_000, welsh=True)
