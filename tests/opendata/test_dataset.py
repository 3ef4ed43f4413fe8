"""The dataset export: valid under frictionless, only published content, stable ids, the served zip."""
from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from frictionless import Package

from app.opendata.bundle import build, rebuild_if_due
from tests.conftest import PASSWORD, login
from tests.opendata.conftest import FORBIDDEN


def export(app, tmp_path, name="export") -> Path:
    out = tmp_path / name
    result = app.test_cli_runner().invoke(args=["dataset", "export", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_export_writes_every_file_and_validates_with_frictionless(app, record, tmp_path):
    out = export(app, tmp_path)
    names = {p.name for p in out.iterdir()}
    assert {"datapackage.json", "LICENSE", "README.md", "stories.csv", "responses.csv", "changes.csv",
            "providers.csv", "tags.csv", "story_tags.csv", "stories.ndjson"} <= names
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((out / "datapackage.json").read_text())
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    stories_schema = next(r for r in package["resources"] if r["name"] == "stories")["schema"]
    assert stories_schema["primaryKey"] == ["id"]
    assert stories_schema["foreignKeys"][0]["reference"]["resource"] == "providers"
    assert "CC-BY-4.0" in (out / "LICENSE").read_text()
    readme = (out / "README.md").read_text()
    assert "### stories.csv" in readme and "first_reply_at" in readme


def test_export_holds_only_published_content_and_no_email(app, record, tmp_path):
    out = export(app, tmp_path)
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        for forbidden in FORBIDDEN:
            assert forbidden not in text, (path.name, forbidden)
    with (out / "stories.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["title"] for r in rows} == {"Published story", "Another published story"}
    published = next(r for r in rows if r["title"] == "Published story")
    assert published["provider_code"] == "W1" and published["experienced_in"] == "2025-01"
    assert published["published_at"].endswith("Z") and "T" in published["published_at"]
    with (out / "providers.csv").open(encoding="utf-8", newline="") as f:
        providers = {r["code"]: r for r in csv.DictReader(f)}
    assert providers["W1"]["parent_code"] == "T1" and providers["T1"]["parent_code"] == ""


def test_ndjson_nests_tags_responses_and_changes(app, record, tmp_path):
    out = export(app, tmp_path)
    lines = [json.loads(line) for line in (out / "stories.ndjson").read_text().splitlines()]
    story = next(s for s in lines if s["title"] == "Published story")
    assert story["tags"] == ["good-kindness"]
    assert [r["body"] for r in story["responses"]] == ["Visible reply text"]
    assert story["responses"][0]["responder_title"] == "Ward sister"
    assert [c["description"] for c in story["changes"]] == ["Visible change planned"]
    assert story["licence"] == "CC-BY-4.0" and story["first_reply_at"] is None


def test_ids_are_stable_across_exports_and_withdrawn_stories_leave(app, session, record, tmp_path):
    first = export(app, tmp_path, "one")
    record["other"].status = "withdrawn"
    session.commit()
    second = export(app, tmp_path, "two")

    def ids(folder):
        with (folder / "stories.csv").open(encoding="utf-8", newline="") as f:
            return {int(r["id"]): r["title"] for r in csv.DictReader(f)}

    assert ids(second) == {record["published"].id: "Published story"}
    assert ids(first)[record["published"].id] == "Published story"


def test_export_streams_with_flat_memory_per_batch(app, session, record, tmp_path, monkeypatch):
    # The export reads with yield_per; a batch smaller than the table proves it works across batches.
    import app.opendata.export as export_module

    monkeypatch.setattr(export_module, "BATCH", 1)
    out = export(app, tmp_path)
    assert len((out / "stories.ndjson").read_text().splitlines()) == 2


def test_the_zip_is_served_with_etag_and_a_working_304(app, session, client, record):
    assert client.get("/data/storyloop-dataset.zip").status_code == 404
    meta = build(session)
    assert meta["counts"]["stories"] == 2
    response = client.get("/data/storyloop-dataset.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert "datapackage.json" in archive.namelist()
        assert "UNPUBLISHED" not in archive.read("stories.csv").decode()
    assert client.get("/data/storyloop-dataset.zip", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/data/storyloop-dataset.zip", headers={"If-Modified-Since": modified}).status_code == 304
    page = client.get("/data").get_data(as_text=True)
    assert f"version {meta['version']}" in page and "/data/storyloop-dataset.zip" in page and "CC-BY-4.0" in page


def test_worker_rebuilds_when_content_changed_at_most_hourly(app, session, record):
    assert rebuild_if_due(session) is True  # no export yet
    assert rebuild_if_due(session) is False  # within the hour
    app.config["DATASET_MIN_INTERVAL_SECONDS"] = 0
    assert rebuild_if_due(session) is False  # nothing changed since
    record["other"].title = "A changed title"
    session.commit()
    assert rebuild_if_due(session) is True


def test_outbox_worker_builds_the_first_dataset(app, session, record, deliver):
    from app.opendata.bundle import zip_path

    deliver()
    assert zip_path().exists()


@pytest.mark.parametrize("path", ["/data", "/data/storyloop-dataset.zip"])
def test_data_pages_need_no_login(client, path, record):
    assert client.get(path).status_code in (200, 404)


def test_moderators_see_no_more_in_the_dataset_than_anyone(app, client, make_user, record, session, tmp_path):
    make_user(email="mod@example.org", moderator=True)
    login(client, "mod@example.org", PASSWORD)
    build(session)
    with zipfile.ZipFile(io.BytesIO(client.get("/data/storyloop-dataset.zip").data)) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8")
            for forbidden in FORBIDDEN:
                assert forbidden not in text, (name, forbidden)
    assert os.path.exists(tmp_path / "dataset" / "storyloop-dataset.zip")


def test_a_large_export_written_by_several_processes_is_the_same_as_one_process(app, session, record, tmp_path,
                                                                                monkeypatch, make_story):
    """Above PARALLEL_FROM stories, id ranges are written by processes of their own and joined in order."""
    from app.opendata import export as exporting

    for n in range(9):  # stories on both sides of every cut, with the record's tags, replies and changes
        make_story(record["ward"] if n % 2 else record["trust"], status="published", title=f"More {n}")
    session.commit()
    with app.app_context():
        one = exporting.export_dataset(session, tmp_path / "one", procs=1)
        monkeypatch.setattr(exporting, "PARALLEL_FROM", 1)
        assert exporting._id_ranges(session, 3) is not None
        shown: list[int] = []
        three = exporting.export_dataset(session, tmp_path / "three", procs=3, progress=shown.append)
    assert three == one and one["stories"] == 11
    assert sum(shown) == 11  # the progress bar follows the writing processes to the last story
    for name in ("stories.csv", "story_tags.csv", "responses.csv", "changes.csv", "providers.csv", "tags.csv",
                 "provider_months.csv", "stories.ndjson"):
        assert (tmp_path / "three" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    assert not (tmp_path / "three" / ".parts").exists()
    report = Package(str(tmp_path / "three" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
