"""story_events.csv and the new columns of changes.csv in the dataset: the same events and changes as the API, valid
under frictionless with their foreign keys, nested in stories.ndjson, written alike by one process or two, and a
dataset that follows them (an event alone asks for a rebuild; a verdict taken back leaves at the next pass)."""
from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest
from frictionless import Package

from app.opendata import export as exporting
from app.opendata.bundle import build, last_export, rebuild_if_due
from app.replies import services as replies
from app.replies import verdicts
from app.replies.models import Change
from app.stories import timeline as tl
from app.stories.timeline import record_event
from tests.opendata.conftest import DISPUTE, at, export, read_csv, read_ndjson

EVENT_COLUMNS = ["id", "story_id", "kind", "at", "step", "provider_code", "count", "change_id", "due_on"]


def _valid(out) -> None:
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def _as_csv(value) -> str:
    return "" if value is None else str(value)


def test_story_events_csv_holds_the_api_events_and_validates_with_its_foreign_keys(app, client, loop, tmp_path):
    out = export(app, tmp_path / "ds")
    _valid(out)
    package = json.loads((out / "datapackage.json").read_text())
    resource = next(r for r in package["resources"] if r["name"] == "story_events")
    assert [f["name"] for f in resource["schema"]["fields"]] == EVENT_COLUMNS
    assert resource["schema"]["foreignKeys"] == [
        {"fields": "story_id", "reference": {"resource": "stories", "fields": "id"}},
        {"fields": "change_id", "reference": {"resource": "changes", "fields": "id"}},
        {"fields": "provider_code", "reference": {"resource": "providers", "fields": "code"}}]
    kinds = next(f for f in resource["schema"]["fields"] if f["name"] == "kind")["constraints"]["enum"]
    assert kinds == list(tl.EVENT_KINDS)

    rows = read_csv(out / "story_events.csv")
    api = client.get(f"/api/v1/stories/{loop['story'].id}").get_json()["data"]["events"]
    assert rows == [{**{k: _as_csv(e[k]) for k in EVENT_COLUMNS if k != "provider_code"},
                     "provider_code": _as_csv(e["provider"])} for e in api]
    assert [r["kind"] for r in rows][:4] == [tl.PUBLISHED, tl.ALERTED, tl.REMINDED, tl.ESCALATED]
    assert {r["change_id"] for r in rows} == {"", str(loop["planned"].id), str(loop["made"].id)}

    story = next(s for s in read_ndjson(out / "stories.ndjson") if s["id"] == loop["story"].id)
    assert [{k: _as_csv(v) for k, v in e.items()} for e in story["events"]] == rows
    assert story["events"][2]["step"] == 1 and story["events"][2]["count"] == 1  # numbers, not text, in JSON
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        for secret in ("HIDDEN CHANGE", DISPUTE, "@example.org", "@nhs.example", "request_id"):
            assert secret not in text, (path.name, secret)


def test_the_foreign_key_check_is_real(app, loop, tmp_path):
    """An event of a story the dataset does not hold, or of a change it does not hold, makes the package invalid."""
    out = export(app, tmp_path / "ds")
    good = (out / "story_events.csv").read_text(encoding="utf-8")
    for row in ("999,999999,published,2026-03-02T09:00:00Z,,,,,", f"999,{loop['story'].id},change_made,"
                f"2026-03-02T09:00:00Z,,W1,,{loop['hidden'].id},"):
        (out / "story_events.csv").write_text(good + row + "\r\n", encoding="utf-8")
        report = Package(str(out / "datapackage.json")).validate()
        assert not report.valid
        assert {e.type for task in report.tasks for e in task.errors} == {"foreign-key"}, row


