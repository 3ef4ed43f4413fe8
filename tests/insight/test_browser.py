"""The insight and comparison pages on a 320 px phone, in a real browser, with JavaScript turned off."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/providers/T1/insight", "/compare?kind=hospital", "/compare?parent=T1"])
def test_readable_at_320_px_without_javascript(live_server, chromium, session, tree, make_story, path):
    for provider in (tree["ward"], tree["hospital"], tree["trust"]):
        make_story(provider, status="published", criticality=4)
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        page.goto(live_server.url + path)
        wide = page.evaluate("""[...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > 321).slice(0, 5)
            .map(e => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right))""")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, wide
        for box in page.query_selector_all("svg.chart"):
            width = box.bounding_box()["width"]
            assert 200 <= width <= 320  # the drawing is 320 units wide: text at full size
        assert errors == []
    finally:
        context.close()


@pytest.fixture
def funnel_world(session, make_provider, make_user):
    """Ten hospitals with long names in one trust, each with enough stories to be plotted."""
    from datetime import timedelta

    from app.stories.models import Story
    from tests.insight.conftest import months_ago

    trust = make_provider(code="TF", name="Funnel Trust", kind="trust")
    author = make_user(email="teller@example.org")
    for h in range(10):
        hospital = make_provider(code=f"F{h}", name=f"Saint Somebody's University Hospital Number {h}",
                                 kind="hospital", parent=trust)
        for i in range(12 + 3 * h):
            published = months_ago(2, day=3 + i % 20)
            session.add(Story(provider_id=hospital.id, author_id=author.id, title=f"F{h} {i}", body="Kind staff.",
                              experienced_on=published.date().replace(day=1), author_role="patient",
                              public_name="Anonymous", status="published", published_at=published,
                              queued_at=published, criticality=1, flags=[],
                              first_reply_at=published + timedelta(days=i % 40) if (i + h) % 3 else None))
    session.commit()


def test_compare_table_fits_a_1280_px_screen_and_the_funnel_a_phone(live_server, chromium, funnel_world):
    for width in (1280, 320):
        context = chromium.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
        page = context.new_page()
        try:
            page.goto(live_server.url + "/compare?parent=TF")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            svg = page.query_selector("svg.chart").bounding_box()["width"]
            if width == 1280:
                # Every column shows: the table is no wider than its box, nothing scrolls or is cut off.
                table, box = page.evaluate("""(() => { const t = document.querySelector('table.compare-funnel');
                    return [t.scrollWidth, t.parentElement.clientWidth]; })()""")
                assert table <= box
                assert page.evaluate("document.querySelectorAll('table.compare-funnel thead th').length") == 9
            else:
                assert 200 <= svg <= 320  # drawn 320 units wide: its text at full size on a phone
        finally:
            context.close()


@pytest.mark.parametrize("path", ["/providers/T1", "/providers/T1/changes"])
def test_provider_pages_readable_at_320_px(live_server, chromium, session, tree, make_story, path):
    from datetime import date

    from app.replies.models import Change

    story = make_story(tree["ward"], status="published", title="A story with a change made")
    session.add(Change(story_id=story.id, provider_id=tree["ward"].id, kind="made", description="Done",
                       made_on=date.today(), evidence="https://example.org/a-very-long-address-" + "x" * 60,
                       evidence_url="https://example.org/a-very-long-address-" + "x" * 60))
    session.commit()
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()


def test_no_serious_axe_violation_on_the_accountability_pages(live_server, page, session, tree, make_user,
                                                              make_story, funnel_world, monkeypatch):
    from axe_playwright_python.sync_playwright import Axe

    from tests.insight.conftest import build_accountability, install_clock

    build_accountability(session, tree, make_user, make_story, install_clock(monkeypatch))
    axe, problems = Axe(), []
    for path in ("/compare?parent=TF", "/compare?parent=T1", "/providers/T1", "/providers/W1",
                 "/providers/T1/changes"):
        page.goto(live_server.url + path)
        problems += [f"{path}: {v['id']} [{v['impact']}] {v['help']}: {[n['target'] for n in v['nodes']][:3]}"
                     for v in axe.run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert problems == [], "\n".join(problems)
