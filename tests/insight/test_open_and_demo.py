"""provider_months.csv in the open dataset (valid under frictionless), and demo history for every chart."""
from __future__ import annotations

import csv
from datetime import timedelta

from app.directory.models import Provider
from app.insight.services import insight
from tests.insight.conftest import months_ago


def test_provider_months_csv_is_in_the_dataset_and_validates(app, session, tree, make_story, tmp_path):
    from frictionless import Package

    story = make_story(tree["ward"], status="published", criticality=4)
    story.published_at = months_ago(1)
    story.first_reply_at = story.published_at + timedelta(hours=3)
    make_story(tree["ward"], status="published", criticality=1).published_at = months_ago(1)
    make_story(tree["ward"], status="withdrawn", criticality=5)
    session.commit()
    out = tmp_path / "ds"
    result = app.test_cli_runner().invoke(args=["dataset", "export", str(out)])
    assert result.exit_code == 0, result.output
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = list(csv.DictReader(open(out / "provider_months.csv", encoding="utf-8", newline="")))
    assert len(rows) == 1
    row = rows[0]
    assert (row["provider_code"], row["month"]) == ("W1", months_ago(1).strftime("%Y-%m"))
    assert (row["stories"], row["replied"], row["median_hours_to_first_reply"]) == ("2", "1", "3.0")
    assert (row["criticality_1"], row["criticality_4"], row["criticality_5"]) == ("1", "1", "0")


def test_demo_load_gives_every_chart_something_to_show(app, session):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    trust = session.query(Provider).filter_by(code="RDM").one()
    ins = insight(session, trust)
    this, last = ins.this_year, ins.last_year
    assert this.stories and last.stories  # both years of the 24 months
    assert sum(1 for m in ins.months if ins.by_month[m].stories) >= 18
    assert this.replied and this.median_reply is not None
    assert sum(this.criticality[:3]) and sum(this.criticality[3:])
    assert this.changes_planned and this.changes_made
    assert ins.themes["good"] and ins.themes["improve"]
    assert ins.rising("good") or ins.falling("good") or ins.rising("improve") or ins.falling("improve")
