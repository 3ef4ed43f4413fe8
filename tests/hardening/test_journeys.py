"""Whole journeys in headless Chromium: the story and response loop from telling to a public conversation."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.conftest import PASSWORD, link_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fail_fast(page):
    page.set_default_timeout(10_000)

BODY = ("The nurses on the ward were kind and explained everything about my operation. "
        "The appointment letters were confusing and I nearly missed my follow-up.")


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/account/")


def log_out(page) -> None:
    page.context.clear_cookies()


def tell_story(page, base: str, email: str, title: str) -> None:
    page.goto(base + "/tell?provider=W1")
    page.get_by_label("Give your story a title").fill(title)
    page.get_by_label("Your story", exact=True).fill(BODY)
    page.get_by_label("Month").select_option("3")
    page.get_by_label("Year").select_option("2025")
    page.get_by_label("Patient", exact=True).check()
    page.get_by_label("Your email address").fill(email)
    page.get_by_label(re.compile("I agree to the terms")).check()
    page.get_by_role("button", name="Send my story").click()
    page.wait_for_url("**/tell/thanks/**")


def publish(page, base: str, title: str) -> None:
    page.goto(base + "/moderation/")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Claim this story").click()
    page.get_by_label(re.compile("^1 ")).check()
    page.get_by_role("button", name="Publish", exact=True).click()


@pytest.fixture
def cast(tree, make_user):
    return {"staff": make_user(email="sister@example.org", provider=tree["ward"], job_title="Ward sister",
                               display_name="Sam Sister"),
            "moderator": make_user(email="mod@example.org", moderator=True)}


def test_the_whole_response_loop_in_a_browser(live_server, page, cast, smtp_server, deliver, session):
    from app.stories.models import Story

    base = live_server.url
    # An author tells a story and confirms the address from the caught message.
    tell_story(page, base, "teller@example.org", "Confusing letters")
    assert "Check your email" in page.text_content("main") or "confirm" in page.text_content("main").lower()
    deliver()
    page.goto(base + link_in(smtp_server.last_to("teller@example.org"), "/stories/confirm/"))
    page.get_by_role("button", name="Confirm my story").click()  # a GET confirms nothing: the button does
    assert "confirmed" in page.text_content("main")
    log_out(page)

    # A moderator publishes it.
    log_in(page, base, "mod@example.org")
    publish(page, base, "Confusing letters")
    story = session.scalar(session.query(Story).filter_by(title="Confusing letters").statement)
    session.refresh(story)
    assert story.status == "published"
    log_out(page)

    # The alerted staff member follows the emailed link, replies and plans a change.
    deliver()
    alert = smtp_server.last_to("sister@example.org")
    page.goto(base + link_in(alert, f"/stories/{story.id}"))
    log_in(page, base, "sister@example.org")
    page.goto(base + f"/stories/{story.id}")
    page.get_by_label("Your public reply").fill("Thank you. We are sorry the letters were confusing.")
    page.get_by_role("button", name="Publish reply").click()
    page.get_by_label("A change we plan to make").check()
    page.get_by_label("What will change, or what changed?").fill("We are rewriting our appointment letters.")
    page.get_by_label("When is it due?").fill((date.today() + timedelta(days=60)).isoformat())
    page.get_by_label("Who owns it?").fill("Outpatients team")
    page.get_by_role("button", name="Record the change").click()
    assert "We are rewriting our appointment letters." in page.text_content("main")
    # A new responder's first replies and changes wait for a moderator; the author hears nothing yet.
    assert "waiting for a moderator" in page.text_content("main")
    log_out(page)
    told_before = len(smtp_server.to("teller@example.org"))
    deliver()
    assert len(smtp_server.to("teller@example.org")) == told_before

    # The moderator lets the reply and the change through.
    log_in(page, base, "mod@example.org")
    for _ in range(2):
        page.goto(base + "/moderation/#conversation")
        page.locator("#conversation + ul").get_by_role("button", name="Publish", exact=True).first.click()
    log_out(page)

    # The author is told, and answers back through the link in the message.
    deliver()
    update = smtp_server.last_to("teller@example.org")
    page.goto(base + link_in(update, "/answer/"))
    page.get_by_label("Answer back").fill("Thank you, that would help a lot.")
    page.get_by_role("button", name="Send my answer").click()
    assert "once a moderator has read it" in page.text_content("body")

    # The moderator lets the answer through; a visitor sees the whole conversation.
    log_in(page, base, "mod@example.org")
    page.goto(base + "/moderation/#conversation")
    page.locator("#conversation + ul").get_by_role("button", name="Publish", exact=True).first.click()
    log_out(page)
    page.goto(base + f"/stories/{story.id}")
    main = page.text_content("main")
    for text in ("Confusing letters", "We are sorry the letters were confusing", "Ward sister",
                 "We are rewriting our appointment letters.", "Thank you, that would help a lot."):
        assert text in main
    assert "teller@example.org" not in page.content()
    assert page.console_errors == []


def test_an_author_withdraws_a_published_story(live_server, page, make_user, make_story, tree):
    author = make_user(email="withdrawer@example.org")
    story = make_story(tree["ward"], author=author, status="published", title="Changed my mind")
    base = live_server.url
    log_in(page, base, author.email)
    page.goto(base + "/my/stories")
    page.get_by_role("link", name=re.compile("Withdraw")).first.click()
    page.get_by_role("button", name="Withdraw my story").click()
    assert "withdrawn" in page.text_content("main")
    log_out(page)
    assert page.goto(base + f"/stories/{story.id}").status == 404


def test_a_visitor_reports_a_story_and_a_moderator_rejects_another(live_server, page, cast, make_story, tree,
                                                                   session):
    reported = make_story(tree["ward"], status="published", title="Names a nurse")
    pending = make_story(tree["ward"], status="pending", title="Not about care")
    base = live_server.url
    page.goto(base + f"/stories/{reported.id}")
    page.get_by_role("link", name="Report this story").click()
    page.locator("input[name=reason]").first.check()
    page.get_by_label("Tell us more (optional)").fill("It names a member of staff.")
    page.get_by_role("button", name="Send the report").click()
    assert "A moderator will look at this story" in page.text_content("body")

    log_in(page, base, "mod@example.org")
    page.goto(base + "/moderation/")
    assert "It names a member of staff." in page.text_content("main")
    page.get_by_role("link", name="Not about care").click()
    page.get_by_role("button", name="Claim this story").click()
    page.get_by_label("Reason").select_option(index=1)
    page.get_by_role("button", name="Reject").click()
    session.refresh(pending)
    assert pending.status == "rejected"
