"""Black-box tests of Storyloop's open data when stories leave and come back: withdrawal, hiding, restoring,
tombstones and the updated_since sync.

Written from the issue's spec only; the site is observed through the test client and the CLI.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlencode

import feedparser
import pytest

from tests.conftest import PASSWORD, login
from tests.opendata.conftest import (
    api_all,
    export,
    form_data,
    iso_utc,
    read_csv,
    read_ndjson,
    stamp,
    withdraw_as_author,
)


def hide_as_moderator(app, make_user, story_id: int):
    make_user(email="moderator-x@example.org", moderator=True)
    moderator = app.test_client()
    login(moderator, "moderator-x@example.org", PASSWORD)
    page = moderator.get(f"/moderation/stories/{story_id}").get_data(as_text=True)
    form = re.search(rf'<form[^>]*action="/moderation/stories/{story_id}/hide".*?</form>', page, re.S)
    assert form, "no hide form on the moderation page"
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(0)))
    reason_field = re.search(r'<textarea[^>]*name="([^"]+)"', form.group(0)).group(1)
    data[reason_field] = "Hidden in a black-box test: identifies a member of staff."
    response = moderator.post(f"/moderation/stories/{story_id}/hide", data=data, csrf=False)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    return response


# ---------------------------------------------------------------- withdrawal and hiding

def test_author_withdrawal_removes_story_from_api_and_next_export_with_tombstone(app, client, record, tmp_path):
    story_id = record["published"].id
    before = stamp(datetime.now(UTC) - timedelta(seconds=5))
    first = export(app, tmp_path / "before")
    assert str(story_id) in {r["id"] for r in read_csv(first / "stories.csv")}

    withdraw_as_author(app, story_id, "hidden-author@example.org")

    assert story_id not in {s["id"] for s in api_all(client, "/api/v1/stories?limit=100")}
    gone = client.get(f"/api/v1/stories/{story_id}")
    assert gone.status_code in (404, 410)
    assert gone.mimetype == "application/problem+json"
    assert "Published story" not in gone.get_data(as_text=True)
    sync = api_all(client, f"/api/v1/stories?updated_since={before}&limit=100")
    tombstones = [s for s in sync if s["id"] == story_id]
    assert len(tombstones) == 1, sync
    tomb = tombstones[0]
    assert tomb["status"] == "withdrawn" and tomb.get("tombstone") is True
    iso_utc(tomb["updated_at"])
    assert "title" not in tomb and "body" not in tomb

    second = export(app, tmp_path / "after")
    assert str(story_id) not in {r["id"] for r in read_csv(second / "stories.csv")}
    assert str(story_id) not in {r["story_id"] for r in read_csv(second / "responses.csv")}
    assert str(story_id) not in {r["story_id"] for r in read_csv(second / "changes.csv")}
    assert str(story_id) not in {r["story_id"] for r in read_csv(second / "story_tags.csv")}
    assert story_id not in {s["id"] for s in read_ndjson(second / "stories.ndjson")}
    assert "Visible reply text" not in (second / "responses.csv").read_text(encoding="utf-8")


def test_author_withdrawal_removes_story_from_feed(app, client, record):
    withdraw_as_author(app, record["published"].id, "hidden-author@example.org")
    for url in ["/feeds/stories.atom", "/feeds/providers/W1.atom", "/feeds/providers/T1.atom"]:
        feed = feedparser.parse(client.get(url).data)
        assert "Published story" not in [e.title for e in feed.entries], url


@pytest.mark.parametrize("app_overrides", [{"DATASET_MIN_INTERVAL_SECONDS": 0}])
def test_withdrawal_reaches_the_served_zip_and_invalidates_its_etag(app, client, record, deliver):
    deliver()
    first = client.get("/data/storyloop-dataset.zip")
    assert first.status_code == 200
    with zipfile.ZipFile(io.BytesIO(first.data)) as z:
        assert "Published story" in z.read(_member(z, "stories.csv")).decode("utf-8")
    withdraw_as_author(app, record["published"].id, "hidden-author@example.org")
    deliver()
    again = client.get("/data/storyloop-dataset.zip", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200, "stale ETag still answered 304 after the dataset changed"
    with zipfile.ZipFile(io.BytesIO(again.data)) as z:
        assert "Published story" not in z.read(_member(z, "stories.csv")).decode("utf-8")


def test_moderator_hiding_a_story_yields_a_tombstone_in_updated_since(app, client, record, make_user, session):
    story = record["other"]
    before = stamp(datetime.now(UTC) - timedelta(seconds=5))
    hide_as_moderator(app, make_user, story.id)
    session.refresh(story)
    assert story.status == "hidden"
    listed = {s["id"] for s in api_all(client, "/api/v1/stories?limit=100")}
    assert story.id not in listed
    sync = api_all(client, f"/api/v1/stories?updated_since={before}&limit=100")
    mine = [s for s in sync if s["id"] == story.id]
    assert len(mine) == 1, sync
    assert mine[0].get("tombstone") is True and mine[0]["status"] == "hidden"
    assert iso_utc(mine[0]["updated_at"]) >= iso_utc(before)
    assert "Another published story" not in json.dumps(sync)


def test_plain_story_list_never_contains_tombstones(client, record):
    for item in api_all(client, "/api/v1/stories?limit=100"):
        assert not item.get("tombstone"), item
        assert item["id"] in (record["published"].id, record["other"].id)


def test_updated_since_in_the_future_returns_nothing(client, record):
    future = stamp(datetime.now(UTC) + timedelta(days=1))
    assert api_all(client, f"/api/v1/stories?updated_since={future}") == []


# ---------------------------------------------------------------- /data and the zip

def _member(z: zipfile.ZipFile, name: str) -> str:
    return next(n for n in z.namelist() if n == name or n.endswith("/" + name))


# ---------------------------------------------------------------- more edges

def test_restored_story_comes_back_in_sync_feed_and_export(app, client, session, record, make_user, tmp_path):
    story = record["other"]
    hide_as_moderator(app, make_user, story.id)
    moderator = app.test_client()
    login(moderator, "moderator-x@example.org", PASSWORD)
    action = f"/moderation/stories/{story.id}/restore"
    data = form_data(moderator.get(f"/moderation/stories/{story.id}").get_data(as_text=True), action)
    data["restore-reason"] = "Hidden by mistake."
    response = moderator.post(action, data=data, csrf=False)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    session.refresh(story)
    assert story.status == "published"
    sync = [s for s in api_all(client, "/api/v1/stories?updated_since=2000-01-01T00:00:00Z&limit=100")
            if s["id"] == story.id]
    assert len(sync) == 1 and not sync[0].get("tombstone"), sync
    assert sync[0]["title"] == "Another published story"
    assert client.get(f"/api/v1/stories/{story.id}").status_code == 200
    out = export(app, tmp_path / "ds")
    assert str(story.id) in {r["id"] for r in read_csv(out / "stories.csv")}


def test_tombstone_is_returned_when_sync_is_filtered_by_provider(app, client, record, make_user):
    before = stamp(datetime.now(UTC) - timedelta(seconds=5))
    withdraw_as_author(app, record["published"].id, "hidden-author@example.org")
    for provider in ("W1", "T1"):
        sync = api_all(client, f"/api/v1/stories?updated_since={before}&provider={provider}")
        assert any(s["id"] == record["published"].id and s.get("tombstone") for s in sync), (provider, sync)


def test_updated_since_honours_a_utc_offset(app, client, record, make_user):
    hidden_at = datetime.now(UTC)
    hide_as_moderator(app, make_user, record["other"].id)
    # 30 minutes before the hiding, written in +01:00: the local clock reads 30 minutes *after* it.
    since = (hidden_at - timedelta(minutes=30)).astimezone(timezone(timedelta(hours=1)))
    query = urlencode({"updated_since": since.strftime("%Y-%m-%dT%H:%M:%S+01:00")})
    sync = api_all(client, f"/api/v1/stories?{query}")
    assert any(s["id"] == record["other"].id and s.get("tombstone") for s in sync), sync


def test_provider_statistics_forget_a_withdrawn_story_and_its_change(app, client, record):
    before = client.get("/api/v1/providers/W1").get_json()["data"]["statistics"]
    assert before["stories"] == 1 and before["changes_planned"] == 1, before
    withdraw_as_author(app, record["published"].id, "hidden-author@example.org")
    after = client.get("/api/v1/providers/W1").get_json()["data"]["statistics"]
    assert after["stories"] == 0, after
    assert after["changes_planned"] == 0, after


def test_staff_reply_and_change_bring_a_story_back_in_the_sync_feed(app, client, record, make_story, tmp_path,
                                                                    clock):
    app.config["RESPONDER_MODERATED_REPLIES"] = 0  # a trusted responder: the reply is public at once
    story_id = make_story(record["ward"], status="published", title="Awaiting a reply").id
    clock.advance(seconds=2)  # updated_since has whole seconds: the story's last change is before the next one
    since = stamp(clock.now())
    assert story_id not in {s["id"] for s in api_all(client, f"/api/v1/stories?updated_since={since}")}
    staff = app.test_client()
    login(staff, "hidden-staff@example.org", PASSWORD)
    response = staff.post(f"/stories/{story_id}/replies", data={"body": "Thank you, we are looking into it."})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    synced = {s["id"]: s for s in api_all(client, f"/api/v1/stories?updated_since={since}")}
    assert story_id in synced, "a new reply does not reach mirrors using updated_since"
    assert synced[story_id]["response_status"] == "responded"
    iso_utc(synced[story_id]["first_reply_at"])
    response = staff.post(f"/stories/{story_id}/changes", data={
        "kind": "made", "description": "We put up new signs to the clinic.", "made_on": "2026-01-05"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    synced = {s["id"]: s for s in api_all(client, f"/api/v1/stories?updated_since={since}")}
    assert synced[story_id]["response_status"] == "change_made"
    out = export(app, tmp_path / "ds")
    row = {r["id"]: r for r in read_csv(out / "stories.csv")}[str(story_id)]
    assert row["response_status"] == "change_made"
    assert "Thank you, we are looking into it." in (out / "responses.csv").read_text(encoding="utf-8")
