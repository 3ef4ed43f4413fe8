"""Black-box tests of Storyloop's Atom feeds and of the licence named on every page.

Written from the issue's spec only; the site is observed through the test client and the CLI.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from tests.opendata.conftest import (
    CC_BY_URL,
    assert_clean,
    export,
    main_of,
    named_story,
    published_many,
    read_ndjson,
)

CC0_URL = "creativecommons.org/publicdomain/zero/1.0"


# ---------------------------------------------------------------- feeds

def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert "atom" in response.headers["Content-Type"]
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return response, feed


def test_feeds_parse_and_entries_carry_the_required_fields(client, record, session, make_story):
    story = named_story(session, make_story, record["ward"], "Dai the Driver", title="Feed fields")
    for url in ["/feeds/stories.atom", "/feeds/providers/T1.atom", "/feeds/providers/W1.atom"]:
        response, feed = _feed(client, url)
        assert_clean(response.get_data(as_text=True), url)
        assert feed.entries, url
        for entry in feed.entries:
            assert entry.id
            assert entry.get("updated_parsed"), entry.id
            assert entry.get("author"), entry.id
            assert entry.get("summary"), entry.id
            assert any(link.get("rel") == "license" and CC_BY_URL in link["href"] for link in entry.links), entry.id
        entry = next(e for e in feed.entries if e.title == "Feed fields")
        assert entry.author == "Dai the Driver"
        provider_text = json.dumps([t.get("term") for t in entry.get("tags", [])] +
                                   [t.get("label") for t in entry.get("tags", [])]) + entry.summary
        assert "W1" in provider_text or "Ward One" in provider_text
        assert str(story.id) in entry.id


def test_feed_entry_ids_are_stable(client, record, make_story):
    _, first = _feed(client, "/feeds/stories.atom")
    make_story(record["trust"], status="published", title="Later")
    _, second = _feed(client, "/feeds/stories.atom")
    before = {e.title: e.id for e in first.entries}
    after = {e.title: e.id for e in second.entries}
    for title, ident in before.items():
        assert after[title] == ident
    _, ward_feed = _feed(client, "/feeds/providers/W1.atom")
    assert {e.title: e.id for e in ward_feed.entries}["Published story"] == before["Published story"]


def test_feed_has_latest_50_published_stories(client, session, make_provider, make_story):
    provider = make_provider(code="FF", name="Feed Trust", kind="trust")
    stories = published_many(make_story, provider, 55)
    base = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    for i, story in enumerate(stories):
        story.published_at = base + timedelta(minutes=i)
    session.commit()
    newest = {f"Bulk story {i:03d}" for i in range(5, 55)}
    for url in ["/feeds/stories.atom", "/feeds/providers/FF.atom"]:
        _, feed = _feed(client, url)
        assert len(feed.entries) == 50, url
        assert {e.title for e in feed.entries} == newest, url


def test_provider_feed_covers_everything_below_it(client, record, make_provider, make_story):
    hospital = make_provider(code="H4", name="Hospital Four", kind="hospital", parent=record["trust"])
    deep = make_provider(code="H4W1", name="Deep Ward Four", kind="department", parent=hospital)
    make_story(deep, status="published", title="Deep down")
    _, trust = _feed(client, "/feeds/providers/T1.atom")
    assert {"Published story", "Another published story", "Deep down"} == {e.title for e in trust.entries}
    _, ward = _feed(client, "/feeds/providers/W1.atom")
    assert {e.title for e in ward.entries} == {"Published story"}
    _, hosp = _feed(client, "/feeds/providers/H4.atom")
    assert {e.title for e in hosp.entries} == {"Deep down"}
    assert client.get("/feeds/providers/NOSUCH.atom").status_code == 404


def test_feed_escapes_markup_in_story_text(client, record, make_story):
    title = '<b>Tom & Jerry</b> "quoted" ]]> </entry>'
    body = "A body with <script>alert(1)</script> & ampersands, ]]> and </summary> tags."
    make_story(record["ward"], status="published", title=title, body=body)
    _, feed = _feed(client, "/feeds/stories.atom")
    entry = next(e for e in feed.entries if "Tom" in e.title)
    assert entry.title == title
    assert "</summary>" in entry.summary and "& ampersands" in entry.summary


def test_feed_names_the_licence(client, record):
    for url in ["/feeds/stories.atom", "/feeds/providers/T1.atom"]:
        response, feed = _feed(client, url)
        text = response.get_data(as_text=True)
        assert "CC-BY-4.0" in text
        assert any(link.get("rel") == "license" and CC_BY_URL in link["href"] for link in feed.feed.links)


# ---------------------------------------------------------------- licence on pages

def test_story_page_names_licence_with_link_and_attribution(client, record):
    page = main_of(client.get(f"/stories/{record['published'].id}").get_data(as_text=True))
    assert "CC-BY-4.0" in page
    assert re.search(rf'<a [^>]*href="https://{re.escape(CC_BY_URL)}/?"', page)
    attribution = re.search(r"credit[^<]*<q>(.*?)</q>", page, re.S) or re.search(r"(Published story.*?CC-BY-4.0)",
                                                                                   page, re.S)
    assert attribution, "no ready-made attribution line"
    line = attribution.group(1)
    for part in ["Published story", "Anonymous", f"/stories/{record['published'].id}", "Storyloop"]:
        assert part in line, part


@pytest.mark.parametrize("url", ["/tell", "/terms"])
def test_tell_and_terms_name_the_licence_the_author_accepts(client, record, url):
    page = main_of(client.get(url).get_data(as_text=True))
    assert "CC-BY-4.0" in page, url
    assert CC_BY_URL in page, url


@pytest.mark.parametrize("app_overrides", [{"CONTENT_LICENCE": "CC0-1.0"}])
def test_non_default_licence_flows_everywhere(app, client, record, tmp_path, deliver):
    api = client.get("/api/v1/stories").get_json()["licence"]
    assert api["id"] == "CC0-1.0" and CC0_URL in api["url"]
    assert client.get("/api/v1/providers/T1").get_json()["licence"]["id"] == "CC0-1.0"
    detail = client.get(f"/api/v1/stories/{record['published'].id}").get_data(as_text=True)
    assert "CC0-1.0" in detail and "CC-BY-4.0" not in detail
    feed_text = client.get("/feeds/stories.atom").get_data(as_text=True)
    assert "CC0-1.0" in feed_text and "CC-BY" not in feed_text and CC0_URL in feed_text
    out = export(app, tmp_path / "ds")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC0-1.0"
    assert CC0_URL in package["licenses"][0]["path"]
    licence_text = (out / "LICENSE").read_text(encoding="utf-8")
    assert "CC0-1.0" in licence_text and "CC-BY" not in licence_text
    assert all(s["licence"] == "CC0-1.0" for s in read_ndjson(out / "stories.ndjson") if "licence" in s)
    for url in [f"/stories/{record['published'].id}", "/tell", "/terms", "/data"]:
        page = client.get(url).get_data(as_text=True)
        assert "CC0-1.0" in main_of(page), url
        assert "CC-BY-4.0" not in page, url
    assert "CC0-1.0" in json.dumps(client.get("/api/v1/openapi.json").get_json()["info"])
