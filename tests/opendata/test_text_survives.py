"""Text survives: emoji joined by a zero-width joiner (a health worker, a family) and scripts that need joiners
(Sinhala and Devanagari with ZWJ, Persian and Devanagari with ZWNJ) come out of every outlet exactly as told and as
a moderator edited them: the story page, the API, the CSV and NDJSON of the dataset, the Atom feed and search.

The normaliser removes invisible characters that hide or reorder text, but these joiners are part of the words;
a joiner dropped would change a word (ක්‍ෂ is not ක්ෂ) or split an emoji into its pieces (🧑⚕️)."""
from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import zipfile

import feedparser
import pytest

from app.opendata.bundle import build, zip_path
from app.search.services import drain_queue
from app.stories.models import Story
from tests.blackbox.conftest import moderate, signed, tell
from tests.conftest import link_in

NURSE = "\U0001F9D1\u200D\u2695\uFE0F"  # 🧑‍⚕️ health worker: person, ZWJ, staff of Aesculapius
FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467"  # 👨‍👩‍👧 man, ZWJ, woman, ZWJ, girl
SRI = "\u0DC1\u0DCA\u200D\u0DBB\u0DD3"  # ශ්‍රී, Sinhala "Sri": the ZWJ makes the rakaaraansaya
PERSIAN = "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645"  # می‌خواهم "I want": ZWNJ keeps می apart
HALF_KA = "\u0915\u094D\u200D\u0937"  # क्‍ष: Devanagari with ZWJ (a half form)
NO_LIGATURE = "\u0915\u094D\u200C\u0937"  # क्‌ष: Devanagari with ZWNJ (no ligature)

TITLE = f"The {NURSE} nurses in {SRI} ward"
BODY = (f"My {FAMILY} family came every day. The nurse who spoke Persian said {PERSIAN} and the doctor wrote "
        f"{HALF_KA} and {NO_LIGATURE} on the board. The food was cold most days and the ward was noisy at night, "
        "but everyone explained what was happening.")
# What the moderator adds while publishing: an edit keeps the joiners of both the old and the new text.
EDITED = BODY + f" Thank you from the {FAMILY} family and {NURSE} staff of {SRI}."
JOINED = (NURSE, FAMILY, SRI, PERSIAN, HALF_KA, NO_LIGATURE)
BACKENDS = ["whoosh"] + (["postgres"] if (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")
                        else [])


@pytest.fixture(params=BACKENDS)
def app_overrides(request):
    """Search through both backends where PostgreSQL is there."""
    return {"SEARCH_BACKEND": request.param}


@pytest.fixture
def story(app, session, tree, make_user, smtp_server, deliver):
    """Told through /tell, confirmed by email, edited and published by a moderator through the moderation page."""
    make_user(email="mod@example.org", moderator=True)
    teller = app.test_client()
    assert tell(teller, "teller@example.org", title=TITLE, body=BODY).status_code == 302
    told = session.query(Story).order_by(Story.id.desc()).first()
    assert told.title == TITLE and told.body == BODY  # telling kept every joiner
    if told.status != "pending":
        deliver()
        link = link_in(smtp_server.last_to("teller@example.org"), "/stories/confirm/")
        teller.get(link)
        teller.post(link)
    moderator = signed(app, "mod@example.org")
    response = moderate(moderator, told, body=EDITED, edit_reason="Added the thanks the author asked for.")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    published = session.get(Story, told.id)
    assert published.status == "published" and published.body == EDITED and published.title == TITLE
    return published


def _has_every_joined_word(text: str, where: str) -> None:
    for word in JOINED:
        assert word in text, f"{word!r} lost in {where}"


def test_joined_emoji_and_scripts_survive_every_outlet(app, client, session, story):
    # The story page (as the browser reads it: entities decoded).
    page = html.unescape(client.get(f"/stories/{story.id}").get_data(as_text=True))
    _has_every_joined_word(page, "the story page")
    assert TITLE in page

    # The API, item and list.
    item = client.get(f"/api/v1/stories/{story.id}").get_json()["data"]
    assert item["title"] == TITLE and item["body"] == EDITED
    listed = client.get("/api/v1/stories").get_json()["data"]
    assert [(s["title"], s["body"]) for s in listed if s["id"] == story.id] == [(TITLE, EDITED)]

    # The dataset: CSV and NDJSON, read from the downloadable zip.
    build(session)
    with zipfile.ZipFile(zip_path()) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("stories.csv").decode("utf-8"))))
        nested = [json.loads(line) for line in archive.read("stories.ndjson").decode("utf-8").splitlines()]
    assert [(r["title"], r["body"]) for r in rows if r["id"] == str(story.id)] == [(TITLE, EDITED)]
    assert [(s["title"], s["body"]) for s in nested if s["id"] == story.id] == [(TITLE, EDITED)]

    # The Atom feeds, the site's and the service's.
    for path in ("/feeds/stories.atom", "/feeds/providers/W1.atom"):
        raw = client.get(path).get_data(as_text=True)
        feed = feedparser.parse(raw)
        assert not feed.bozo, feed.bozo_exception
        [entry] = [e for e in feed.entries if e.id.endswith(f"/stories/{story.id}")]
        assert entry.title == TITLE
        opening = EDITED[:200]
        assert entry.summary.startswith(opening[: opening.rfind(" ")]), path  # the summary is the opening

    # Search: each joined word finds the story (a word of Sinhala or Devanagari is not cut at its vowel signs
    # and joiners), and the result shows the title whole.
    drain_queue(session)
    session.commit()
    assert "/stories/" not in client.get("/search", query_string={"q": "\u0DBD\u0D82\u0D9A\u0DCF"}).get_data(
        as_text=True)  # ලංකා is nowhere: a search that finds everything would prove nothing
    # The index Whoosh keeps folds the joiner away, so ශ්රී typed without it finds ශ්‍රී too (PostgreSQL's parser
    # cuts words at a joiner, so there only the words as written are asked for).
    whoosh = app.config["SEARCH_BACKEND"] == "whoosh"
    for word in (SRI, PERSIAN, HALF_KA, NO_LIGATURE, SRI.replace("\u200d", "") if whoosh else SRI):
        results = client.get("/search", query_string={"q": word}).get_data(as_text=True)
        assert f"/stories/{story.id}" in results, f"search for {word!r} did not find the story"
        assert TITLE in html.unescape(re.sub(r"<[^>]+>", "", results)), f"title broken in results for {word!r}"
