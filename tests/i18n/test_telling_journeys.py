"""Everyone can tell their story, in a real browser (Debian's Chromium): a visitor switches the telling page to
Welsh with its own link and tells a story in Welsh; others tell theirs through the easy-read screens, in English
and in Welsh. Each story reaches the moderation queue, where the moderator (working in English) sees the language
it was told in and the route it came by. axe runs on every screen on the way: the easy-read question screens are
reached only by POST, so the page-type list in tests/hardening/test_accessibility.py cannot visit them."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from app.stories.models import EASY_READ, PENDING, WEB, Story
from tests.conftest import PASSWORD, link_in
from tests.hardening.test_accessibility import SERIOUS

pytestmark = pytest.mark.browser

BODY = {
    "cy": "Roedd y nyrsys ar y ward yn garedig ac yn egluro popeth. Roedd y llythyrau apwyntiad yn ddryslyd iawn.",
    "en": "The nurses on the ward were kind and explained everything. The appointment letters were confusing.",
}


@pytest.fixture
def axe_check(page):
    """axe on the page as it is now; every serious or critical finding is kept, with the screen's name."""
    axe, problems = Axe(), []

    def check(name: str) -> None:
        # A form's submit may still be replacing the document after click() returns: axe then finds none.
        page.wait_for_load_state("load")
        for v in axe.run(page).response["violations"]:
            if v["impact"] in SERIOUS:
                problems.append(f"{name}: {v['id']} [{v['impact']}] {v['help']} "
                                f"{[n['target'] for n in v['nodes']][:3]}")

    check.problems = problems
    return check


@pytest.fixture
def moderator(make_user):
    return make_user(email="mod@example.org", moderator=True)


def _confirm_by_email(page, base, smtp_server, deliver, address, axe_check, language) -> None:
    deliver()
    sent = smtp_server.last_to(address)
    page.goto(base + link_in(sent, "/stories/confirm/"))
    assert page.get_attribute("html", "lang") == ("cy" if language == "cy" else "en-GB")
    axe_check(f"confirm ({language})")
    page.click("main button[type=submit]")
    axe_check(f"confirmed ({language})")


def _queue_row_as_moderator(page, base, title: str) -> str:
    """The moderator signs in (in English) and reads the queue's row for the story."""
    page.context.clear_cookies()
    page.goto(base + "/account/login?lang=en")
    page.fill("#email", "mod@example.org")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/account/")
    page.goto(base + "/moderation/")
    row = page.locator("table tr", has=page.get_by_role("link", name=title))
    return " ".join(row.inner_text().split())


