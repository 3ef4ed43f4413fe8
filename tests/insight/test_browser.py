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
