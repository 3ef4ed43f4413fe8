"""Pages, CSS, JSON and feeds go out compressed; kept pages, ETags, 304s and Vary stay right; nothing is
compressed twice; digested static URLs are kept a year."""
from __future__ import annotations

import gzip
import re

import brotli
import pytest

from app.stories.models import PUBLISHED

GZIP = {"Accept-Encoding": "gzip"}


def _plain(client, url):
    return client.get(url, headers={"Accept-Encoding": "identity"})


@pytest.fixture
def story(tree, make_story):
    return make_story(tree["ward"], status=PUBLISHED, title="Kind night staff",
                      body="The night staff were kind and explained everything. " * 20)


def test_a_page_asked_for_with_gzip_comes_gzipped_and_decompresses_to_the_same_page(client, story):
    plain = _plain(client, f"/stories/{story.id}")
    assert "Content-Encoding" not in plain.headers
    zipped = client.get(f"/stories/{story.id}", headers=GZIP)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) == len(zipped.get_data()) < len(plain.get_data()) / 2
    assert gzip.decompress(zipped.get_data()) == plain.get_data()


def test_brotli_is_preferred_when_the_browser_takes_it(client, story):
    plain = _plain(client, "/stories")
    br = client.get("/stories", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.get_data()) == plain.get_data()


def test_a_kept_page_is_kept_plain_and_compressed_for_each_visitor_as_asked(app, client, story):
    kept = app.extensions["page_cache"]
    first = client.get(f"/stories/{story.id}", headers=GZIP)  # rendered, kept, then compressed
    second = client.get(f"/stories/{story.id}", headers=GZIP)  # the kept page, compressed once
    third = _plain(client, f"/stories/{story.id}")  # the same kept page, plain
    assert kept.hits == 2
    assert all(b"<html" in entry.body for entry in kept.entries.values())  # never a compressed body kept
    assert all(("Content-Encoding" not in dict(entry.headers)) for entry in kept.entries.values())
    assert gzip.decompress(first.get_data()) == gzip.decompress(second.get_data()) == third.get_data()
    assert second.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in third.headers
    assert "Accept-Encoding" in second.headers["Vary"]


@pytest.mark.parametrize("url, kind", [("/api/v1/stories", "application/json"),
                                       ("/feeds/stories.atom", "application/atom+xml")])
def test_json_and_feeds_are_compressed_and_their_etags_still_give_304s(client, story, url, kind):
    plain = _plain(client, url)
    if plain.status_code == 404:  # the feed's address
        pytest.skip(f"{url} is not served")
    zipped = client.get(url, headers=GZIP)
    assert zipped.status_code == 200 and zipped.mimetype == kind
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    etag = zipped.headers["ETag"]
    # Each encoding has its own strong ETag (RFC 9110: the bytes differ), so a cache never mixes them up.
    assert etag != plain.headers["ETag"]
    again = client.get(url, headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    assert client.get(url, headers={"Accept-Encoding": "identity",
                                    "If-None-Match": plain.headers["ETag"]}).status_code == 304
    # A client holding the gzip body asks again without gzip: it is given the plain body, not a 304 for bytes it
    # could not read. (Holding the plain body and now taking gzip, a 304 is right: what it holds is still good.)
    assert client.get(url, headers={"Accept-Encoding": "identity", "If-None-Match": etag}).status_code == 200


def test_the_stylesheet_is_compressed_and_its_digested_url_kept_a_year(client):
    page = _plain(client, "/").get_data(as_text=True)
    href = re.search(r'href="(/static/css/[^"]+\.css\?v=[0-9a-f]+)"', page).group(1)
    css = client.get(href, headers=GZIP)
    assert css.status_code == 200 and css.headers["Content-Encoding"] == "gzip"
    assert b"{" in gzip.decompress(css.get_data())
    cache = css.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache
    # A URL whose digest is not the file's (an old or forged one) is not promised for a year.
    stale = client.get(href.split("?v=")[0] + "?v=0000000000", headers=GZIP)
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    assert "immutable" not in client.get(href.split("?v=")[0]).headers.get("Cache-Control", "")
    css.close()
    stale.close()


def test_nothing_is_compressed_twice_nor_a_download_or_a_tiny_answer(app, client):
    from flask import Response

    @app.route("/_test/already")
    def already():
        return Response(gzip.compress(b"<p>hello</p>" * 200), mimetype="text/html",
                        headers={"Content-Encoding": "gzip"})

    got = client.get("/_test/already", headers=GZIP)
    assert gzip.decompress(got.get_data()) == b"<p>hello</p>" * 200  # once, not gzip inside gzip
    tiny = client.get("/healthz", headers=GZIP)
    assert "Content-Encoding" not in tiny.headers
