"""Comparison without league tables: the funnel plot's limits against hand-computed values, the small-numbers
rule, the page (inline SVG readable at 320 px, a table beside it, no ranks) and the CSV download."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from app.insight import funnel
from app.insight.services import compare
from app.stories.models import Story
from tests.insight.conftest import months_ago

SVG = "{http://www.w3.org/2000/svg}"


def test_limits_against_hand_computed_values():
    # p = 0.8, n = 25: sqrt(0.8 x 0.2 / 25) = 0.08; 1.96 x 0.08 = 0.1568; 3.09 x 0.08 = 0.2472.
    bounds = funnel.limits(0.8, 25)
    assert bounds.lower_95 == pytest.approx(0.6432) and bounds.upper_95 == pytest.approx(0.9568)
    assert bounds.lower_998 == pytest.approx(0.5528) and bounds.upper_998 == 1.0  # 1.0472, kept within 1
    # p = 0.5, n = 100: sqrt(0.25 / 100) = 0.05: 0.5 ± 0.098 and 0.5 ± 0.1545.
    bounds = funnel.limits(0.5, 100)
    assert (bounds.lower_95, bounds.upper_95) == pytest.approx((0.402, 0.598))
    assert (bounds.lower_998, bounds.upper_998) == pytest.approx((0.3455, 0.6545))
    assert funnel.position(0.598, bounds) == funnel.WITHIN  # on the limit is within it
    assert funnel.position(0.6, bounds) == funnel.ABOVE_95
    assert funnel.position(0.66, bounds) == funnel.ABOVE_998
    assert funnel.position(0.4, bounds) == funnel.BELOW_95
    assert funnel.position(0.34, bounds) == funnel.BELOW_998
    with pytest.raises(ValueError):
        funnel.limits(0.5, 0)


@pytest.fixture
def hospitals(session, make_provider, make_user):
    """Within a trust, over stories that have all had their 20 working days (two months old):
    HA 40 stories, 36 replied within 20 working days (90%); HB 40, 18 (45%); HC 12, 9 (75%); HD 8, 7 (too few).
    Overall 70 of 100: 70%."""
    trust = make_provider(code="TR", name="Trust", kind="trust")
    author = make_user(email="teller@example.org")
    made = {}
    for code, name, count, replied in (("HA", "Alpha Hospital", 40, 36), ("HB", "Beta Hospital", 40, 18),
                                       ("HC", "Gamma Hospital", 12, 9), ("HD", "Delta Hospital", 8, 7)):
        hospital = make_provider(code=code, name=name, kind="hospital", parent=trust)
        ward = make_provider(code=f"{code}W", name=f"{name} ward", kind="department", parent=hospital)
        for i in range(count):
            published = months_ago(2, day=3 + i % 20)
            session.add(Story(provider_id=(ward if i % 2 else hospital).id, author_id=author.id, title=f"{code} {i}",
                              body="The staff were kind and the waiting room was clean.",
                              experienced_on=published.date().replace(day=1), author_role="patient",
                              public_name="Anonymous", status="published", published_at=published, queued_at=published,
                              criticality=4 if i < 3 else 1, flags=[],
                              first_reply_at=published + timedelta(hours=2) if i < replied else None))
        made[code] = hospital
    session.commit()
    return made


def test_funnel_limits_and_positions_match_hand_computed_values(session, hospitals):
    result = compare(session, parent=hospitals["HA"].parent)
    plot = result.funnel
    assert plot.overall == pytest.approx(0.7) and plot.stories == 100
    points = {p.key.provider.code: p for p in plot.points}
    assert set(points) == {"HA", "HB", "HC"}  # HD: 8 stories, too few to plot
    # n = 40: sqrt(0.7 x 0.3 / 40) = 0.072457; 0.7 ± 1.96 x that and ± 3.09 x that.
    a = points["HA"].bounds
    assert (a.lower_95, a.upper_95, a.lower_998, a.upper_998) == pytest.approx((0.55798, 0.84202, 0.47611, 0.92389),
                                                                                abs=1e-5)
    # n = 12: sqrt(0.7 x 0.3 / 12) = 0.132288.
    c = points["HC"].bounds
    assert (c.lower_95, c.upper_95, c.lower_998, c.upper_998) == pytest.approx((0.44072, 0.95928, 0.29123, 1.0),
                                                                                abs=1e-5)
    assert points["HA"].position == funnel.ABOVE_95  # 90%: above 84.2%, below 92.4%
    assert points["HB"].position == funnel.BELOW_998  # 45%: below 47.6%
    assert points["HC"].position == funnel.WITHIN
    assert [r.provider.code for r in result.too_few] == ["HD"]


def test_never_ranked_by_number_of_stories(session, hospitals):
    default = compare(session, kind="hospital")
    assert [r.provider.code for r in default.rows] == ["HA", "HB", "HC"]  # A to Z, not by size
    assert default.sort == "name" and not hasattr(default.rows[0], "rank")
    # The old addresses still work: a sort asked for orders the table, and gives nobody a rank.
    by_share = compare(session, kind="hospital", sort="reply_share")
    assert by_share.sort == "share_20" and [r.provider.code for r in by_share.rows] == ["HA", "HC", "HB"]
    ascending = compare(session, kind="hospital", sort="stories", order="asc")
    assert [r.provider.code for r in ascending.rows] == ["HC", "HA", "HB"]
    quickest = compare(session, kind="hospital", sort="median_reply")
    assert quickest.sort == "median_workdays"


def test_compare_page_draws_the_funnel_with_the_table_beside_it(client, hospitals):
    html = client.get("/compare?parent=TR").get_data(as_text=True)
    assert "Rank" not in html and "league" in html  # "There is no league table"
    [svg] = re.findall(r"<svg.*?</svg>", html, re.S)
    root = ET.fromstring(svg)
    assert root.get("viewBox").startswith("0 0 320 ") and root.get("width") == "100%"
    assert root.get("role") == "img" and root.find(f"{SVG}title").text.startswith("Funnel plot")
    desc = root.find(f"{SVG}desc").text
    assert "70%" in desc and "Above the 95% limit: Alpha Hospital." in desc
    assert "Below the 99.8% limit, replying in time far less often than the rest: Beta Hospital." in desc
    assert "1 service is within the limits" in desc and "1 service has fewer than 10 stories" in desc
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Alpha Hospital" in texts and "Beta Hospital" in texts  # outliers are named beside their point
    assert "Gamma Hospital" not in texts and not any("Delta" in (t or "") for t in texts)
    # Shapes, not colour: a square beyond 95%, a diamond beyond 99.8%, a ring within (and one each in the legend).
    tips = {el.find(f"{SVG}title").text.split(":")[0]: el.tag.replace(SVG, "")
            for el in root.iter() if el.tag in (f"{SVG}rect", f"{SVG}path", f"{SVG}circle")
            and el.find(f"{SVG}title") is not None}
    assert tips["Alpha Hospital"] == "rect" and tips["Beta Hospital"] == "path" and tips["Gamma Hospital"] == "circle"
    assert {"Within the limits", "Beyond 95%", "Beyond 99.8%", "95% limits", "99.8% limits"} <= set(texts)
    assert all(float(t.get("font-size")) >= 12 for t in root.iter(f"{SVG}text"))
    # The table: the figures behind every point, in words as well as symbols.
    table = html.split('<table class="table compare-funnel">', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'href="/providers/(H[A-D])/insight"', table) == ["HA", "HB", "HC"]
    assert "90% <span class=\"muted\">(36 of 40)</span>" in table
    assert "56% to 84%" in table and "Above the 95% limit" in table and "Below the 99.8% limit" in table
    too_few = html.split('id="too-few-heading"', 1)[1]
    assert "Delta Hospital</a>: too few to compare (8 stories)" in too_few
    assert 'href="/compare.csv?' in html


def test_compare_csv_carries_the_limits(client, hospitals):
    rows = list(csv.DictReader(io.StringIO(client.get("/compare.csv?parent=TR").get_data(as_text=True))))
    by = {r["code"]: r for r in rows}
    assert [r["code"] for r in rows] == ["HA", "HB", "HC", "HD"]
    assert by["HA"]["funnel_position"] == "above_95" and by["HB"]["funnel_position"] == "below_998"
    assert (by["HA"]["lower_95"], by["HA"]["upper_95"], by["HA"]["lower_99_8"], by["HA"]["upper_99_8"]) == (
        "0.558", "0.842", "0.4761", "0.9239")
    assert by["HC"]["upper_99_8"] == "1.0" and by["HA"]["overall_share_within_20"] == "0.7"
    assert (by["HA"]["stories_with_20_working_days"], by["HA"]["replied_within_20_working_days"],
            by["HA"]["share_within_20"]) == ("40", "36", "0.9")
    assert by["HD"]["funnel_position"] == "too_few" and by["HD"]["comparable"] == "false"
    assert by["HD"]["lower_95"] == ""


def test_bad_comparisons_are_explained(client, hospitals):
    assert '<label class="label" for="kind">Kind of service</label>' in client.get("/compare").get_data(as_text=True)
    bad = client.get("/compare?kind=castle")
    assert bad.status_code == 400 and "Kind must be one of" in bad.get_data(as_text=True)
    assert client.get("/compare?kind=hospital&sort=nonsense").status_code == 400
    assert client.get("/compare?kind=hospital&order=sideways").status_code == 400
    assert client.get("/compare?parent=NOPE").status_code == 404
    assert client.get("/compare?parent=HA").status_code == 200
    assert "HAW" in client.get("/compare.csv?parent=HA").get_data(as_text=True)


def test_nothing_to_plot_says_so(client, make_provider):
    make_provider(code="LONE", name="Lonely Hospital", kind="hospital")
    html = client.get("/compare?kind=hospital").get_data(as_text=True)
    assert "No service here has 10 or more stories" in html
    assert "Lonely Hospital</a>: too few to compare (0 stories)" in html


@pytest.mark.parametrize("rows", [
    [("a", "All answered", 30, 30), ("b", "Also all", 12, 12)],  # p = 1: the limits close on it
    [("a", "None answered", 30, 0)],  # p = 0
    [("a", "One", 10, 7)],  # a single service, at the smallest size plotted
    [("a", "Few", 3, 1)],  # nothing to plot
    [],
])
def test_funnel_drawing_survives_edge_cases(rows):
    from app.insight.charts import funnel_chart

    plot = funnel.funnel(rows, 10)
    root = ET.fromstring(str(funnel_chart("f", "Title", "Description", plot, 10)))
    assert root.get("viewBox").startswith("0 0 320 ")
    for element in root.iter():
        for name in ("x", "y", "cx", "cy", "x1", "y1", "x2", "y2"):
            if element.get(name) is not None:
                assert element.get(name) not in ("nan", "inf", "-inf")
    assert "nan" not in ET.tostring(root, encoding="unicode")
