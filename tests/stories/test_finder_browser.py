"""In Chromium: a ward picked by typing part of its hospital's name, with JavaScript on (the typeahead) and off
(the "Find the service" button)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.demo.cli import load_demo
from app.stories.models import Story

pytestmark = pytest.mark.browser


def _finish(page, title: str) -> None:
    page.get_by_label("Give your story a title").fill(title)
    page.get_by_label("Your story", exact=True).fill(
        "The nurses on the ward were kind and explained everything about my treatment. The food was cold.")
    page.get_by_label("Month").select_option("3")
    page.get_by_label("Year").select_option("2025")
    page.get_by_label("Patient", exact=True).check()
    page.get_by_label("Your email address").fill("browser-author@example.org")
    page.get_by_label(re.compile("I agree to the terms")).check()
    page.get_by_role("button", name="Send my story").click()
    page.wait_for_url("**/tell/thanks/**")


def _told(session, title: str) -> Story:
    session.expire_all()
    return session.scalar(select(Story).where(Story.title == title))


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_ward_is_picked_by_typing_part_of_its_hospitals_name(app, session, live_server, chromium, javascript):
    load_demo()
    context = chromium.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        page.goto(live_server.url + "/tell")
        page.get_by_label("Which service is your story about?").fill("rivrside gener")
        if not javascript:
            page.get_by_role("button", name="Find the service").click()
        ward = page.get_by_label(re.compile(r"^Ward 7 \(Acute Medicine\)"))
        ward.check()
        assert "Riverside General Hospital" in ward.locator("xpath=..").inner_text()
        title = f"Picked with javascript {'on' if javascript else 'off'}"
        _finish(page, title)
    finally:
        context.close()
    story = _told(session, title)
    assert story is not None and story.provider.code == "RDM01-W02"
    assert not errors  # no CSP violation or script error
