"""An author with no password, in Chromium: back from emailed links on a fresh browser, editing and withdrawing."""
from __future__ import annotations

import re

import pytest

from tests.conftest import link_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fail_fast(page):
    page.set_default_timeout(10_000)


def test_a_passwordless_author_returns_from_emailed_links_edits_and_withdraws(
        live_server, page, chromium, session, tree, make_user, make_story, smtp_server, deliver):
    from app.moderation import services as moderation
    from app.stories.models import Story

    author = make_user(email="nopassword@example.org", display_name="")
    author.password_hash = None
    session.commit()
    moderator = make_user(email="mod@example.org", moderator=True)
    returned = make_story(tree["ward"], author=author, title="Sent back to me")
    published = make_story(tree["ward"], author=author, title="Published and then regretted")
    moderation.send_back(session, moderator, returned, returned.version, "Please remove the room number.")
    moderation.publish(session, moderator, published, published.version, moderation.Publication(
        criticality=1, tags=[], title=published.title, body=published.body))
    session.commit()
    deliver()
    sent_back = next(m for m in smtp_server.to(author.email) if "change your story" in str(m["Subject"]))
    base = live_server.url

    # A fresh browser (no cookies): the emailed link opens a page with one button; pressing it signs in.
    page.goto(base + link_in(sent_back, "/account/link/"))
    assert "Sign in to your stories" in page.text_content("main")
    page.goto(base + "/account/")
    assert "/account/login" in page.url  # opening the link signed nobody in
    page.goto(base + link_in(sent_back, "/account/link/"))
    page.get_by_role("button", name="Sign in to my stories").click()
    page.wait_for_url(f"**/my/stories/{returned.id}/edit")
    assert "Please remove the room number." in page.text_content("main")
    page.get_by_label("Give your story a title").fill("Sent back, now without the room number")
    page.get_by_role("button", name="Save and send to the moderators").click()
    assert "Your changes are saved" in page.text_content("body")
    session.refresh(returned)
    assert returned.status == "pending" and returned.title == "Sent back, now without the room number"

    # Later, another fresh browser: "email me a sign-in link" from the log-in page, then withdraw the other story.
    context = chromium.new_context()
    other = context.new_page()
    other.set_default_timeout(10_000)
    other.goto(base + "/account/login")
    other.get_by_label("The email you gave with your story").fill(author.email)
    other.get_by_role("button", name="Email me a sign-in link").click()
    assert "Check your email" in other.text_content("main")
    deliver()
    requested = next(m for m in reversed(smtp_server.to(author.email)) if "sign in" in str(m["Subject"]))
    other.goto(base + link_in(requested, "/account/link/"))
    other.get_by_role("button", name="Sign in to my stories").click()
    other.wait_for_url("**/my/stories")
    other.get_by_role("link", name=re.compile("Withdraw.*Published and then regretted")).click()
    other.get_by_role("button", name="Withdraw my story").click()
    assert "withdrawn" in other.text_content("main")
    context.close()
    session.expire_all()
    assert session.get(Story, published.id).status == "withdrawn"
    assert page.console_errors == []
