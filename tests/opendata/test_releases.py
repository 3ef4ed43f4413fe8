"""Releases a paper can cite: a new release only when the published content changed (decided from the database,
not the clock), the last few kept downloadable by version, a removed one gone for good (410), the schema's
changelog and the real rebuild interval on /data."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import pytest

from app.opendata import bundle
from app.opendata.bundle import build, rebuild_if_due, release_path, schema_change
from app.stories.models import Story

NOW = datetime(2026, 11, 28, 9, 30, 5, tzinfo=UTC)


def _download(client, url="/data/storyloop-dataset.zip"):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        package = json.loads(archive.read("datapackage.json"))
    return response, package


def _edit(session, story_id: int, title: str) -> None:
    session.get(Story, story_id).title = title
    session.commit()


@pytest.fixture
def looking(app, clock):
    app.config["DATASET_MIN_INTERVAL_SECONDS"] = 0
    clock.set(NOW)
    return clock


def test_two_looks_with_no_change_between_keep_the_same_release(client, session, record, looking):
    assert rebuild_if_due(session) is True
    first, package = _download(client)
    looking.advance(hours=3)  # later the same day: the clock moved, the content did not
    assert rebuild_if_due(session) is False
    build(session)  # even an export forced by hand makes no new release
    second, again = _download(client)
    assert second.data == first.data  # the same bytes
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"] == "Sat, 28 Nov 2026 09:30:05 GMT"
    assert again["created"] == package["created"] == "2026-11-28T09:30:05Z"
    assert again["version"] == package["version"] == "2026.11.28.093005"
    assert client.get("/data/storyloop-dataset.zip",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_a_new_day_alone_makes_no_new_release(client, session, record, looking):
    rebuild_if_due(session)
    first, _ = _download(client)
    looking.advance(days=1)  # the figures reckoned "as of today" are looked at again: nothing moved
    assert rebuild_if_due(session) is False
    assert _download(client)[0].data == first.data


def test_a_change_makes_a_later_release_and_the_earlier_stays_downloadable(client, session, record, looking):
    rebuild_if_due(session)
    first, package = _download(client)
    looking.advance(minutes=5)
    _edit(session, record["other"].id, "A title corrected since")
    assert rebuild_if_due(session) is True
    latest, newer = _download(client)
    assert newer["version"] == "2026.11.28.093505" > package["version"]
    assert latest.headers["ETag"] != first.headers["ETag"]
    assert b"A title corrected since" in zipfile.ZipFile(io.BytesIO(latest.data)).read("stories.csv")
    # The earlier release, byte for byte, at its own address; the latest at its own too.
    old, _ = _download(client, f"/data/releases/{package['version']}/storyloop-dataset.zip")
    assert old.data == first.data and old.headers["ETag"] == first.headers["ETag"]
    assert _download(client, f"/data/releases/{newer['version']}/storyloop-dataset.zip")[0].data == latest.data
    page = client.get("/data").get_data(as_text=True)
    assert f"/data/releases/{package['version']}/storyloop-dataset.zip" in page
    assert f"/data/releases/{newer['version']}/storyloop-dataset.zip" in page


@pytest.mark.settings(DATASET_RELEASES_KEPT=2)
def test_releases_past_the_kept_number_are_removed_and_answer_gone(client, session, record, looking):
    versions = []
    for i in range(3):
        _edit(session, record["other"].id, f"Title number {i}")
        assert rebuild_if_due(session) is True
        versions.append(_download(client)[1]["version"])
        looking.advance(minutes=1)
    oldest, kept = versions[0], versions[1:]
    assert not release_path(oldest).parent.exists()  # the job deleted its files
    assert client.get(f"/data/releases/{oldest}/storyloop-dataset.zip").status_code == 410
    for version in kept:
        assert client.get(f"/data/releases/{version}/storyloop-dataset.zip").status_code == 200
    page = client.get("/data").get_data(as_text=True)
    assert f"/data/releases/{oldest}/" not in page  # its link goes with it (its changelog entry stays)
    assert all(f"/data/releases/{v}/storyloop-dataset.zip" in page for v in kept)


@pytest.mark.parametrize("version", ["2001.01.01.000000", "latest", "..", "2026.11.28.093005x", "%2e%2e"])
def test_a_release_never_made_is_not_found(client, session, record, looking, version):
    rebuild_if_due(session)
    assert client.get(f"/data/releases/{version}/storyloop-dataset.zip").status_code == 404


def test_two_releases_in_one_second_have_different_versions(client, session, record, looking):
    rebuild_if_due(session)
    first = _download(client)[1]["version"]
    _edit(session, record["other"].id, "Changed within the second")
    rebuild_if_due(session)
    second = _download(client)[1]["version"]
    assert second > first and client.get(f"/data/releases/{first}/storyloop-dataset.zip").status_code == 200


def test_the_schema_changelog_names_what_each_release_added_and_removed(client, session, record, looking,
                                                                          monkeypatch):
    rebuild_if_due(session)
    first = _download(client)[1]["version"]
    fields = bundle.schema_fields()
    grown = {**fields, "stories": [*fields["stories"], "shiny_new_field"]}
    grown["providers"] = [c for c in fields["providers"] if c != "website"]
    monkeypatch.setattr(bundle, "schema_fields", lambda: grown)
    looking.advance(minutes=1)
    _edit(session, record["other"].id, "A change that makes a release")
    rebuild_if_due(session)
    second = _download(client)[1]["version"]
    page = client.get("/data").get_data(as_text=True)
    assert "stories.shiny_new_field" in page and "providers.website" in page
    changes = bundle.read_index()["schema_changes"]
    assert changes[0]["version"] == second and changes[0]["added"] == ["stories.shiny_new_field"]
    assert changes[0]["removed"] == ["providers.website"]
    assert changes[1]["version"] == first and changes[1]["first"]


def test_a_release_with_the_same_fields_adds_nothing_to_the_changelog():
    fields = {"stories": ["id", "title"], "tags": ["slug"]}
    assert schema_change(fields, {"tags": ["slug"], "stories": ["id", "title"]}) is None
    assert schema_change(fields, {"stories": ["id", "title"], "tags": ["slug"], "extra": ["id"]})["added"] == [
        "extra.id"]


@pytest.mark.parametrize(("seconds", "words"), [(3600, "1 hour"), (5400, "90 minutes"), (7200, "2 hours"),
                                                (45, "45 seconds")])
def test_data_states_the_rebuild_interval_the_worker_keeps(app, client, seconds, words):
    app.config["DATASET_MIN_INTERVAL_SECONDS"] = seconds
    page = client.get("/data").get_data(as_text=True)
    assert f"every {words}" in page
