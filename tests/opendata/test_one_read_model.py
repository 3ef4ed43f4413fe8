"""The list page, the API, the feeds and the dataset show the same stories for the same filter, and publish the
same figures the same way: they all read one model (stories.queries) and one formatter per figure (insight.figures)."""
from __future__ import annotations

import csv
import json
import re
from datetime import timedelta

import feedparser
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import utcnow
from app.insight import figures
from app.insight.aggregates import rebuild
from app.insight.response import response_stats
from app.insight.services import insight
from app.stories.models import Tag
from app.stories.queries import parse_filters, public_stories


@pytest.fixture
def varied(session, record, make_story):
    """The opendata record (two published stories and four never or no longer public) and six more published
    ones over the trust and its ward, with criticality, response status, tags and replies of their own."""
    kindness = session.scalar(select(Tag).where(Tag.slug == "good-kindness"))
    food = session.scalar(select(Tag).where(Tag.slug == "improve-food"))
    now = utcnow()
    for i in range(6):
        story = make_story(record["ward"] if i % 2 else record["trust"], status="published", title=f"Varied {i}",
                           criticality=i, response_status=("responded", "awaiting_response", "change_made")[i % 3])
        story.published_at = now - timedelta(seconds=i + 1)  # all this month, newest first by i
        story.tags = [kindness, food] if i % 3 == 0 else [food]
        if i in (1, 3, 4):
            story.first_reply_at = story.published_at + timedelta(hours=2 * i, minutes=13)
    session.commit()
    rebuild(session)
    session.commit()
    return record


CASES = [{}, {"provider": "T1"}, {"provider": "w1"}, {"tag": "good-kindness"}, {"tag": "improve-food"},
         {"status": "responded"}, {"status": "awaiting_response"}, {"criticality": "1"},
         {"provider": "W1", "tag": "improve-food", "status": "awaiting_response"}]


def list_page_ids(client, args: dict) -> list[int]:
    html = client.get("/stories", query_string=args).get_data(as_text=True)
    assert "?after=" not in html and "&after=" not in html  # one page holds them all: nothing left unread
    return [int(i) for i in re.findall(r'<h[23][^>]*><a href="/stories/(\d+)">', html)]


def api_ids(client, args: dict) -> list[int]:
    seen, url, query = [], "/api/v1/stories", {**args, "limit": "4"}
    while url:
        body = client.get(url, query_string=query).get_json()
        seen += [s["id"] for s in body["data"]]
        url, query = (body["links"]["next"] or "").replace("http://localhost", ""), None
    return seen


@pytest.mark.parametrize("args", CASES, ids=lambda a: "&".join(f"{k}={v}" for k, v in a.items()) or "all")
def test_list_page_and_api_list_what_the_read_model_reads(client, session, varied, args):
    expected = [s.id for s in session.scalars(public_stories(parse_filters(session, MultiDict(args)), session))]
    assert expected, "each case should hold a story"
    # Both newest first; the API pages through them by cursor.
    assert list_page_ids(client, args) == api_ids(client, args)
    assert sorted(api_ids(client, args)) == sorted(expected)


@pytest.mark.parametrize("code", [None, "T1", "W1"])
def test_feeds_carry_what_the_read_model_reads(client, session, varied, code):
    args = {"provider": code} if code else {}
    feed = feedparser.parse(client.get(f"/feeds/providers/{code}.atom" if code else "/feeds/stories.atom").data)
    assert [int(e.id.rsplit("/", 1)[1]) for e in feed.entries] == api_ids(client, args)


def test_the_dataset_holds_what_the_read_model_reads(app, client, session, varied, tmp_path):
    out = tmp_path / "export"
    result = app.test_cli_runner().invoke(args=["dataset", "export", str(out)])
    assert result.exit_code == 0, result.output
    public = {s.id for s in session.scalars(public_stories(parse_filters(session, MultiDict()), session))}
    with (out / "stories.csv").open(encoding="utf-8", newline="") as f:
        assert {int(r["id"]) for r in csv.DictReader(f)} == public == set(api_ids(client, {}))
    lines = (out / "stories.ndjson").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["id"] for line in lines} == public
    assert f"{len(public)} stories" in result.output


def test_api_statistics_insight_and_dataset_publish_each_figure_alike(app, client, session, varied, tmp_path):
    ward = varied["ward"]
    stats = client.get("/api/v1/providers/W1").get_json()["data"]["statistics"]
    months = client.get("/api/v1/providers/W1/insight").get_json()["data"]["months"]
    out = tmp_path / "export"
    assert app.test_cli_runner().invoke(args=["dataset", "export", str(out)]).exit_code == 0
    with (out / "provider_months.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["provider_code"] == "W1"]
    # Everything here happened this month, and the ward has nothing below it: one month, the same figures.
    assert len(rows) == 1 and months[-1]["month"] == rows[0]["month"]
    expected = response_stats(session, ward)
    hours = figures.median_hours(expected.median_reply)
    assert hours is not None and hours > 0
    assert stats["median_hours_to_first_reply"] == months[-1]["median_hours_to_first_reply"] == hours
    assert float(rows[0]["median_hours_to_first_reply"]) == hours
    assert stats["reply_share"] == figures.share(expected.reply_share)
    for name in ("stories", "replied", "changes_planned", "changes_made"):
        assert stats[name] == months[-1][name] == int(rows[0][name]) == getattr(expected, name), name
    theme = next(t for t in client.get("/api/v1/providers/T1/insight").get_json()["data"]["themes"]["improve"]
                 if t["tag"] == "improve-food")
    food = next(t for t in insight(session, varied["trust"]).themes["improve"] if t.tag.slug == "improve-food")
    assert theme["share"] == figures.share(food.share) and 0 < theme["share"] <= 1
