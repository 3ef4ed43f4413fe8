"""Accessibility in Chromium: axe-core over every page type, reflow at 320 px and at 200% zoom, keyboard only.

PAGE_TYPES is the one list of page types: add a line for each new kind of page.
"""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# (name, who looks, path; "{published}", "{pending}", "{reply}" are filled from the world fixture)
PAGE_TYPES: list[tuple[str, str, str]] = [
    ("home", "anonymous", "/"),
    ("story list", "anonymous", "/stories"),
    ("story with its conversation", "anonymous", "/stories/{published}"),
    ("you said, we did", "anonymous", "/providers/T1/changes"),
    ("follow a service", "anonymous", "/providers/T1/follow"),
    ("tell a story", "anonymous", "/tell"),
    ("easy read: tell a story", "anonymous", "/tell/easy"),
    ("easy read: what happens to your story", "anonymous", "/tell/easy/what-happens"),
    ("easy read: privacy", "anonymous", "/tell/easy/privacy"),
    ("paper form", "anonymous", "/tell/paper-form"),
    ("provider directory", "anonymous", "/providers"),
    ("provider page", "anonymous", "/providers/W1"),
    ("search results", "anonymous", "/search?q=story"),
    ("open data", "anonymous", "/data"),
    ("terms", "anonymous", "/terms"),
    ("about", "anonymous", "/about"),
    ("how moderation works", "anonymous", "/how-moderation-works"),
    ("privacy notice", "anonymous", "/privacy"),
    ("accessibility statement", "anonymous", "/accessibility"),
    ("contact", "anonymous", "/contact"),
    ("transparency", "anonymous", "/transparency"),
    ("provider insight", "anonymous", "/providers/T1/insight"),
    ("comparison", "anonymous", "/compare?kind=hospital"),
    ("log in", "anonymous", "/account/login"),
    ("sign up", "anonymous", "/account/signup"),
    ("forgotten password", "anonymous", "/account/password/forgot"),
    ("report a story", "anonymous", "/stories/{published}/report"),
    ("bad emailed link", "anonymous", "/account/confirm/not-a-token"),
    ("not found", "anonymous", "/stories/999999"),
    ("account", "author", "/account/"),
    ("my stories", "author", "/my/stories"),
    ("edit my story", "author", "/my/stories/{pending}/edit"),
    ("withdraw my story", "author", "/my/stories/{published}/withdraw"),
    ("change password", "author", "/account/password"),
    ("delete account", "author", "/account/delete"),
    ("story as its author", "author", "/stories/{published}"),
    ("staff dashboard", "staff", "/dashboard"),
    ("story as staff, with reply forms", "staff", "/stories/{published}"),
    ("edit a reply", "staff", "/replies/{reply}/edit"),
    ("enter a story for someone", "story_taker", "/tell/for-someone"),
    ("stories I entered", "story_taker", "/tell/for-someone/entered"),
    ("moderation queue", "moderator", "/moderation/"),
    ("moderating a story", "moderator", "/moderation/stories/{pending}"),
    ("story history", "moderator", "/moderation/stories/{published}/history"),
    ("moderating a published story (correct, move, safeguarding)", "moderator", "/moderation/stories/{published}"),
    ("moderating a reply", "moderator", "/moderation/replies/{reply}"),
    ("provider staff", "admin", "/providers/H1/staff"),
    ("admin console", "admin", "/admin/"),
    ("admin providers", "admin", "/admin/providers?q=H"),
    ("admin provider", "admin", "/admin/providers/H1"),
    ("admin people", "admin", "/admin/people?q=example"),
    ("admin person", "admin", "/admin/people/1"),
    ("admin outbox", "admin", "/admin/outbox"),
    ("admin audit", "admin", "/admin/audit"),
    ("ask for a correction", "author", "/my/stories/{published}/correction"),
]
SERIOUS = {"serious", "critical"}


def _path(template: str, world) -> str:
    return template.format(published=world.published.id, pending=world.pending.id, reply=world.reply.id)


def _log_in(page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/account/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/account/")


def _visit_all(page, live_server, world, check) -> list[str]:
    problems, current = [], None
    for name, role, template in PAGE_TYPES:
        if role != current:
            page.context.clear_cookies()
            if role != "anonymous":
                _log_in(page, live_server.url, world.users[role].email)
            current = role
        page.goto(live_server.url + _path(template, world))
        problems += [f"{name} ({template}): {p}" for p in check(page)]
    return problems


def test_no_serious_or_critical_axe_violation_on_any_page_type(live_server, page, world):
    axe = Axe()

    def check(page):
        violations = axe.run(page).response["violations"]
        return [f"{v['id']} [{v['impact']}] {v['help']}: {[n['target'] for n in v['nodes']][:3]}"
                for v in violations if v["impact"] in SERIOUS]

    problems = _visit_all(page, live_server, world, check)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("viewport, scale", [({"width": 320, "height": 640}, 1),
                                             # 200% zoom of a 1280 px window lays out like this
                                             ({"width": 640, "height": 400}, 2)],
                         ids=["320px", "zoom200"])
def test_every_page_type_reflows_without_sideways_scrolling(live_server, chromium, world, viewport, scale):
    context = chromium.new_context(viewport=viewport, device_scale_factor=scale)
    page = context.new_page()
    width = viewport["width"]

    def check(page):
        scroll = page.evaluate("document.documentElement.scrollWidth")
        return [f"page is {scroll}px wide in a {width}px window"] if scroll > width else []

    try:
        problems = _visit_all(page, live_server, world, check)
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching selector has the focus (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_telling_a_story_with_the_keyboard_alone(live_server, page, world, session):
    from app.stories.models import Story

    page.goto(live_server.url + "/tell?provider=W1")
    _tab_to(page, "a.skip-link")
    page.keyboard.press("Enter")  # the skip link moves the focus to the main content
    _tab_to(page, "#title")
    page.keyboard.type("Typed without a mouse")
    _tab_to(page, "#body")
    page.keyboard.type("The reception staff were patient with me and the signs were clear and easy to follow.")
    _tab_to(page, "#month")
    page.keyboard.press("ArrowDown")
    _tab_to(page, "#year")
    page.keyboard.press("ArrowDown")
    _tab_to(page, "input[name=author_role]")
    page.keyboard.press("Space")
    _tab_to(page, "#email")
    page.keyboard.type("keys@example.org")
    _tab_to(page, "#consent")
    page.keyboard.press("Space")
    _tab_to(page, "button[value=tell]")
    # Each focused control shows a visible focus indicator.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    shadow = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert outline != "none" or shadow != "none"
    page.keyboard.press("Enter")
    page.wait_for_url("**/tell/thanks/**")
    assert session.scalar(session.query(Story).filter_by(title="Typed without a mouse").statement) is not None