def test_changes_csv_shows_what_the_story_page_shows_of_each_change(app, session, loop, tmp_path):
    out = export(app, tmp_path / "one")
    changes = {int(r["id"]): r for r in read_csv(out / "changes.csv")}
    assert set(changes) == {loop["planned"].id, loop["made"].id}
    planned, made = changes[loop["planned"].id], changes[loop["made"].id]
    assert {k: planned[k] for k in ("due_on", "owner", "evidence", "evidence_url", "verdict", "verdict_at",
                                    "dispute_text", "overdue")} == {
        "due_on": "2026-03-24", "owner": "Outpatients manager", "evidence": "", "evidence_url": "", "verdict": "",
        "verdict_at": "", "dispute_text": "", "overdue": "true"}
    assert {k: made[k] for k in ("evidence", "evidence_url", "verdict", "dispute_text", "overdue")} == {
        "evidence": "The new letter template is on our website.", "evidence_url": "https://example.org/letters",
        "verdict": "", "dispute_text": "", "overdue": "false"}  # the dispute waits for a moderator

    from app.moderation import disputes

    disputes.publish(session, loop["moderator"], session.get(Change, loop["made"].id))
    session.commit()
    out = export(app, tmp_path / "two")
    _valid(out)
    made = next(r for r in read_csv(out / "changes.csv") if int(r["id"]) == loop["made"].id)
    assert (made["verdict"], made["verdict_at"], made["dispute_text"]) == ("disputed", "2026-03-26T09:00:00Z",
                                                                          DISPUTE)
    story = next(s for s in read_ndjson(out / "stories.ndjson") if s["id"] == loop["story"].id)
    nested = next(c for c in story["changes"] if c["id"] == loop["made"].id)
    assert nested["verdict"] == "disputed" and nested["overdue"] is False and nested["due_on"] is None
    assert [e["kind"] for e in story["events"]][-2:] == [tl.DISPUTED, tl.REOPENED]


def test_a_change_hidden_after_an_export_takes_its_events_out_of_the_next(app, session, loop, tmp_path):
    from app.moderation import conversation

    first = read_csv(export(app, tmp_path / "one") / "story_events.csv")
    conversation.hide(session, loop["moderator"], session.get(Change, loop["planned"].id), "Checking it.")
    session.commit()
    out = export(app, tmp_path / "two")
    _valid(out)
    second = read_csv(out / "story_events.csv")
    gone = [r["kind"] for r in first if r["change_id"] == str(loop["planned"].id)]
    assert gone == [tl.CHANGE_PLANNED, tl.CHANGE_DUE_REMINDED, tl.CHANGE_DUE_REMINDED, tl.CHANGE_OVERDUE]
    assert second == [r for r in first if r["change_id"] != str(loop["planned"].id)]


def test_two_processes_write_story_events_as_one_does(app, session, loop, tree, make_story, tmp_path, monkeypatch):
    """Above PARALLEL_FROM stories, id ranges are written by processes of their own (STORY_TABLES) and joined."""
    for n in range(5):  # stories on both sides of the cut, with events of their own
        story = make_story(tree["ward"] if n % 2 else tree["hospital"], status="published", title=f"More {n}")
        record_event(session, story, tl.PUBLISHED, step=0, at=story.published_at)
        record_event(session, story, tl.ALERTED, provider=story.provider, count=n)
    hidden = make_story(tree["ward"], status="hidden", title="UNPUBLISHED hidden")
    record_event(session, hidden, tl.PUBLISHED, step=0)
    session.commit()
    one = exporting.export_dataset(session, tmp_path / "one", procs=1)
    monkeypatch.setattr(exporting, "PARALLEL_FROM", 1)
    ranges = exporting._id_ranges(session, 2)
    assert len(ranges) == 2 and ranges[0][1] is not None
    two = exporting.export_dataset(session, tmp_path / "two", procs=2)
    assert two == one and one["story_events"] == 10 + 10 and one["stories"] == 6
    for name in ("stories.csv", "story_tags.csv", "responses.csv", "changes.csv", "story_events.csv",
                 "stories.ndjson", "provider_months.csv"):
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    assert not (tmp_path / "two" / ".parts").exists()
    _valid(tmp_path / "two")
    # Each process wrote its own range: the events of the stories past the cut come after the others'.
    story_ids = [int(r["story_id"]) for r in read_csv(tmp_path / "two" / "story_events.csv")]
    assert story_ids == sorted(story_ids) and hidden.id not in story_ids
    assert {i for i in story_ids if i >= ranges[1][0]} and {i for i in story_ids if i < ranges[1][0]}


