"""Each insight figure against a hand-computed fixture: roll-up through the hierarchy, hidden and withdrawn left out."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import utcnow
from app.insight.aggregates import add_months, month_of
from app.insight.services import child_figures, insight
from app.replies.models import Change, Reply
from app.replies.status import refresh_response
from app.stories.models import Tag
from tests.insight.conftest import assert_same_as_rebuild, months_ago

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def fixture(session, tree, make_story, make_user):
    """Seven counted stories below the trust, and every kind of story that must not count."""
    tags = {t.slug: t for t in session.scalars(select(Tag))}
    waiting, kindness = tags["improve-waiting"], tags["good-kindness"]
    responder = make_user(email="responder@nhs.example", provider=tree["trust"])

    def story(provider, k, criticality, tagged=(), reply_after=None, status="published"):
        s = make_story(provider, status="published", criticality=criticality)
        s.published_at = months_ago(k)
        s.tags = list(tagged)
        session.commit()
        if reply_after is not None:
            session.add(Reply(story_id=s.id, author_id=responder.id, kind="staff", provider_id=provider.id,
                              body="Thank you", status="visible", published_at=s.published_at + reply_after))
            refresh_response(session, s)
            session.commit()
        if status != "published":
            s.status = status
            session.commit()
        return s

    ward, hospital, trust = tree["ward"], tree["hospital"], tree["trust"]
    s1 = story(ward, 0, 4, [waiting], timedelta(hours=2))
    s2 = story(ward, 1, 1, [kindness], timedelta(minutes=30))
    s3 = story(ward, 1, 3, [waiting, kindness])
    story(ward, 14, 0, [kindness], timedelta(days=3))  # the year before
    s5 = story(hospital, 2, 5, [waiting], timedelta(hours=10))
    story(hospital, 5, 2)
    story(trust, 0, 2, [], timedelta(hours=1))
    hidden = story(ward, 1, 5, [waiting], timedelta(hours=1), status="hidden")
    story(ward, 1, 5, [waiting], timedelta(hours=1), status="withdrawn")
    make_story(ward, status="pending")
    story(tree["other"], 1, 5, [waiting], timedelta(hours=1))  # another tree
    story(ward, 30, 5, [waiting])  # older than 24 months
    session.add_all([
        Change(story_id=s2.id, provider_id=ward.id, kind="planned", description="Rota", created_at=months_ago(1)),
        Change(story_id=s5.id, provider_id=hospital.id, kind="made", description="Done", created_at=months_ago(2)),
        Change(story_id=hidden.id, provider_id=ward.id, kind="made", description="On a hidden story",
               created_at=months_ago(1)),
        Change(story_id=s1.id, provider_id=ward.id, kind="made", description="Hidden change", status="hidden",
               created_at=months_ago(0)),
    ])
    session.commit()
    return {"s3": s3}


def test_trust_figures_roll_up_everything_below_it(session, tree, fixture):
    ins = insight(session, tree["trust"])
    current = month_of(utcnow())
    assert len(ins.months) == 24 and ins.months[-1] == current
    by = {k: ins.by_month[add_months(current, -k)] for k in range(24)}
    assert [by[k].stories for k in range(24)] == [2, 2, 1, 0, 0, 1] + [0] * 8 + [1] + [0] * 9
    assert [by[k].replied for k in (0, 1, 2, 5, 14)] == [2, 1, 1, 0, 1]

    this, last = ins.this_year, ins.last_year
    assert (this.stories, this.replied) == (6, 4)
    assert this.median_reply == timedelta(minutes=90)  # waits 30 min, 1 h, 2 h, 10 h
    assert this.criticality == [0, 1, 2, 1, 1, 1]
    assert this.critical == 3
    assert (this.changes_planned, this.changes_made) == (1, 1)
    assert (last.stories, last.replied, last.median_reply) == (1, 1, timedelta(days=3))

    good = {t.tag.slug: t for t in ins.themes["good"]}
    improve = {t.tag.slug: t for t in ins.themes["improve"]}
    assert improve["improve-waiting"].count == 3 and improve["improve-waiting"].share == pytest.approx(3 / 6)
    # Last 3 months: 5 stories, 3 about waiting; the 12 before: 2 stories, none about waiting.
    assert improve["improve-waiting"].recent_share == pytest.approx(3 / 5)
    assert improve["improve-waiting"].before_share == 0
    assert good["good-kindness"].recent_share == pytest.approx(2 / 5)
    assert good["good-kindness"].before_share == pytest.approx(1 / 2)
    assert [t.tag.slug for t in ins.rising("improve")] == ["improve-waiting"]
    assert [t.tag.slug for t in ins.falling("good")] == ["good-kindness"]


def test_ward_and_children_figures(session, tree, fixture):
    ward = insight(session, tree["ward"]).this_year
    assert (ward.stories, ward.replied, ward.median_reply) == (3, 2, timedelta(minutes=75))
    assert (ward.changes_planned, ward.changes_made) == (1, 0)
    [(child, figures)] = child_figures(session, tree["trust"])
    assert child.code == "H1" and (figures.stories, figures.replied, figures.changes_made) == (5, 3, 1)
    other = insight(session, tree["other"]).this_year
    assert (other.stories, other.criticality[5]) == (1, 1)
    assert_same_as_rebuild(session)


def test_the_page_says_it_in_words_with_well_formed_svg_charts(client, tree, fixture):
    page = client.get("/providers/T1/insight")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Replies went out to 67% of stories this year (4 of 6), down from 100%." in html
    assert "3 of 6 stories this year (50%) were rated moderately critical or worse" in html
    assert "Rising most: Waiting times, 60% of stories in the last 3 months against 0% in the 12 before." in html
    assert "<script" not in html
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 7
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed XML
        assert root.get("role") == "img" and root.get("viewBox").startswith("0 0 320 ")
        assert root.find(f"{SVG}title").text.strip() and root.find(f"{SVG}desc").text.strip()
    assert html.count("<table") >= 7  # the numbers beside every chart
    assert 'href="/providers/T1/insight.csv"' in html


def test_csv_and_api_carry_the_same_figures(client, tree, fixture):
    rows = list(csv.DictReader(io.StringIO(client.get("/providers/T1/insight.csv").get_data(as_text=True))))
    assert len(rows) == 24
    assert sum(int(r["stories"]) for r in rows[-12:]) == 6
    assert rows[-2]["stories"] == "2" and rows[-2]["replied"] == "1" and rows[-2]["reply_share"] == "0.5"
    assert rows[-1]["median_hours_to_first_reply"] == "1.5"
    body = client.get("/api/v1/providers/T1/insight").get_json()["data"]
    assert [m["stories"] for m in body["months"]][-3:] == [1, 2, 2]
    assert body["months"][-1]["criticality"] == [0, 0, 1, 0, 1, 0]
    assert body["themes"]["improve"][0]["tag"] == "improve-waiting"
    assert client.get("/api/v1/providers/NOPE/insight").status_code == 404
    assert client.get("/providers/NOPE/insight").status_code == 404


def test_a_provider_with_no_stories_gets_empty_charts_not_errors(client, tree):
    html = client.get("/providers/G1/insight").get_data(as_text=True)
    assert "0 stories were published in the last 12 months." in html
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        ET.fromstring(svg)


def test_api_insight_matches_its_openapi_schema(client, tree, fixture):
    from jsonschema import Draft202012Validator

    document = client.get("/api/v1/openapi.json").get_json()
    schema = {**document["paths"]["/providers/{code}/insight"]["get"]["responses"]["200"]["content"]
              ["application/json"]["schema"], "components": document["components"]}
    body = client.get("/api/v1/providers/T1/insight").get_json()
    Draft202012Validator(schema).validate(body)
    assert body["data"]["updated_at"] is not None
