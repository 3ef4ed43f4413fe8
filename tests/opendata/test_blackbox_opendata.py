"""Black-box tests of Storyloop's open data: licence, dataset export, JSON API and Atom feeds.

Written from the issue's spec only; the site is observed through the test client and the CLI.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import feedparser
import pytest

from tests.conftest import PASSWORD, login
from tests.opendata.conftest import FORBIDDEN

CSV_FILES = ["stories.csv", "responses.csv", "changes.csv", "providers.csv", "tags.csv", "story_tags.csv"]
ALL_FILES = CSV_FILES + ["datapackage.json", "LICENSE", "README.md", "stories.ndjson"]
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$")
CC_BY_URL = "creativecommons.org/licenses/by/4.0"
CC0_URL = "creativecommons.org/publicdomain/zero/1.0"
STATUSES = ["awaiting_response", "responded", "change_planned", "change_made"]
TRICKY_TITLE = 'Commas, "quotes" and more, all in one'
TRICKY_BODY = ('He said "hello, there", then left.\n\n'
               'Second paragraph, with a comma; a "double ""quote""", and an apostrophe\'s turn.\n\n'
               'Third paragraph: a,b,c')
WELSH_TITLE = "Gofal da yn Ysbyty Gwynedd – diolch yn fawr 🏥"
WELSH_BODY = ("Roedd y nyrsys yn garedig iawn. Ŵyr, ŷd, â, ê, î, ô, û, ŵ, ŷ — diolch o galon! "
              "Emoji too: 💙👍🏽🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f and naïve café.")
WELSH_NAME = "Siân o Fangor"


# ---------------------------------------------------------------- helpers

