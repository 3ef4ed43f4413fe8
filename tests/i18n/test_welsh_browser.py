"""Welsh in a real browser: the switch with JavaScript off, a story told in Welsh that reaches the moderators as a
Welsh story, and axe on every public page type in Welsh."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from app.stories.models import PENDING, Story
from tests.conftest import PASSWORD, link_in
from tests.hardening.conftest import world  # noqa: F401  (the hardening tests' world)
from tests.hardening.test_accessibility import SERIOUS, _path
from tests.i18n.test_welsh import WELSH_PAGES

pytestmark = pytest.mark.browser

BODY = ("Roedd y nyrsys ar y ward yn garedig ac yn egluro popeth am fy llawdriniaeth. "
        "Roedd y llythyrau apwyntiad yn ddryslyd a bu bron i mi golli fy apwyntiad dilynol.")


def test_the_switch_works_with_javascript_off(live_server, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/stories")
    assert page.get_attribute("html", "lang") == "en-GB"
    page.get_by_role("link", name="Cymraeg").click()
    assert page.get_attribute("html", "lang") == "cy"
    assert page.get_by_role("link", name="Adrodd eich stori").first.is_visible()
    page.goto(live_server.url + "/")  # the cookie keeps the choice
    assert page.get_attribute("html", "lang") == "cy"
    page.get_by_role("link", name="English").click()
    assert page.get_attribute("html", "lang") == "en-GB"
    context.close()


def test_a_story_told_in_welsh_reaches_moderation_as_welsh(live_server, page, tree, make_user, smtp_server, deliver,
                                                           session):
    make_user(email="mod@example.org", moderator=True)
    base = live_server.url
    page.set_default_timeout(10_000)
    page.goto(base + "/tell?provider=W1&lang=cy")
    page.get_by_label("Rhowch deitl i'ch stori").fill("Llythyrau dryslyd")
    page.get_by_label("Eich stori", exact=True).fill(BODY)
    page.get_by_label("Mis", exact=True).select_option("3")
    page.get_by_label("Blwyddyn", exact=True).select_option("2025")
    page.get_by_label("Claf", exact=True).check()
    page.get_by_label("Eich cyfeiriad e-bost").fill("awdur@example.org")
    page.get_by_label(re.compile("Rwy'n cytuno â'r telerau")).check()
    page.get_by_role("button", name="Anfon fy stori").click()
    page.wait_for_url("**/tell/thanks/**")
    assert "Diolch am eich stori" in page.text_content("main")

    deliver()
    sent = smtp_server.last_to("awdur@example.org")
    assert sent["Subject"] == "Cadarnhewch eich stori ar gyfer Storyloop"
    page.goto(base + link_in(sent, "/stories/confirm/"))
    page.get_by_role("button", name="Cadarnhau fy stori").click()
    assert "wedi'i chadarnhau" in page.text_content("main")

    story = session.scalar(select(Story).where(Story.title == "Llythyrau dryslyd"))
    assert (story.status, story.language) == (PENDING, "cy")

    # The moderator works in English and finds it in the queue, told in Welsh.
    page.context.clear_cookies()
    page.goto(base + "/account/login?lang=en")
    page.get_by_label("Email address").fill("mod@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/account/")
    page.goto(base + "/moderation/")
    page.get_by_role("link", name="Llythyrau dryslyd").click()
    assert page.get_attribute("html", "lang") == "en-GB"
    assert "Llythyrau dryslyd" in page.text_content("main")


def test_no_serious_axe_violation_on_any_public_page_type_in_welsh(live_server, page, world):  # noqa: F811
    axe, problems, current = Axe(), [], None
    for name, role, template in WELSH_PAGES:
        if role != current:
            page.context.clear_cookies()
            if role != "anonymous":
                page.goto(live_server.url + "/account/login")
                page.fill("#email", world.users[role].email)
                page.fill("#password", PASSWORD)
                page.click("main button[type=submit]")
                page.wait_for_url("**/account/")
            page.context.add_cookies([{"name": "lang", "value": "cy", "url": live_server.url}])
            current = role
        page.goto(live_server.url + _path(template, world))
        assert page.get_attribute("html", "lang") == "cy", name
        for v in axe.run(page).response["violations"]:
            if v["impact"] in SERIOUS:
                problems.append(f"{name}: {v['id']} [{v['impact']}] {v['help']}")
    assert problems == [], "\n".join(problems)
