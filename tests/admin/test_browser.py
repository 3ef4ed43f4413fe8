"""The console in a real browser on a 320 px phone: no sideways scrolling, forms work without JavaScript."""
import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_console_pages_fit_a_phone_and_deactivate_works_without_javascript(live_server, chromium, admin, tree,
                                                                           make_story, session):
    from app.directory.models import Provider

    context = chromium.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/account/login")
        page.fill("#email", admin.email)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/account/")
        make_story(tree["ward"])
        for path in ("/admin/", "/admin/providers?q=one", "/admin/providers/W1", f"/admin/people/{admin.id}",
                     "/admin/outbox", "/admin/audit"):
            page.goto(live_server.url + path)
            assert page.locator("h1").count() == 1, path
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        page.goto(live_server.url + "/admin/providers/W1")
        page.fill("#active-reason", "Ward closed")
        page.click("text=Deactivate W1")
        page.wait_for_url("**/admin/providers/W1")
        assert "Deactivated" in page.text_content("main")
        session.expire_all()
        assert session.get(Provider, tree["ward"].id).active is False
    finally:
        context.close()
