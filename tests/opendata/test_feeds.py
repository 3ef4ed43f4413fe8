"""Atom feeds: parse cleanly, carry the licence, cover a provider and everything below it, nothing private."""
from __future__ import annotations

import feedparser

from tests.opendata.conftest import FORBIDDEN


def test_site_feed_parses_and_names_the_licence(client, record):
    response = client.get("/feeds/stories.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert {e.title for e in feed.entries} == {"Published story", "Another published story"}
    entry = next(e for e in feed.entries if e.title == "Published story")
    assert entry.id == f"http://localhost/stories/{record['published'].id}"
    assert entry.author == "Anonymous" and entry.updated and entry.summary.startswith("The published words")
    assert entry.tags[0].label == "Ward One"
    assert any(link.rel == "license" and "creativecommons.org" in link.href for link in entry.links)
    assert "CC-BY-4.0" in feed.feed.rights


def test_provider_feed_covers_everything_below_it(client, record):
    trust = feedparser.parse(client.get("/feeds/providers/T1.atom").data)
    ward = feedparser.parse(client.get("/feeds/providers/w1.atom").data)
    assert not trust.bozo and not ward.bozo
    assert {e.title for e in trust.entries} == {"Published story", "Another published story"}
    assert {e.title for e in ward.entries} == {"Published story"}
    assert client.get("/feeds/providers/NOPE.atom").status_code == 404


def test_feeds_hold_nothing_private(client, record):
    for path in ("/feeds/stories.atom", "/feeds/providers/T1.atom", "/feeds/providers/W1.atom"):
        text = client.get(path).get_data(as_text=True)
        for forbidden in FORBIDDEN:
            assert forbidden not in text, (path, forbidden)


def test_feed_escapes_markup_in_titles(client, session, record):
    record["published"].title = 'Tom & Jerry <script>alert("x")</script>'
    session.commit()
    response = client.get("/feeds/stories.atom")
    assert b"<script>" not in response.data
    feed = feedparser.parse(response.data)
    assert not feed.bozo
    assert 'Tom & Jerry <script>alert("x")</script>' in {e.title for e in feed.entries}


def test_withdrawn_story_leaves_the_feed(client, session, record):
    record["other"].status = "withdrawn"
    session.commit()
    feed = feedparser.parse(client.get("/feeds/stories.atom").data)
    assert {e.title for e in feed.entries} == {"Published story"}
