"""The fields research needs (issue 23), alike in the dataset and the API: stories' updated_at, whether and when a
moderator edited the text (never who), reply and change counts, language and route; providers' service type,
top-level organisation, ancestors and updated_at; tag kinds and /api/v1/tags; foreign keys frictionless checks."""
from __future__ import annotations

import json

from frictionless import Package
from sqlalchemy import select

from app.moderation import fixing
from app.stories.models import Tag
from tests.opendata.conftest import export, read_csv


def _corrected(session, make_user, story):
    moderator = make_user(email="fixer@example.org", moderator=True, display_name="Fix Er")
    fixing.correct(session, moderator, story, story.version, story.title, story.body + " (A name was removed.)",
                   "It named a nurse")
    session.commit()
    return moderator


def test_stories_carry_the_same_new_fields_in_the_csv_ndjson_and_api(app, client, session, record, make_user,
                                                                     tmp_path):
    published = record["published"]
    _corrected(session, make_user, published)
    out = export(app, tmp_path / "ds")
    rows = {int(r["id"]): r for r in read_csv(out / "stories.csv")}
    nested = {s["id"]: s for s in map(json.loads, (out / "stories.ndjson").read_text().splitlines())}
    api = {s["id"]: s for s in client.get("/api/v1/stories").get_json()["data"]}
    mine, other = published.id, record["other"].id
    # One staff reply is visible (a hidden reply and a pending answer are not); one change.
    assert (rows[mine]["reply_count"], rows[mine]["change_count"]) == ("1", "1")
    assert (rows[other]["reply_count"], rows[other]["change_count"]) == ("0", "0")
    assert rows[mine]["edited_by_moderator"] == "true" and rows[other]["edited_by_moderator"] == "false"
    assert rows[mine]["moderator_edited_at"].endswith("Z") and rows[other]["moderator_edited_at"] == ""
    for story_id in (mine, other):
        row, item, api_item = rows[story_id], nested[story_id], api[story_id]
        for key in ("updated_at", "moderator_edited_at", "language", "route"):
            assert row[key] == (item[key] or "") == (api_item[key] or ""), (story_id, key)
        for key in ("reply_count", "change_count"):
            assert int(row[key]) == item[key] == api_item[key], (story_id, key)
        assert item["edited_by_moderator"] is api_item["edited_by_moderator"] is (row["edited_by_moderator"] == "true")
    # Whether and when, never who: the moderator's name and address are nowhere.
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "fixer@example.org" not in text and "Fix Er" not in text, path.name
    detail = client.get(f"/api/v1/stories/{mine}").get_json()["data"]
    assert detail["edited_by_moderator"] is True and detail["reply_count"] == 1
    assert "Fix Er" not in json.dumps(detail)


def test_tags_come_with_their_kind_and_counts_of_public_stories_only(client, session, record):
    kindness = session.scalar(select(Tag).where(Tag.slug == "good-kindness"))
    # A hidden story with the tag must not count.
    record["secrets"]["hidden"].tags = [kindness]
    session.commit()
    story = client.get(f"/api/v1/stories/{record['published'].id}").get_json()["data"]
    assert story["tags_by_kind"] == {"good": ["good-kindness"], "improve": []}
    response = client.get("/api/v1/tags")
    assert response.status_code == 200 and response.headers["ETag"]
    tags = {t["slug"]: t for t in response.get_json()["data"]}
    assert len(tags) == session.query(Tag).count()
    assert tags["good-kindness"]["kind"] == "good" and tags["good-kindness"]["stories"] == 1
    assert {t["kind"] for t in tags.values()} == {"good", "improve"}
    assert sum(t["stories"] for t in tags.values()) == 1
    again = client.get("/api/v1/tags", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/api/v1/tags?kind=good").status_code == 400  # no parameters: told, not ignored


def test_tags_share_the_api_rate_limit(app, client, record):
    app.config["RATELIMIT_API"] = "2 per minute"
    assert [client.get("/api/v1/tags").status_code for _ in range(2)] == [200, 200]
    assert client.get("/api/v1/redirects").status_code == 429


def test_providers_carry_their_top_level_organisation_and_service_type(app, client, session, record, tmp_path):
    record["ward"].service_type = "maternity"
    session.commit()
    rows = {r["code"]: r for r in read_csv(export(app, tmp_path / "ds") / "providers.csv")}
    assert (rows["W1"]["parent_code"], rows["W1"]["top_level_code"], rows["W1"]["service_type"]) == \
        ("T1", "T1", "maternity")
    assert (rows["T1"]["parent_code"], rows["T1"]["top_level_code"], rows["T1"]["service_type"]) == ("", "T1", "")
    ward = client.get("/api/v1/providers/W1").get_json()["data"]
    assert (ward["ancestors"], ward["top_level_code"], ward["service_type"]) == (["T1"], "T1", "maternity")
    assert ward["updated_at"] == rows["W1"]["updated_at"]
    listed = client.get("/api/v1/providers?service_type=maternity").get_json()["data"]
    assert [p["code"] for p in listed] == ["W1"]
    assert client.get("/api/v1/providers?service_type=spa").status_code == 400


def test_frictionless_checks_the_foreign_keys_to_provider_codes(app, record, tmp_path):
    out = export(app, tmp_path / "ds")
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    schemas = {r["name"]: r["schema"] for r in json.loads((out / "datapackage.json").read_text())["resources"]}
    assert {"fields": "parent_code", "reference": {"resource": "", "fields": "code"}} in \
        schemas["providers"]["foreignKeys"]
    assert {"fields": "new_code", "reference": {"resource": "providers", "fields": "code"}} in \
        schemas["provider_redirects"]["foreignKeys"]
    # A parent_code naming no provider is caught: the check is real.
    path = out / "providers.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",T1,", ",NOPE,", 1), encoding="utf-8")
    report = Package(str(out / "datapackage.json")).validate()
    assert {e.type for task in report.tasks for e in task.errors} == {"foreign-key"}
