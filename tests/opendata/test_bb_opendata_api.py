"""Black-box tests of Storyloop's JSON API content: pagination, filters, stories and providers.

Written from the issue's spec only; the site is observed through the test client and the CLI.
"""
from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from tests.opendata.conftest import (
    api_all,
    api_pages,
    assert_clean,
    assert_problem,
    export,
    iso_utc,
    published_many,
    read_csv,
    relative,
    stamp,
)

STATUSES = ["awaiting_response", "responded", "change_planned", "change_made"]


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


# ---------------------------------------------------------------- more edges

def test_provider_codes_are_case_insensitive_in_api_and_feed(client, record):
    assert client.get("/api/v1/providers/t1").get_json()["data"]["code"] == "T1"
    lower = {s["id"] for s in api_all(client, "/api/v1/stories?provider=t1")}
    assert lower == {record["published"].id, record["other"].id}
    assert client.get("/feeds/providers/w1.atom").status_code == 200


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