def test_a_story_told_in_welsh_after_switching_on_the_page(live_server, page, tree, moderator, smtp_server, deliver,
                                                           session, axe_check):
    base = live_server.url
    page.set_default_timeout(10_000)
    page.goto(base + "/tell?provider=W1")
    assert page.get_attribute("html", "lang") == "en-GB"
    # The switch is a plain link to the same page in Welsh: no script, and the chosen service is kept.
    switch = page.get_by_role("link", name="Cymraeg")
    assert switch.get_attribute("onclick") is None and "lang=cy" in switch.get_attribute("href")
    switch.click()
    assert page.get_attribute("html", "lang") == "cy"
    assert page.input_value("#provider_code") == "W1" and "Ward One" in page.inner_text("p.chosen-provider")
    axe_check("tell (cy)")
    page.fill("#title", "Llythyrau dryslyd")
    page.fill("#body", BODY["cy"])
    page.select_option("#month", "3")
    page.select_option("#year", "2025")
    page.check("input[name=author_role][value=patient]")
    page.fill("#email", "awdur@example.org")
    page.check("#consent")
    page.click("button[value=tell]")
    page.wait_for_url("**/tell/thanks/**")
    assert page.get_attribute("html", "lang") == "cy"
    axe_check("thanks (cy)")
    _confirm_by_email(page, base, smtp_server, deliver, "awdur@example.org", axe_check, "cy")

    story = session.scalar(select(Story).where(Story.title == "Llythyrau dryslyd"))
    assert (story.status, story.language, story.route, story.provider.code) == (PENDING, "cy", WEB, "W1")
    row = _queue_row_as_moderator(page, base, "Llythyrau dryslyd")
    assert "Told on the website; in Welsh" in row
    page.get_by_role("link", name="Llythyrau dryslyd").click()
    assert "Told on the website · told in Welsh" in " ".join(page.locator("main p.muted").first.inner_text().split())
    assert axe_check.problems == [], "\n".join(axe_check.problems)


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_story_told_through_the_easy_read_screens(live_server, page, tree, moderator, smtp_server, deliver,
                                                    session, axe_check, language):
    base = live_server.url
    page.set_default_timeout(10_000)
    address = f"easy-{language}@example.org"
    page.goto(base + f"/tell/easy?lang={language}")
    axe_check("easy start")
    page.click("main button[value=start]")

    def screen(name: str, answer) -> None:
        """Check the screen with axe, answer it and go on."""
        axe_check(f"easy {name} ({language})")
        answer()
        page.click("main button[value=next]")

    page.fill("#provider_query", "Ward One")
    page.click("main button[value=find]")
    screen("where, with the places found", lambda: page.check("#provider_code-W1"))
    screen("who", lambda: page.check("#author_role-patient"))
    screen("when", lambda: (page.select_option("#month", "3"), page.select_option("#year", "2025")))
    screen("feeling", lambda: page.check("#feeling-mixed"))
    screen("story", lambda: page.fill("#body", BODY[language]))
    title = f"Easy read story ({'Cymraeg' if language == 'cy' else 'English'})"
    screen("title", lambda: page.fill("#title", title))
    screen("name", lambda: page.fill("#public_name", "Sunflower"))
    screen("email", lambda: page.fill("#email", address))
    # The check screen, first sent without agreeing: it comes back with the problem shown.
    axe_check(f"easy check ({language})")
    page.click("main button[value=send]")
    assert page.locator("#consent-error").is_visible()
    axe_check(f"easy check, with a problem ({language})")
    page.check("#consent")
    page.click("main button[value=send]")
    page.wait_for_url("**/tell/easy/thanks/**")
    assert page.get_attribute("html", "lang") == ("cy" if language == "cy" else "en-GB")
    axe_check(f"easy thanks ({language})")
    _confirm_by_email(page, base, smtp_server, deliver, address, axe_check, language)

    story = session.scalar(select(Story).where(Story.title == title))
    assert (story.status, story.language, story.route) == (PENDING, language, EASY_READ)
    row = _queue_row_as_moderator(page, base, title)
    assert f"Told with the easy-read pages; in {'Welsh' if language == 'cy' else 'English'}" in row
    assert axe_check.problems == [], "\n".join(axe_check.problems)


def test_the_credit_line_shows_one_pair_of_quotation_marks(live_server, page, tree, make_story):
    story = make_story(tree["ward"], status="published", title="Kind nurses")
    page.goto(live_server.url + f"/stories/{story.id}")
    credit = page.locator(".licence-box q")
    # The title carries its own marks; the <q> around the whole credit adds none (it used to: ““Kind nurses”).
    assert credit.inner_text().startswith("“Kind nurses”, Anonymous, ")
    assert credit.evaluate("q => getComputedStyle(q).quotes") == "none"
    # What shows is its text and nothing more: as wide, on one line, as a plain span of the same text.
    widths = credit.evaluate("""q => {
        const span = document.createElement('span');
        span.textContent = q.textContent;
        q.style.whiteSpace = span.style.whiteSpace = 'nowrap';
        q.parentNode.insertBefore(span, q);
        const result = [q.getBoundingClientRect().width, span.getBoundingClientRect().width];
        span.remove();
        return result;
    }""")
    assert abs(widths[0] - widths[1]) < 0.5, widths
