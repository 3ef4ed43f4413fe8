"""Atom feeds as feed readers expect: a repeated conditional request (If-None-Match, If-Modified-Since) gets a 304,
a story leaving the feed is never hidden behind one, and each entry carries the story's criticality, tags and
response status as atom:category with a scheme."""
from __future__ import annotations

import feedparser
import pytest

from app.stories.models import Story

FEEDS = ("/feeds/stories.atom", "/feeds/providers/T1.atom", "/feeds/providers/W1.atom",
         "/feeds/providers/W1/replies.atom")


@pytest.fixture
def later(clock, record):
    # A minute after everything `record` wrote (at the clock's start, the real time). It was a fixed moment,
    # 2026-11-28 10:00: once the real time passed it, the records were newer than every later change, and a
    # withdrawal an hour "later" looked older than the feed (a 304).
    clock.advance(minutes=1)
    return clock


@pytest.mark.parametrize("path", FEEDS)
def test_a_repeated_conditional_request_gets_a_304(client, later, path):
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    later.advance(minutes=10)  # time passes, nothing changes
    again = client.get(path)
    assert again.headers["ETag"] == first.headers["ETag"] and again.data == first.data
    by_tag = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_tag.status_code == 304 and by_date.status_code == 304
    assert not by_tag.data and not by_date.data
    assert by_tag.headers["ETag"] == first.headers["ETag"]
    assert "ETag" in first.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("path", ["/feeds/stories.atom", "/feeds/providers/T1.atom"])
def test_a_story_that_leaves_the_feed_is_not_answered_with_a_304(client, session, later, record, path):
    """The feed's newest remaining story is older than the one that left: a Last-Modified taken from the entries
    would go back in time, and a reader asking If-Modified-Since would keep the withdrawn story for ever."""
    first = client.get(path)
    later.advance(minutes=10)
    session.get(Story, record["other"].id).status = "withdrawn"
    session.commit()
    after = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert after.status_code == 200
    assert "Another published story" not in after.get_data(as_text=True)
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    assert after.headers["Last-Modified"] != first.headers["Last-Modified"]


def test_a_renamed_provider_changes_the_feed_it_is_named_in(client, session, later, record):
    first = client.get("/feeds/providers/W1.atom")
    later.advance(minutes=10)
    record["ward"].name = "Ward One, renamed"
    session.commit()
    after = client.get("/feeds/providers/W1.atom", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert after.status_code == 200 and "Ward One, renamed" in after.get_data(as_text=True)


def test_an_empty_feed_keeps_its_etag_too(client, later, make_provider):
    make_provider(code="E1", name="Empty service", kind="department")
    first = client.get("/feeds/providers/E1.atom")
    later.advance(hours=1)
    again = client.get("/feeds/providers/E1.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_each_entry_carries_criticality_tags_and_status_with_their_schemes(client, session, record):
    story = session.get(Story, record["published"].id)
    story.criticality = 4
    story.response_status = "change_planned"
    session.get(Story, record["other"].id).criticality = None
    session.commit()
    feed = feedparser.parse(client.get("/feeds/stories.atom").data)
    assert not feed.bozo, feed.bozo_exception
    entry = next(e for e in feed.entries if e.title == "Published story")
    by_scheme = {}
    for category in entry.tags:
        by_scheme.setdefault(category.scheme, []).append((category.term, category.label))
    assert by_scheme["http://localhost/data#feed-provider"] == [("W1", "Ward One")]
    assert by_scheme["http://localhost/data#feed-criticality"] == [("4", "Strongly critical")]
    assert [term for term, _ in by_scheme["http://localhost/data#feed-tag"]] == ["good-kindness"]
    assert by_scheme["http://localhost/data#feed-status"] == [("change_planned", "Change planned")]
    unrated = next(e for e in feed.entries if e.title == "Another published story")
    assert "http://localhost/data#feed-criticality" not in {c.scheme for c in unrated.tags}  # not yet rated
    replies = feedparser.parse(client.get("/feeds/providers/W1/replies.atom").data)
    assert {c.scheme for e in replies.entries for c in e.tags} >= {"http://localhost/data#feed-status",
                                                                   "http://localhost/data#feed-tag"}


def test_the_schemes_are_explained_on_the_data_page(client):
    page = client.get("/data").get_data(as_text=True)
    for name in ("provider", "criticality", "tag", "status"):
        assert page.count(f'id="feed-{name}"') == 1
    assert "<code>4</code> Strongly critical;" in page and "<code>change_made</code> Change made;" in page


ODD_DATES = ["Sat, 01 Jan 99999999999 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 -2359",
             "Sat, 01 Jan 10000 00:00:00 GMT", "Mon, 01 Jan 0001 00:00:00 +2359", "yesterday",
             "\u0661\u0662 Jan 2026 00:00:00 GMT", ""]


@pytest.mark.parametrize("path", [*FEEDS, "/api/v1/stories", "/api/v1/providers/T1", "/data/storyloop-dataset.zip",
                                  "/stories", "/"])
@pytest.mark.parametrize("header", ["If-Modified-Since", "If-Unmodified-Since", "If-Range"])
def test_a_date_that_cannot_be_read_is_ignored_not_a_500(client, later, path, header):
    """A year past 9999 raised OverflowError in werkzeug's date parser: a 500 on every page that answers 304s."""
    plain = client.get(path).status_code
    assert plain in (200, 404)
    for odd in ODD_DATES:
        # Twice: the second may be answered from a kept page.
        for _ in range(2):
            answer = client.get(path, headers={header: odd})
            assert answer.status_code == plain, (odd, answer.status_code)