def export(app, directory: Path) -> Path:
    result = app.test_cli_runner().invoke(args=["dataset", "export", str(directory)])
    assert result.exit_code == 0, result.output
    return directory


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_ndjson(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def relative(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def api_pages(client, url: str) -> list[dict]:
    """Every page of a paginated API list, following links.next."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        pages.append(body)
        nxt = body["links"]["next"]
        url = relative(nxt) if nxt else None
        assert len(pages) < 500, "pagination does not end"
    return pages


def api_all(client, url: str) -> list[dict]:
    return [item for page in api_pages(client, url) for item in page["data"]]


def main_of(html: str) -> str:
    """The page's <main> element only (the footer names the licence on every page)."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match, "page has no <main>"
    return match.group(0)


def assert_problem(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json", response.headers.get("Content-Type")
    body = json.loads(response.get_data(as_text=True))
    assert body["status"] == status
    assert body.get("title")
    assert "type" in body
    return body


def assert_clean(text: str, where: str):
    for secret in FORBIDDEN:
        assert secret not in text, f"{secret!r} leaked in {where}"


def iso_utc(value: str) -> datetime:
    assert ISO_UTC.match(value), f"not ISO 8601 UTC: {value!r}"
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.utcoffset() == timedelta(0)
    return parsed


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def withdraw_as_author(app, story_id: int, email: str):
    author = app.test_client()
    login(author, email, PASSWORD)
    response = author.post(f"/my/stories/{story_id}/withdraw")
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:1000]
    return response


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


def add_reply(session, story, provider, author, body, status="visible", kind="staff"):
    from app.extensions import utcnow
    from app.replies.models import Reply

    reply = Reply(story_id=story.id, author_id=author.id, kind=kind,
                  provider_id=provider.id if kind == "staff" else None,
                  responder_name="Rhys Responder" if kind == "staff" else None,
                  responder_title="Ward manager" if kind == "staff" else None,
                  body=body, status=status, published_at=utcnow() if status == "visible" else None)
    session.add(reply)
    session.commit()
    return reply


def named_story(session, make_story, provider, public_name, **kwargs):
    story = make_story(provider, status="published", **kwargs)
    story.public_name = public_name
    session.commit()
    return story


def published_many(make_story, provider, n, **fields):
    return [make_story(provider, status="published", title=f"Bulk story {i:03d}", **fields) for i in range(n)]


# ---------------------------------------------------------------- dataset: files and validity

def test_export_writes_every_file(app, record, tmp_path):
    out = export(app, tmp_path / "ds")
    present = {p.name for p in out.iterdir()}
    assert set(ALL_FILES) <= present, f"missing: {set(ALL_FILES) - present}"


def test_exported_datapackage_validates_with_frictionless(app, record, session, make_story, tmp_path):
    from frictionless import Package

    make_story(record["ward"], status="published", title=TRICKY_TITLE, body=TRICKY_BODY)
    named_story(session, make_story, record["trust"], WELSH_NAME, title=WELSH_TITLE, body=WELSH_BODY)
    out = export(app, tmp_path / "ds")
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_datapackage_has_table_schema_with_keys_for_every_csv(app, record, tmp_path):
    out = export(app, tmp_path / "ds")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["path"]: r for r in package["resources"]}
    assert set(CSV_FILES) <= set(resources)
    for name in CSV_FILES:
        schema = resources[name]["schema"]
        header = next(csv.reader(open(out / name, encoding="utf-8", newline="")))
        assert [f["name"] for f in schema["fields"]] == header, name
        assert all(f.get("type") for f in schema["fields"]), name
        assert schema.get("primaryKey"), f"{name} has no primary key"
        assert any(f.get("constraints", {}).get("required") for f in schema["fields"]), name
    foreign = {name: {(tuple([fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]),
                       fk["reference"]["resource"])
                      for fk in resources[name]["schema"].get("foreignKeys", [])}
               for name in CSV_FILES}
    assert (("provider_id",), "providers") in foreign["stories.csv"]
    assert (("story_id",), "stories") in foreign["responses.csv"]
    assert (("story_id",), "stories") in foreign["changes.csv"]
    assert (("story_id",), "stories") in foreign["story_tags.csv"]
    assert (("tag_id",), "tags") in foreign["story_tags.csv"]


def test_csv_files_are_utf8_rfc4180_with_header(app, record, tmp_path):
    out = export(app, tmp_path / "ds")
    for name in CSV_FILES:
        raw = (out / name).read_bytes()
        raw.decode("utf-8")  # strict
        assert raw.split(b"\r\n", 1)[0].count(b",") >= 1, f"{name}: header not CRLF-terminated"
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
        width = len(rows[0])
        assert all(len(r) == width for r in rows), f"{name}: ragged rows"


def test_csv_quoting_of_commas_quotes_and_newlines_round_trips(app, record, session, make_story, make_user,
                                                               tmp_path):
    story = make_story(record["ward"], status="published", title=TRICKY_TITLE, body=TRICKY_BODY)
    staff = make_user(email="tricky-staff@example.org", provider=record["ward"])
    reply = add_reply(session, story, record["ward"], staff, 'We\'re sorry, truly; "lessons" learnt,\n\nand more.')
    out = export(app, tmp_path / "ds")
    with open(out / "stories.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    by_id = {r[header.index("id")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_id[str(story.id)]["title"] == TRICKY_TITLE
    assert by_id[str(story.id)]["body"] == TRICKY_BODY
    responses = {r["id"]: r for r in read_csv(out / "responses.csv")}
    assert responses[str(reply.id)]["body"] == reply.body
    ndjson = {s["id"]: s for s in read_ndjson(out / "stories.ndjson")}
    assert ndjson[story.id]["body"] == TRICKY_BODY
    assert ndjson[story.id]["title"] == TRICKY_TITLE


def test_non_ascii_welsh_and_emoji_survive_csv_ndjson_api_and_feed(app, client, record, session, make_story,
                                                                  tmp_path):
    story = named_story(session, make_story, record["ward"], WELSH_NAME, title=WELSH_TITLE, body=WELSH_BODY)
    out = export(app, tmp_path / "ds")
    row = {r["id"]: r for r in read_csv(out / "stories.csv")}[str(story.id)]
    assert (row["title"], row["body"], row["public_name"]) == (WELSH_TITLE, WELSH_BODY, WELSH_NAME)
    nd = {s["id"]: s for s in read_ndjson(out / "stories.ndjson")}[story.id]
    assert (nd["title"], nd["body"], nd["public_name"]) == (WELSH_TITLE, WELSH_BODY, WELSH_NAME)
    api = client.get(f"/api/v1/stories/{story.id}").get_json()["data"]
    assert (api["title"], api["body"], api["public_name"]) == (WELSH_TITLE, WELSH_BODY, WELSH_NAME)
    feed = feedparser.parse(client.get("/feeds/stories.atom").data)
    entry = next(e for e in feed.entries if e.title == WELSH_TITLE)
    assert entry.author == WELSH_NAME


def test_every_csv_foreign_key_resolves(app, record, session, make_provider, make_story, make_user, tmp_path):
    hospital = make_provider(code="H1", name="Hospital One", kind="hospital", parent=record["trust"])
    ward = make_provider(code="H1W1", name="Deep Ward", kind="department", parent=hospital)
    story = make_story(ward, status="published")
    author = story.author if hasattr(story, "author") else make_user()
    add_reply(session, story, ward, make_user(provider=ward), "A reply to a deep ward story")
    add_reply(session, story, ward, author, "The author's published answer", kind="author")
    out = export(app, tmp_path / "ds")
    providers = read_csv(out / "providers.csv")
    provider_ids = {p["id"] for p in providers}
    provider_codes = {p["code"] for p in providers}
    stories = {s["id"] for s in read_csv(out / "stories.csv")}
    tags = {t["id"] for t in read_csv(out / "tags.csv")}
    for p in providers:
        assert p["parent_code"] == "" or p["parent_code"] in provider_codes, p
    for s in read_csv(out / "stories.csv"):
        assert s["provider_id"] in provider_ids, s
    for st in read_csv(out / "story_tags.csv"):
        assert st["story_id"] in stories and st["tag_id"] in tags, st
    responses = read_csv(out / "responses.csv")
    assert responses
    for r in responses:
        assert r["story_id"] in stories, r
        assert r["provider_id"] == "" or r["provider_id"] in provider_ids, r
    for c in read_csv(out / "changes.csv"):
        assert c["story_id"] in stories and c["provider_id"] in provider_ids, c
    for s in read_ndjson(out / "stories.ndjson"):
        assert str(s["id"]) in stories


def test_provider_hierarchy_is_exported_with_parent_code(app, record, make_provider, tmp_path):
    hospital = make_provider(code="H9", name="Hospital Nine", kind="hospital", parent=record["trust"])
    make_provider(code="H9W2", name="Ward Two", kind="department", parent=hospital)
    out = export(app, tmp_path / "ds")
    parents = {p["code"]: p["parent_code"] for p in read_csv(out / "providers.csv")}
    assert parents["T1"] == ""
    assert parents["W1"] == "T1"
    assert parents["H9"] == "T1"
    assert parents["H9W2"] == "H9"


def test_exported_times_are_iso8601_utc(app, record, session, make_story, make_user, tmp_path):
    from app.replies.models import Change

    story = make_story(record["ward"], status="published")
    add_reply(session, story, record["ward"], make_user(provider=record["ward"]), "reply with a time")
    session.add(Change(story_id=story.id, provider_id=record["ward"].id, kind="made",
                       description="New signage made", reporter_name="Sam Staff",
                       made_on=datetime(2025, 3, 4).date()))
    session.commit()
    out = export(app, tmp_path / "ds")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    checked = 0
    for resource in package["resources"]:
        types = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
        for row in read_csv(out / resource["path"]):
            for column, kind in types.items():
                if row[column] == "":
                    continue
                if kind == "datetime":
                    iso_utc(row[column])
                    checked += 1
                elif kind == "date":
                    datetime.strptime(row[column], "%Y-%m-%d")
                elif kind == "yearmonth":
                    datetime.strptime(row[column], "%Y-%m")
    assert checked >= 5
    for s in read_ndjson(out / "stories.ndjson"):
        iso_utc(s["published_at"])
        for r in s["responses"]:
            iso_utc(r["published_at"])
        for c in s["changes"]:
            iso_utc(c["created_at"])


def test_ids_are_stable_across_two_exports(app, record, session, make_story, make_provider, make_user, tmp_path):
    first = export(app, tmp_path / "one")
    newer = make_story(record["trust"], status="published", title="Told between the exports")
    make_provider(code="NEW1", name="A new service", kind="gp_practice")
    add_reply(session, newer, record["trust"], make_user(provider=record["trust"]), "new reply")
    second = export(app, tmp_path / "two")
    keys = {"stories.csv": "title", "providers.csv": "code", "tags.csv": "slug", "responses.csv": "body",
            "changes.csv": "description"}
    for name, column in keys.items():
        before = {r["id"]: r[column] for r in read_csv(first / name)}
        after = {r["id"]: r[column] for r in read_csv(second / name)}
        assert before, name
        for ident, value in before.items():
            assert after.get(ident) == value, f"{name}: id {ident} changed between exports"
    pairs_before = {(r["story_id"], r["tag_id"]) for r in read_csv(first / "story_tags.csv")}
    pairs_after = {(r["story_id"], r["tag_id"]) for r in read_csv(second / "story_tags.csv")}
    assert pairs_before <= pairs_after
    assert str(newer.id) in {r["id"] for r in read_csv(second / "stories.csv")}


def test_ndjson_nests_tags_responses_and_changes(app, record, tmp_path):
    out = export(app, tmp_path / "ds")
    stories = {s["id"]: s for s in read_ndjson(out / "stories.ndjson")}
    csv_ids = {int(r["id"]) for r in read_csv(out / "stories.csv")}
    assert set(stories) == csv_ids
    published = stories[record["published"].id]
    assert "good-kindness" in json.dumps(published["tags"])
    assert [r["body"] for r in published["responses"]] == ["Visible reply text"]
    assert [c["description"] for c in published["changes"]] == ["Visible change planned"]


def test_export_holds_only_published_content(app, record, tmp_path):
    out = export(app, tmp_path / "ds")
    published_ids = {str(record["published"].id), str(record["other"].id)}
    assert {r["id"] for r in read_csv(out / "stories.csv")} == published_ids
    assert [r["body"] for r in read_csv(out / "responses.csv")] == ["Visible reply text"]
    for path in out.iterdir():
        assert_clean(path.read_text(encoding="utf-8"), path.name)
    for name in CSV_FILES:
        header = next(csv.reader(open(out / name, encoding="utf-8", newline="")))
        for column in header:
            assert not re.search(r"email|password|flag|note|moderat", column), f"{name}.{column}"


def test_license_file_and_datapackage_name_the_licence(app, record, tmp_path):
    out = export(app, tmp_path / "ds")
    assert "CC-BY-4.0" in (out / "LICENSE").read_text(encoding="utf-8")
    assert CC_BY_URL in (out / "LICENSE").read_text(encoding="utf-8")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert CC_BY_URL in package["licenses"][0]["path"]


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


# ---------------------------------------------------------------- API: pagination

def test_sixty_story_export_paginated_via_api_limit_7_returns_each_story_once(app, client, make_provider,
                                                                             make_story, tmp_path):
    trust = make_provider(code="TP", name="Paging Trust", kind="trust")
    ward = make_provider(code="TPW", name="Paging Ward", kind="department", parent=trust)
    published_many(make_story, ward, 30)
    published_many(make_story, trust, 30)
    out = export(app, tmp_path / "ds")
    exported = [r["id"] for r in read_csv(out / "stories.csv")]
    assert len(exported) == 60
    pages = api_pages(client, "/api/v1/stories?limit=7")
    assert all(len(p["data"]) <= 7 for p in pages)
    assert len(pages) == math.ceil(60 / 7)
    ids = [str(s["id"]) for p in pages for s in p["data"]]
    assert sorted(ids) == sorted(exported)
    assert len(ids) == len(set(ids)) == 60
    assert pages[-1]["links"]["next"] is None


def test_updated_since_sync_pagination_with_tied_times_returns_each_story_once(client, make_provider, make_story):
    provider = make_provider(code="TS", name="Sync Trust", kind="trust")
    made = published_many(make_story, provider, 60)
    pages = api_pages(client, "/api/v1/stories?updated_since=2000-01-01T00:00:00Z&limit=7")
    ids = [s["id"] for p in pages for s in p["data"]]
    assert len(ids) == len(set(ids)), "a story came back twice"
    assert set(ids) == {s.id for s in made}
    times = [iso_utc(s["updated_at"]) for p in pages for s in p["data"]]
    assert times == sorted(times), "sync feed is not oldest change first"


def test_filtered_pagination_returns_each_story_once(client, record, make_provider, make_story):
    published_many(make_story, record["ward"], 23)
    published_many(make_story, record["trust"], 11)
    ids = [s["id"] for s in api_all(client, "/api/v1/stories?provider=W1&limit=7")]
    assert len(ids) == len(set(ids)) == 24


def test_pagination_is_stable_when_a_story_is_published_midway(client, make_provider, make_story):
    provider = make_provider(code="TM", name="Midway Trust", kind="trust")
    made = {s.id for s in published_many(make_story, provider, 20)}
    first = client.get("/api/v1/stories?limit=7").get_json()
    make_story(provider, status="published", title="Published while paging")
    rest = api_all(client, relative(first["links"]["next"]))
    ids = [s["id"] for s in first["data"]] + [s["id"] for s in rest]
    assert len(ids) == len(set(ids)), "duplicate after a new story arrived"
    assert made <= set(ids)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "7.5", "1e2"])
