"""Choosing the language (app/web/i18n.py): ?lang= kept in a cookie, else Accept-Language, else English; the switch
in every page's header; kept pages and HTTP caches that never give one language's page to the other's visitor."""
from __future__ import annotations

import re

import pytest

from app.stories.models import PUBLISHED


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_english_is_the_default(client):
    response = client.get("/")
    assert html_lang(response) == "en-GB"
    assert "Tell your story" in response.get_data(as_text=True)
    assert response.headers["Content-Language"] == "en-GB"


def test_lang_cy_switches_to_welsh_and_the_cookie_keeps_it(client):
    response = client.get("/?lang=cy")
    assert html_lang(response) == "cy"
    assert "Adrodd eich stori" in response.get_data(as_text=True)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=cy;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    later = client.get("/stories")
    assert html_lang(later) == "cy" and "Neidio i'r prif gynnwys" in later.get_data(as_text=True)
    back = client.get("/stories?lang=en")
    assert html_lang(back) == "en-GB" and back.headers["Set-Cookie"].startswith("lang=en;")
    assert html_lang(client.get("/")) == "en-GB"


def test_the_browsers_accept_language_chooses_when_nothing_else_did(client):
    response = client.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"})
    assert html_lang(response) == "cy"
    assert {"Cookie", "Accept-Language"} <= set(response.vary)
    assert "Set-Cookie" not in response.headers  # the browser says it again each time: nothing to keep
    assert html_lang(client.get("/", headers={"Accept-Language": "fr, en;q=0.8, cy;q=0.5"})) == "en-GB"
    assert html_lang(client.get("/", headers={"Accept-Language": "fr, de"})) == "en-GB"


def test_the_cookie_wins_over_accept_language_and_lang_wins_over_both(client):
    client.get("/?lang=en")
    response = client.get("/", headers={"Accept-Language": "cy"})
    assert html_lang(response) == "en-GB" and {"Cookie", "Accept-Language"} <= set(response.vary)
    assert html_lang(client.get("/?lang=cy", headers={"Accept-Language": "en"})) == "cy"


@pytest.mark.parametrize("asked", ["fr", "CY", "cy\"><script>alert(1)</script>", "", "cy\u200b"])
def test_an_unknown_or_forged_language_is_ignored(client, asked):
    response = client.get("/", query_string={"lang": asked})
    assert response.status_code == 200 and html_lang(response) == "en-GB"
    assert "Set-Cookie" not in response.headers
    assert "<script>alert" not in response.get_data(as_text=True)
    client.set_cookie("lang", asked or "xx")
    assert html_lang(client.get("/")) == "en-GB"


def test_the_switch_is_a_plain_link_to_the_same_page_keeping_its_query(client):
    page = client.get("/search?q=night+staff&lang=en").get_data(as_text=True)
    link = re.search(r'<ul class="language-switch">\s*<li><a href="([^"]+)" lang="cy" hreflang="cy">Cymraeg</a>',
                     page)
    assert link, "the header offers Welsh"
    href = link.group(1).replace("&amp;", "&")
    assert href == "/search?lang=cy&q=night+staff"
    welsh = client.get(href).get_data(as_text=True)
    assert '<html lang="cy">' in welsh
    assert re.search(r'<a href="/search\?lang=en&amp;q=night\+staff" lang="en" hreflang="en">English</a>', welsh)


def test_a_hostile_query_cannot_break_out_of_the_switch(client):
    page = client.get('/search?q="><script>x()</script>').get_data(as_text=True)
    assert "<script>x()" not in page


def test_the_switch_is_on_error_pages_too(client):
    response = client.get("/no-such-page?lang=cy")
    assert response.status_code == 404 and html_lang(response) == "cy"
    assert 'hreflang="en"' in response.get_data(as_text=True)


def test_kept_pages_are_kept_per_language_english_first(app, client, tree, make_story):
    kept = app.extensions["page_cache"]
    story = make_story(tree["ward"], status=PUBLISHED)
    english = client.get(f"/stories/{story.id}")
    assert html_lang(english) == "en-GB"
    welsh_visitor = app.test_client()
    welsh = welsh_visitor.get(f"/stories/{story.id}", headers={"Accept-Language": "cy"})
    assert html_lang(welsh) == "cy" and kept.hits == 0
    again = welsh_visitor.get(f"/stories/{story.id}", headers={"Accept-Language": "cy"})
    assert kept.hits == 1 and again.get_data() == welsh.get_data()
    assert {"Cookie", "Accept-Language"} <= set(again.vary) and again.headers["Content-Language"] == "cy"
    assert html_lang(client.get(f"/stories/{story.id}")) == "en-GB"
    assert kept.hits == 2


def test_kept_pages_are_kept_per_language_welsh_first(app, client, tree, make_story):
    kept = app.extensions["page_cache"]
    make_story(tree["ward"], status=PUBLISHED)
    client.set_cookie("lang", "cy")
    assert html_lang(client.get("/stories")) == "cy"
    assert html_lang(client.get("/stories")) == "cy" and kept.hits == 1
    english_visitor = app.test_client()
    english = english_visitor.get("/stories")
    assert html_lang(english) == "en-GB" and "Adrodd eich stori" not in english.get_data(as_text=True)
    assert english.headers["Content-Language"] == "en-GB" and {"Cookie", "Accept-Language"} <= set(english.vary)
    assert kept.hits == 1


def test_a_page_chosen_by_its_address_says_so_and_still_varies_nothing_it_did_not_use(client, tree, make_story):
    response = client.get("/stories?lang=cy")
    assert html_lang(response) == "cy"
    assert "Accept-Language" not in response.vary


def test_the_api_does_not_say_its_english_data_is_welsh(client):
    """Found by a black-box check: with the Welsh cookie, /api/v1 answered Content-Language: cy over the same
    English JSON. Pages still say their language."""
    client.set_cookie("lang", "cy")
    answer = client.get("/api/v1/stories")
    assert answer.status_code == 200 and "Content-Language" not in answer.headers
    assert client.get("/stories").headers["Content-Language"] == "cy"