def test_an_event_alone_asks_the_worker_for_a_new_dataset(app, session, clock, loop):
    app.config["DATASET_MIN_INTERVAL_SECONDS"] = 0
    clock.set(datetime.now(UTC) + timedelta(days=1))  # after the providers' entries, written in real time
    build(session)
    assert rebuild_if_due(session) is False  # nothing changed since
    clock.advance(hours=1)
    replies.note_first_read(session, loop["staff"], loop["story"])  # "read by staff" changes nothing else
    session.commit()
    assert rebuild_if_due(session) is True
    assert last_export()["counts"]["story_events"] == 11


def test_a_public_verdict_taken_back_asks_for_the_next_pass(session, clock, loop):
    """A confirmation replaced by a dispute that waits for a moderator takes the verdict out of public view."""
    made = session.get(Change, loop["made"].id)
    clock.set(at(24))
    verdicts.record_verdict(session, loop["author"], made, "confirmed", "")
    session.commit()
    assert not session.info.get("dataset_soon")
    verdicts.record_verdict(session, loop["author"], made, "disputed", DISPUTE)
    session.flush()
    assert session.info.get("dataset_soon") is True
    session.commit()


@pytest.mark.parametrize("since", [datetime(2026, 3, 16, 10, tzinfo=UTC)])
def test_the_dataset_and_the_feed_list_the_same_events(app, client, loop, tmp_path, since):
    rows = read_csv(export(app, tmp_path / "ds") / "story_events.csv")
    feed = client.get("/api/v1/events", query_string={"since": since.isoformat(), "limit": 100}).get_json()["data"]
    assert [r["id"] for r in rows if r["at"] >= "2026-03-16T10:00:00Z"] == [str(e["id"]) for e in feed]


def test_the_readme_describes_story_events(app, loop, tmp_path):
    readme = (export(app, tmp_path / "ds") / "README.md").read_text(encoding="utf-8")
    assert "### story_events.csv" in readme and "Foreign keys: `story_id` → `stories.id`" in readme
    assert "| `story_events.csv` | 10 |" in readme and "`events`" in readme
    with (tmp_path / "ds" / "story_events.csv").open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == EVENT_COLUMNS


def test_a_not_about_us_a_moderator_declined_leaves_the_events_and_asks_for_the_next_pass(
        client, session, clock, loop, tree):
    from app.moderation import reroutes

    clock.set(at(27))
    item = reroutes.request_reroute(session, loop["staff"], loop["story"], tree["other"], "It was the practice.")
    session.commit()
    path = f"/api/v1/stories/{loop['story'].id}"
    said = client.get(path).get_json()["data"]["events"][-1]
    assert (said["kind"], said["provider"], said["change_id"]) == (tl.NOT_ABOUT_US, "W1", None)
    assert "G1" not in json.dumps(said)  # the suggested service and the request stay with the moderators
    reroutes.decline(session, loop["moderator"], item, "It is about the ward.")
    session.flush()
    assert session.info.get("dataset_soon") is True
    session.commit()
    assert tl.NOT_ABOUT_US not in [e["kind"] for e in client.get(path).get_json()["data"]["events"]]
    # The step taken back moves the story's updated_at, so a client syncing by updated_since reads it again.
    synced = client.get("/api/v1/stories?updated_since=2026-03-27T00:00:00Z").get_json()["data"]
    assert [s["id"] for s in synced] == [loop["story"].id] and synced[0]["updated_at"] == "2026-03-27T09:00:00Z"