def test_bad_limit_is_400_problem(client, record, limit):
    body = assert_problem(client.get(f"/api/v1/stories?limit={limit}"), 400)
    assert body.get("detail")


def test_limit_100_is_accepted(client, record):
    response = client.get("/api/v1/stories?limit=100")
    assert response.status_code == 200
    assert client.get("/api/v1/providers?limit=100").status_code == 200


@pytest.mark.parametrize("query", [
    "status=bogus", "criticality=9", "criticality=high", "published_since=yesterday",
    "updated_since=not-a-date", "published_since=2025-13-45T00:00:00Z", "cursor=%%%garbage%%%",
    "cursor=eyJub3QiOiJhIGN1cnNvciJ9",
])
def test_bad_parameters_are_400_problem_json(client, record, query):
    body = assert_problem(client.get(f"/api/v1/stories?{query}"), 400)
    assert_clean(json.dumps(body), query)


def test_bad_provider_list_parameters_are_400(client, record):
    assert_problem(client.get("/api/v1/providers?limit=500"), 400)
    assert_problem(client.get("/api/v1/providers?cursor=garbage!!"), 400)


# ---------------------------------------------------------------- API: filters and content

def test_provider_filter_includes_everything_below_it(client, record, make_provider, make_story):
    hospital = make_provider(code="H2", name="Hospital Two", kind="hospital", parent=record["trust"])
    deep = make_provider(code="H2W9", name="Deep Ward Nine", kind="department", parent=hospital)
    deep_story = make_story(deep, status="published")
    outside = make_story(make_provider(code="ELSE", name="Elsewhere", kind="trust"), status="published")
    under_trust = {s["id"] for s in api_all(client, "/api/v1/stories?provider=T1&limit=100")}
    assert under_trust == {record["published"].id, record["other"].id, deep_story.id}
    assert outside.id not in under_trust
    assert {s["id"] for s in api_all(client, "/api/v1/stories?provider=H2")} == {deep_story.id}
    assert {s["id"] for s in api_all(client, "/api/v1/stories?provider=W1")} == {record["published"].id}


