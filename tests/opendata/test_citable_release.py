"""A release a paper can cite: the zip holds its files at the root, so frictionless reads the zip itself as the
package (every table, not one LICENSE file); datapackage.json has a date-based version and a citation; the zip
and the repository carry a CITATION.cff."""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from app.opendata.bundle import build
from app.opendata.schema import TABLES

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 28, 9, 30, 5, tzinfo=UTC)


def served_zip(client, session, tmp_path) -> Path:
    build(session)
    response = client.get("/data/storyloop-dataset.zip")
    assert response.status_code == 200
    path = tmp_path / "storyloop-dataset.zip"
    path.write_bytes(response.data)
    return path


def test_frictionless_validates_the_served_zip_as_the_package_with_every_table(client, session, record, tmp_path):
    from frictionless import Package, validate

    path = served_zip(client, session, tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert "datapackage.json" in archive.namelist()
        assert all("/" not in name for name in archive.namelist())  # nothing in a folder
    report = validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert sorted(task.name for task in report.tasks) == sorted(t.name for t in TABLES)
    package = Package(str(path))
    assert sorted(package.resource_names) == sorted(t.name for t in TABLES)
    stories = package.get_resource("stories").read_rows()
    assert {row["id"] for row in stories} == {record["published"].id, record["other"].id}


def test_the_package_has_a_date_based_version_and_a_citation(client, session, record, clock, tmp_path):
    clock.set(NOW)
    path = served_zip(client, session, tmp_path)
    with zipfile.ZipFile(path) as archive:
        package = json.loads(archive.read("datapackage.json"))
        cff = yaml.safe_load(archive.read("CITATION.cff"))
        readme = archive.read("README.md").decode("utf-8")
    assert package["created"] == "2026-11-28T09:30:05Z"
    assert package["version"] == "2026.11.28.093005"
    assert "version 2026.11.28.093005" in package["citation"] and "/data" in package["citation"]
    assert "CC-BY-4.0" in package["citation"]
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["version"] == package["version"] and cff["date-released"] == "2026-11-28"
    assert cff["license"] == "CC-BY-4.0" and cff["url"].endswith("/data") and cff["authors"][0]["name"]
    assert package["citation"] in readme and "Version 2026.11.28.093005" in readme


def test_a_later_release_has_a_later_version(client, session, record, clock, tmp_path):
    clock.set(NOW)
    build(session)
    first = json.loads(zipfile.ZipFile(io.BytesIO(client.get("/data/storyloop-dataset.zip").data))
                       .read("datapackage.json"))["version"]
    clock.advance(seconds=1)
    record["other"].title = "A title corrected since"
    session.commit()
    build(session)
    second = json.loads(zipfile.ZipFile(io.BytesIO(client.get("/data/storyloop-dataset.zip").data))
                        .read("datapackage.json"))["version"]
    assert first < second and re.fullmatch(r"\d{4}\.\d{2}\.\d{2}\.\d{6}", second)


@pytest.mark.settings(SITE_NAME='Care "Loop": #1\nversion: 0 {{ 7*7 }}')
def test_a_hostile_site_name_cannot_rewrite_the_citation_file(client, session, record, tmp_path):
    with zipfile.ZipFile(served_zip(client, session, tmp_path)) as archive:
        cff = yaml.safe_load(archive.read("CITATION.cff"))
    assert cff["title"] == 'Care "Loop": #1\nversion: 0 {{ 7*7 }} open dataset'
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}\.\d{6}", cff["version"])


def test_the_repository_carries_a_citation_file():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["title"] == "Storyloop" and cff["authors"]
