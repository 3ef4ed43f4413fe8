"""The layout in a real browser: styles load under the CSP, the page works on a phone-sized screen."""
import pytest

pytestmark = pytest.mark.browser


def test_home_page_loads_styles_under_the_csp_without_console_errors(live_server, page):
    page.goto(live_server.url + "/")
    assert page.title().startswith("Tell your story")
    # The stylesheet applied: the header has its dark background.
    background = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(23, 54, 93)"
    assert page.console_errors == []


def test_login_form_works_on_a_narrow_screen_without_horizontal_scroll(live_server, page, make_user):
    make_user(email="narrow@example.org")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url + "/account/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.fill("#email", "narrow@example.org")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/account/")
    assert "narrow@example.org" in page.text_content("main")
    assert page.console_errors == []