def test_unknown_provider_filter_does_not_return_other_stories(client, record):
    response = client.get("/api/v1/stories?provider=NOSUCH")
    if response.status_code == 200:
        assert response.get_json()["data"] == []
    else:
        assert_problem(response, response.status_code)
        assert response.status_code in (400, 404)


def test_tag_filter(client, record):
    ids = {s["id"] for s in api_all(client, "/api/v1/stories?tag=good-kindness")}
    assert ids == {record["published"].id}
    assert api_all(client, "/api/v1/stories?tag=improve-parking") == []


@pytest.mark.parametrize("status", STATUSES)
def test_status_filter(client, make_provider, make_story, status):
    provider = make_provider(code="SF", name="Status Trust", kind="trust")
    stories = {s: make_story(provider, status="published", response_status=s) for s in STATUSES}
    found = api_all(client, f"/api/v1/stories?status={status}")
    assert {s["id"] for s in found} == {stories[status].id}
    assert all(s["response_status"] == status for s in found)


def test_criticality_filter(client, make_provider, make_story):
    provider = make_provider(code="CF", name="Crit Trust", kind="trust")
    severe = make_story(provider, status="published", criticality=5)
    mild = make_story(provider, status="published", criticality=1)
    ids = {s["id"] for s in api_all(client, "/api/v1/stories?criticality=5")}
    assert severe.id in ids and mild.id not in ids


