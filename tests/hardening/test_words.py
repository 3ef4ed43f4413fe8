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
    (script and style left out) and the text of the attributes read aloud (alt, title, aria-label, placeholder)."""

    READ_ALOUD = ("alt", "title", "aria-label", "placeholder")

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []
        self.description: str | None = None
        self.texts: list[str] = []
        self.attribute_texts: list[str] = []
        self._heading: list | None = None
        self._skip = 0
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), ""]
        if tag == "meta" and attributes.get("name") == "description":
            self.description = attributes.get("content") or ""
        self.attribute_texts += [attributes[a] for a in self.READ_ALOUD if attributes.get(a)]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._heading is not None:
            self._heading[1] += data
        if data.strip():
            self.texts.append(" ".join(data.split()))


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


def rendered_pages(app, world, client_as, welsh: bool = False):  # noqa: F811
    """(name, role, page) for every page type as the role that sees it; for the public also every easy-read
    screen; in Welsh only the pages the public meets."""
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

