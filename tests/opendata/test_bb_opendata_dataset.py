"""Black-box tests of Storyloop's open data, the dataset: its files and their validity, /data and the zip.

Written from the issue's spec only; the site is observed through the test client and the CLI.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime

import feedparser
import pytest

from tests.opendata.conftest import (
    CC_BY_URL,
    add_reply,
    assert_clean,
    export,
    iso_utc,
    main_of,
    named_story,
    read_csv,
    read_ndjson,
    withdraw_as_author,
)

CSV_FILES = ["stories.csv", "responses.csv", "changes.csv", "providers.csv", "tags.csv", "story_tags.csv",
             "provider_redirects.csv"]
ALL_FILES = CSV_FILES + ["datapackage.json", "LICENSE", "README.md", "stories.ndjson"]
TRICKY_TITLE = 'Commas, "quotes" and more, all in one'
TRICKY_BODY = ('He said "hello, there", then left.\n\n'
               'Second paragraph, with a comma; a "double ""quote""", and an apostrophe\'s turn.\n\n'
               'Third paragraph: a,b,c')
WELSH_TITLE = "Gofal da yn Ysbyty Gwynedd – diolch yn fawr 🏥"
WELSH_BODY = ("Roedd y nyrsys yn garedig iawn. Ŵyr, ŷd, â, ê, î, ô, û, ŵ, ŷ — diolch o galon! "
              "Emoji too: 💙👍🏽🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f and naïve café.")
WELSH_NAME = "Siân o Fangor"


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
    # Whether and when a moderator edited a story is public (issue 23); who, or anything else of moderation, not.
    said_of_moderation = {"edited_by_moderator": {"true", "false"}, "moderator_edited_at": None}
    for name in CSV_FILES:
        rows = list(csv.reader(open(out / name, encoding="utf-8", newline="")))
        for i, column in enumerate(rows[0]):
            if name == "stories.csv" and column in said_of_moderation:
                values = {row[i] for row in rows[1:]}
                expected = said_of_moderation[column]
                assert values <= expected if expected else all(re.fullmatch(r"(\d{4}-.*Z)?", v) for v in values)
                continue
            assert not re.search(r"email|password|flag|note|moderat", column), f"{name}.{column}"


def test_license_file_and_datapackage_name_the_licence(app, record, tmp_path):
    out = export(app, tmp_path / "ds")
    assert "CC-BY-4.0" in (out / "LICENSE").read_text(encoding="utf-8")
    assert CC_BY_URL in (out / "LICENSE").read_text(encoding="utf-8")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert CC_BY_URL in package["licenses"][0]["path"]


# ---------------------------------------------------------------- /data and the zip

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


# ---------------------------------------------------------------- more edges

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