def test_published_since_filter(client, record, session, make_story):
    old = make_story(record["trust"], status="published", title="An old story")
    old.published_at = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    session.commit()
    since = stamp(datetime.now(UTC) - timedelta(days=1))
    ids = {s["id"] for s in api_all(client, f"/api/v1/stories?published_since={since}")}
    assert ids == {record["published"].id, record["other"].id}
    all_ids = {s["id"] for s in api_all(client, "/api/v1/stories?published_since=2000-01-01T00:00:00Z")}
    assert old.id in all_ids
    future = stamp(datetime.now(UTC) + timedelta(days=1))
    assert api_all(client, f"/api/v1/stories?published_since={future}") == []


def test_story_detail_has_only_the_public_conversation(client, record):
    data = client.get(f"/api/v1/stories/{record['published'].id}").get_json()["data"]
    assert [r["body"] for r in data["responses"]] == ["Visible reply text"]
    assert [c["description"] for c in data["changes"]] == ["Visible change planned"]
    assert data["title"] == "Published story"
    assert_clean(json.dumps(data), "story detail")


@pytest.mark.parametrize("which", ["pending", "hidden", "withdrawn", "rejected"])
def test_unpublished_story_detail_is_not_served(client, record, which):
    response = client.get(f"/api/v1/stories/{record['secrets'][which].id}")
    assert response.status_code in (404, 410)
    assert response.mimetype == "application/problem+json"
    assert_clean(response.get_data(as_text=True), which)


def test_providers_list_and_detail_with_statistics(client, record, make_provider, make_story):
    hospital = make_provider(code="H3", name="Hospital Three", kind="hospital", parent=record["trust"])
    deep = make_provider(code="H3W1", name="Deep Ward", kind="department", parent=hospital)
    make_story(deep, status="published")
    providers = {p["code"]: p for p in api_all(client, "/api/v1/providers?limit=100")}
    assert {"T1", "W1", "H3", "H3W1"} <= set(providers)
    assert providers["W1"]["parent_code"] == "T1"
    assert providers["H3W1"]["parent_code"] == "H3"
    detail = client.get("/api/v1/providers/T1").get_json()["data"]
    assert detail["code"] == "T1"
    assert detail["statistics"]["stories"] == 3, detail["statistics"]
    assert client.get("/api/v1/providers/W1").get_json()["data"]["statistics"]["stories"] == 1
    assert_clean(json.dumps(providers) + json.dumps(detail), "providers")


def test_providers_pagination_each_once(client, make_provider):
    for i in range(25):
        make_provider(code=f"PG{i:02d}", name=f"Paged {i}", kind="gp_practice")
    codes = [p["code"] for p in api_all(client, "/api/v1/providers?limit=7")]
    assert len(codes) == len(set(codes)) == 25


def test_api_is_read_only(client, record):
    for method in ("post", "put", "delete", "patch"):
        kwargs = {"csrf": False} if method == "post" else {}
        response = getattr(client, method)("/api/v1/stories", json={"title": "x"}, **kwargs)
        assert response.status_code == 405, (method, response.status_code)
    response = client.delete(f"/api/v1/stories/{record['published'].id}")
    assert response.status_code == 405
    assert client.get(f"/api/v1/stories/{record['published'].id}").status_code == 200


def test_method_not_allowed_is_problem_json(client, record):
    assert_problem(client.delete("/api/v1/stories"), 405)


# ---------------------------------------------------------------- API: protocol

def test_problem_json_for_404s(client, record):
    assert_problem(client.get("/api/v1/stories/999999"), 404)
    assert_problem(client.get("/api/v1/providers/NOSUCH"), 404)
    assert_problem(client.get("/api/v1/no-such-endpoint"), 404)


def test_non_integer_story_id_is_problem_json(client, record):
    response = client.get("/api/v1/stories/abc")
    assert response.status_code in (400, 404)
    assert response.mimetype == "application/problem+json"


def test_cors_open_for_get(client, record):
    for url in ["/api/v1/stories", f"/api/v1/stories/{record['published'].id}", "/api/v1/providers",
                "/api/v1/providers/T1", "/api/v1/openapi.json"]:
        response = client.get(url, headers={"Origin": "https://research.example"})
        assert response.headers.get("Access-Control-Allow-Origin") == "*", url
        assert response.headers.get("Access-Control-Allow-Credentials") != "true"


def test_cors_on_api_errors(client, record):
    for url in ["/api/v1/stories/999999", "/api/v1/stories?limit=0"]:
        response = client.get(url, headers={"Origin": "https://research.example"})
        assert response.headers.get("Access-Control-Allow-Origin") == "*", url


def test_options_preflight_has_cors(client, record):
    response = client.options("/api/v1/stories", headers={
        "Origin": "https://research.example", "Access-Control-Request-Method": "GET"})
    assert response.status_code in (200, 204)
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
    assert "GET" in response.headers.get("Access-Control-Allow-Methods", "")


def test_preflight_allows_the_conditional_request_header(client, record):
    response = client.options("/api/v1/stories", headers={
        "Origin": "https://research.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    allowed = response.headers.get("Access-Control-Allow-Headers", "").lower()
    assert "if-none-match" in allowed or allowed.strip() == "*"


def test_head_works_on_api_feed_and_zip(client, record, deliver):
    deliver()
    for url in ["/api/v1/stories", f"/api/v1/stories/{record['published'].id}", "/api/v1/providers/T1",
                "/feeds/stories.atom", "/data/storyloop-dataset.zip"]:
        get = client.get(url)
        head = client.head(url)
        assert head.status_code == 200, url
        assert head.data == b"", url
        assert head.headers.get("Content-Type") == get.headers.get("Content-Type"), url
        if get.headers.get("ETag"):
            assert head.headers.get("ETag") == get.headers.get("ETag"), url


def test_etag_and_304(client, record):
    for url in ["/api/v1/stories", f"/api/v1/stories/{record['published'].id}", "/api/v1/providers",
                "/api/v1/providers/T1"]:
        first = client.get(url)
        etag = first.headers.get("ETag")
        assert etag, url
        second = client.get(url, headers={"If-None-Match": etag})
        assert second.status_code == 304, url
        assert second.data == b""
        assert second.headers.get("ETag") == etag, "304 must repeat the ETag"
        assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_etag_changes_when_content_changes(app, client, record, make_story):
    url = "/api/v1/stories"
    etag = client.get(url).headers["ETag"]
    withdraw_as_author(app, record["published"].id, "hidden-author@example.org")
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200, "withdrawn story still served from a cached 304"
    etag2 = response.headers["ETag"]
    make_story(record["trust"], status="published", title="Fresh")
    assert client.get(url, headers={"If-None-Match": etag2}).status_code == 200


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_API": "2 per minute"}])
def test_rate_limit_429_with_retry_after(client, record):
    codes = [client.get("/api/v1/stories").status_code for _ in range(2)]
    assert codes == [200, 200]
    limited = client.get("/api/v1/stories", headers={"Origin": "https://research.example"})
    body = assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers.get("Access-Control-Allow-Origin") == "*"
    assert_clean(json.dumps(body), "429")
    other = client.get("/api/v1/stories", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200, "the limit is per client address"


def test_openapi_document_validates(client, record):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    paths = set(document["paths"])
    for needed in ["/stories", "/stories/{id}", "/providers", "/providers/{code}"]:
        assert any(p.endswith(needed) for p in paths), needed
    assert_clean(json.dumps(document), "openapi")


def test_api_responses_match_their_openapi_schemas(client, record):
    import jsonschema

    document = client.get("/api/v1/openapi.json").get_json()

    def schema_for(path: str) -> dict:
        key = next(p for p in document["paths"] if p.endswith(path))
        content = document["paths"][key]["get"]["responses"]["200"]["content"]["application/json"]
        return {**content["schema"], "components": document["components"]}

    cases = [("/stories", "/api/v1/stories"),
             ("/stories", "/api/v1/stories?updated_since=2000-01-01T00:00:00Z"),
             ("/stories/{id}", f"/api/v1/stories/{record['published'].id}"),
             ("/providers", "/api/v1/providers"),
             ("/providers/{code}", "/api/v1/providers/T1")]
    for path, url in cases:
        jsonschema.Draft202012Validator(schema_for(path)).validate(client.get(url).get_json())


def test_licence_in_every_api_response(client, record):
    urls = ["/api/v1/stories", "/api/v1/stories?provider=T1", "/api/v1/stories?tag=improve-parking",
            "/api/v1/stories?updated_since=2000-01-01T00:00:00Z", f"/api/v1/stories/{record['published'].id}",
            "/api/v1/providers", "/api/v1/providers/T1", "/api/v1/providers/W1"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        licence = response.get_json()["licence"]
        assert licence["id"] == "CC-BY-4.0", url
        assert CC_BY_URL in licence["url"], url
    info = client.get("/api/v1/openapi.json").get_json()["info"]
    assert "CC-BY-4.0" in json.dumps(info.get("license", {}))


def test_no_secret_in_any_api_response(client, record):
    urls = ["/api/v1/stories?limit=100", "/api/v1/stories?updated_since=2000-01-01T00:00:00Z&limit=100",
            "/api/v1/stories?provider=W1", "/api/v1/providers?limit=100", "/api/v1/providers/T1",
            "/api/v1/providers/W1", "/api/v1/providers?q=Trust", "/api/v1/openapi.json"]
    ids = [record["published"].id, record["other"].id] + [s.id for s in record["secrets"].values()]
    urls += [f"/api/v1/stories/{i}" for i in ids]
    for url in urls:
        assert_clean(client.get(url).get_data(as_text=True), url)


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


# ---------------------------------------------------------------- /data and the zip

def _member(z: zipfile.ZipFile, name: str) -> str:
    return next(n for n in z.namelist() if n == name or n.endswith("/" + name))


def test_data_page_explains_dataset_and_api(client, record):
    response = client.get("/data")
    assert response.status_code == 200
    page = main_of(response.get_data(as_text=True))
    assert "/api/v1/openapi.json" in page
    assert "/api/v1" in page
    assert "datapackage.json" in page
    assert "CC-BY-4.0" in page


def test_zip_is_404_and_page_says_so_before_the_first_export(client, record):
    assert client.get("/data/storyloop-dataset.zip").status_code == 404
    page = main_of(client.get("/data").get_data(as_text=True))
    assert 'href="/data/storyloop-dataset.zip"' not in page


def test_data_page_links_download_and_says_when_generated(client, record, deliver):
    deliver()
    zipped = client.get("/data/storyloop-dataset.zip")
    assert zipped.status_code == 200
    page = main_of(client.get("/data").get_data(as_text=True))
    assert "/data/storyloop-dataset.zip" in page
    assert "generated" in page.lower()
    when = datetime.strptime(zipped.headers["Last-Modified"], "%a, %d %b %Y %H:%M:%S GMT")
    candidates = [when.strftime("%Y-%m-%d"), f"{when.day} {when.strftime('%B %Y')}",
                  f"{when.day} {when.strftime('%b %Y')}", when.strftime("%d %B %Y"), when.strftime("%B %d, %Y")]
    assert any(c in page for c in candidates), page


def test_zip_served_with_etag_last_modified_and_working_304(client, record, deliver):
    deliver()
    response = client.get("/data/storyloop-dataset.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    assert etag and modified
    by_etag = client.get("/data/storyloop-dataset.zip", headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.data == b""
    by_date = client.get("/data/storyloop-dataset.zip", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    assert client.get("/data/storyloop-dataset.zip", headers={"If-None-Match": '"nope"'}).status_code == 200


def test_served_zip_holds_a_valid_clean_dataset(client, record, deliver, tmp_path):
    from frictionless import Package

    deliver()
    data = client.get("/data/storyloop-dataset.zip").data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        for name in ALL_FILES:
            assert any(n == name or n.endswith("/" + name) for n in names), name
        for name in names:
            if not name.endswith("/"):
                assert_clean(z.read(name).decode("utf-8"), f"zip:{name}")
        z.extractall(tmp_path / "unzipped")
    package_path = next((tmp_path / "unzipped").rglob("datapackage.json"))
    report = Package(str(package_path)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


# ---------------------------------------------------------------- the whole sweep

def test_sweep_of_every_file_response_and_feed_finds_no_secret(app, client, record, tmp_path, deliver):
    deliver()
    out = export(app, tmp_path / "ds")
    for path in out.iterdir():
        assert_clean(path.read_text(encoding="utf-8"), path.name)
    ids = [record["published"].id, record["other"].id] + [s.id for s in record["secrets"].values()]
    urls = ["/api/v1/stories?limit=100", "/api/v1/stories?updated_since=2000-01-01T00:00:00Z&limit=100",
            "/api/v1/providers?limit=100", "/api/v1/providers/T1", "/api/v1/providers/W1", "/api/v1/openapi.json",
            "/feeds/stories.atom", "/feeds/providers/T1.atom", "/feeds/providers/W1.atom", "/data"]
    urls += [f"/api/v1/stories/{i}" for i in ids]
    for url in urls:
        assert_clean(client.get(url).get_data(as_text=True), url)
    with zipfile.ZipFile(io.BytesIO(client.get("/data/storyloop-dataset.zip").data)) as z:
        for name in z.namelist():
            assert_clean(z.read(name).decode("utf-8"), name)


# ---------------------------------------------------------------- more edges

def _moderator(app, make_user):
    make_user(email="moderator-y@example.org", moderator=True)
    moderator = app.test_client()
    login(moderator, "moderator-y@example.org", PASSWORD)
    return moderator


def _form_data(page: str, action: str) -> dict:
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page, re.S)
    assert form, f"no form posting to {action}"
    html = form.group(0)
    data = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name and (not kind or kind.group(1) not in ("radio", "checkbox")):
            data[name.group(1)] = value.group(1) if value else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = text.strip()
    return data


def test_moderator_edits_before_publishing_reach_open_data_not_the_original(app, client, session, record,
                                                                            make_user, make_story, tmp_path):
    story = make_story(record["ward"], status="pending", title="Nurse Zebedee Quill was rude",
                       body="Nurse Zebedee Quill on the ward was rude to my mother and would not listen to her.")
    moderator = _moderator(app, make_user)
    action = f"/moderation/stories/{story.id}/publish"
    data = _form_data(moderator.get(f"/moderation/stories/{story.id}").get_data(as_text=True), action)
    data.update({"publish-criticality": "3", "publish-title": "A nurse was rude",
                 "publish-body": "A nurse on the ward was rude to my mother and would not listen to her.",
                 "publish-edit_reason": "removed a staff name"})
    response = moderator.post(action, data=data, csrf=False)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]
    session.refresh(story)
    assert story.status == "published"
    out = export(app, tmp_path / "ds")
    texts = [p.read_text(encoding="utf-8") for p in out.iterdir()]
    texts += [client.get(u).get_data(as_text=True) for u in (
        "/api/v1/stories", f"/api/v1/stories/{story.id}", "/api/v1/stories?updated_since=2000-01-01T00:00:00Z",
        "/feeds/stories.atom", "/feeds/providers/W1.atom")]
    joined = "\n".join(texts)
    assert "A nurse was rude" in joined
    assert "Zebedee" not in joined and "Quill" not in joined


def test_restored_story_comes_back_in_sync_feed_and_export(app, client, session, record, make_user, tmp_path):
    story = record["other"]
    hide_as_moderator(app, make_user, story.id)
    moderator = app.test_client()
    login(moderator, "moderator-x@example.org", PASSWORD)
    action = f"/moderation/stories/{story.id}/restore"
    data = _form_data(moderator.get(f"/moderation/stories/{story.id}").get_data(as_text=True), action)
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


def test_children_of_unpublished_stories_are_not_exported(app, client, session, record, tmp_path):
    from sqlalchemy import select

    from app.replies.models import Change
    from app.stories.models import Tag

    hidden = record["secrets"]["hidden"]
    pending = record["secrets"]["pending"]
    tag = session.scalar(select(Tag).where(Tag.slug == "improve-parking"))
    hidden.tags = [tag]
    pending.tags = [tag]
    session.add_all([Change(story_id=hidden.id, provider_id=record["ward"].id, kind="planned",
                            description="UNPUBLISHED change on a hidden story", reporter_name="Sam Staff"),
                     Change(story_id=pending.id, provider_id=record["ward"].id, kind="planned",
                            description="UNPUBLISHED change on a pending story", reporter_name="Sam Staff")])
    session.commit()
    out = export(app, tmp_path / "ds")
    secret_ids = {str(s.id) for s in record["secrets"].values()}
    for name in ("responses.csv", "changes.csv", "story_tags.csv"):
        assert not {r["story_id"] for r in read_csv(out / name)} & secret_ids, name
    for path in out.iterdir():
        assert_clean(path.read_text(encoding="utf-8"), path.name)
    assert api_all(client, "/api/v1/stories?tag=improve-parking") == []


def test_published_author_answer_is_part_of_the_conversation(app, client, session, record, tmp_path):
    story = record["published"]
    add_reply(session, story, record["ward"], story.author, "Thank you, that helps — the author", kind="author")
    detail = client.get(f"/api/v1/stories/{story.id}").get_json()["data"]
    assert "Thank you, that helps — the author" in [r["body"] for r in detail["responses"]]
    out = export(app, tmp_path / "ds")
    kinds = {r["body"]: r["kind"] for r in read_csv(out / "responses.csv")}
    assert kinds["Thank you, that helps — the author"] == "author"
    for path in out.iterdir():
        assert_clean(path.read_text(encoding="utf-8"), path.name)


def test_export_of_an_empty_site_is_still_a_valid_package(app, tmp_path):
    from frictionless import Package

    out = export(app, tmp_path / "empty")
    assert set(ALL_FILES) <= {p.name for p in out.iterdir()}
    assert read_csv(out / "stories.csv") == []
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_re_export_into_the_same_directory_replaces_the_old_data(app, record, tmp_path):
    out = export(app, tmp_path / "same")
    withdraw_as_author(app, record["published"].id, "hidden-author@example.org")
    export(app, tmp_path / "same")
    assert str(record["published"].id) not in {r["id"] for r in read_csv(out / "stories.csv")}
    assert "Published story" not in (out / "stories.ndjson").read_text(encoding="utf-8")


def test_datapackage_links_responses_and_changes_to_providers(app, record, tmp_path):
    out = export(app, tmp_path / "ds")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        if resource["path"] in ("responses.csv", "changes.csv"):
            refs = {(tuple([fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]),
                     fk["reference"]["resource"]) for fk in resource["schema"].get("foreignKeys", [])}
            assert (("provider_id",), "providers") in refs, resource["path"]


def test_if_none_match_with_a_list_of_etags(client, record):
    etag = client.get("/api/v1/stories").headers["ETag"]
    assert client.get("/api/v1/stories", headers={"If-None-Match": f'"older", {etag}'}).status_code == 304
    assert client.get("/api/v1/stories", headers={"If-None-Match": "*"}).status_code == 304


def test_provider_codes_are_case_insensitive_in_api_and_feed(client, record):
    assert client.get("/api/v1/providers/t1").get_json()["data"]["code"] == "T1"
    lower = {s["id"] for s in api_all(client, "/api/v1/stories?provider=t1")}
    assert lower == {record["published"].id, record["other"].id}
    assert client.get("/feeds/providers/w1.atom").status_code == 200


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


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_API": "2 per minute"}])
def test_rate_limit_is_shared_across_api_endpoints(client, record):
    assert client.get("/api/v1/stories").status_code == 200
    assert client.get("/api/v1/providers").status_code == 200
    assert_problem(client.get("/api/v1/providers/T1"), 429)


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_API": "2 per minute"}])
def test_rate_limit_cannot_be_dodged_with_a_forged_x_forwarded_for(client, record):
    codes = [client.get("/api/v1/stories", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
             for i in range(4)]
    assert codes[:2] == [200, 200]
    assert codes[2:] == [429, 429], codes


@pytest.mark.parametrize("query", ["q=%25", "q=_", "q=%25%25"])
def test_provider_search_treats_wildcards_literally(client, record, query):
    found = api_all(client, f"/api/v1/providers?{query}")
    assert found == [], f"{query} matched {[p['code'] for p in found]}"


def test_providers_kind_and_parent_filters(client, record, make_provider):
    make_provider(code="H5", name="Hospital Five", kind="hospital", parent=record["trust"])
    below = {p["code"] for p in api_all(client, "/api/v1/providers?parent=T1")}
    assert below == {"W1", "H5"}
    assert {p["code"] for p in api_all(client, "/api/v1/providers?kind=department")} == {"W1"}
    assert_problem(client.get("/api/v1/providers?kind=spaceship"), 400)


@pytest.mark.parametrize("app_overrides", [{"DATASET_MIN_INTERVAL_SECONDS": 0}])
def test_zip_etag_is_stable_when_nothing_changed(client, record, deliver):
    deliver()
    first = client.get("/data/storyloop-dataset.zip").headers["ETag"]
    deliver()
    assert client.get("/data/storyloop-dataset.zip", headers={"If-None-Match": first}).status_code == 304


def test_dataset_generation_time_is_iso_utc(app, record, tmp_path):
    out = export(app, tmp_path / "ds")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    created = iso_utc(package["created"])
    assert abs((datetime.now(UTC) - created).total_seconds()) < 600
