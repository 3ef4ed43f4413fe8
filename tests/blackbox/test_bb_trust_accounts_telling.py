"""Black-box attack tests for issue 16, telling: one story per telling, the rate limits around it, and an
author's correction requests.

Written from the issue text and README only; every step goes through the site's pages and the mail it sends.
"""
from __future__ import annotations

import threading

import pytest

from tests.blackbox.conftest import (
    BODY,
    VICTIM,
    confirm_link,
    main_text,
    moderate,
    press,
    published_sign_in_link,
    signed_in_as,
    tell,
)
from tests.conftest import login


def story_count(session) -> int:
    from sqlalchemy import func, select

    from app.stories.models import Story
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Story))


# ---------------------------------------------------------------- one story per telling

def test_the_same_form_sent_twice_is_one_story_and_one_mail(app, session, tree, smtp_server, deliver):
    client = app.test_client()
    assert tell(client, VICTIM, key="same-key-" + "x" * 20).status_code == 302
    assert tell(client, VICTIM, key="same-key-" + "x" * 20).status_code in (302, 303)
    deliver()
    assert story_count(session) == 1
    assert len(smtp_server.to(VICTIM)) == 1


def test_back_and_resubmit_with_a_fresh_form_is_one_story(app, session, tree, smtp_server, deliver):
    """Back after the thanks page, the browser reloads /tell (a new form key) and the author sends it again."""
    client = app.test_client()
    assert tell(client, VICTIM, key="a" * 32).status_code == 302
    again = tell(client, VICTIM, key="b" * 32)
    assert again.status_code in (200, 302, 303), main_text(again)[:300]
    deliver()
    assert story_count(session) == 1
    assert len(smtp_server.to(VICTIM)) == 1


def test_back_and_resubmit_from_another_browser_with_a_trailing_space_is_one_story(app, session, tree, smtp_server,
                                                                                  deliver):
    tell(app.test_client(), VICTIM, key="a" * 32)
    tell(app.test_client(), VICTIM.upper(), key="c" * 32, body=BODY + "  \n", title="Kind nurses, cold food ")
    deliver()
    assert story_count(session) == 1


def test_resubmit_after_confirming_is_still_one_story(app, session, tree, smtp_server, deliver):
    client = app.test_client()
    tell(client, VICTIM, key="a" * 32)
    deliver()
    press(client, confirm_link(smtp_server))
    tell(client, VICTIM, key="d" * 32)
    deliver()
    assert story_count(session) == 1
    assert len(smtp_server.to(VICTIM)) == 1


def _race(app, address, key):
    client = app.test_client()
    token = client.csrf_token()
    results = []
    barrier = threading.Barrier(2)

    def send():
        barrier.wait()
        results.append(tell(client, address, key=key, csrf_token=token).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_double_click_racing_two_requests_is_one_story_and_no_error(app, session, tree, smtp_server, deliver):
    results = _race(app, VICTIM, "r" * 32)
    deliver()
    assert story_count(session) == 1
    assert len(smtp_server.to(VICTIM)) == 1
    assert all(code < 500 for code in results), results


def test_a_double_click_from_a_known_address_is_one_story_and_no_error(app, session, tree, make_author, smtp_server,
                                                                       deliver):
    make_author(VICTIM)
    results = _race(app, VICTIM, "q" * 32)
    deliver()
    assert story_count(session) == 1
    assert len(smtp_server.to(VICTIM)) == 1
    assert all(code < 500 for code in results), results


@pytest.mark.settings(RATELIMIT_POSTING="3 per minute")
def test_find_the_service_never_counts_toward_the_posting_limit(app, session, tree):
    client = app.test_client()
    for _ in range(6):
        response = client.post("/tell", data={"provider_query": "Ward", "action": "find"})
        assert response.status_code == 200
    assert tell(client, VICTIM).status_code == 302


@pytest.mark.settings(RATELIMIT_POSTING="3 per minute")
def test_telling_is_rate_limited(app, session, tree):
    client = app.test_client()
    codes = [tell(client, f"t{n}@example.org", key=f"{n:032d}", title=f"Story {n}",
                  body=BODY + f" Visit {n}.").status_code for n in range(6)]
    assert 429 in codes, codes


@pytest.mark.settings(RATELIMIT_LOGIN="5 per minute", RATELIMIT_RESET="5 per minute")
def test_changing_the_password_is_rate_limited(app, make_user):
    make_user(email="author@example.org")
    client = app.test_client()
    login(client, "author@example.org")
    codes = [client.post("/account/password", data={"password": "brand new pass 1", "confirm": "brand new pass 1",
                                                    "current_password": f"guess number {n}"}).status_code
             for n in range(12)]
    assert 429 in codes, codes


@pytest.mark.settings(RATELIMIT_LOGIN="5 per minute", RATELIMIT_RESET="5 per minute")
def test_deleting_the_account_checks_the_password_under_a_rate_limit(app, make_user):
    make_user(email="author@example.org")
    client = app.test_client()
    login(client, "author@example.org")
    codes = [client.post("/account/delete", data={"stories": "withdraw", "password": f"guess {n}"}).status_code
             for n in range(12)]
    assert 429 in codes, codes
    assert signed_in_as(client) == "author@example.org"


# ---------------------------------------------------------------- correction requests

def test_an_author_asks_for_a_correction_and_the_moderator_makes_it(app, session, tree, make_user, make_story,
                                                                    make_author, smtp_server, deliver):
    author = make_author("author@example.org")
    story, link = published_sign_in_link(app, session, make_story, make_user, tree, smtp_server, deliver, author)
    client = app.test_client()
    press(client, link)
    response = client.post(f"/my/stories/{story.id}/correction", data={
        "kind": "author_details", "words": "Please remove the words 'waiting room' - it identifies my neighbour."})
    assert response.status_code == 302
    mod = app.test_client()
    login(mod, "mod@example.org")
    queue = main_text(mod.get("/moderation/"))
    assert "identifies my neighbour" in queue or "identifies my neighbour" in main_text(
        mod.get(f"/moderation/stories/{story.id}"))
    smtp_server.clear()
    corrected = moderate(mod, story, "correct", title=story.title,
                         body="Story: the staff were helpful. I would like clearer letters about appointments.",
                         reason="removed a detail at the author's request")
    assert corrected.status_code == 302
    history = main_text(mod.get(f"/moderation/stories/{story.id}/history"))
    assert "removed a detail at the author's request" in history
    public = main_text(app.test_client().get(f"/stories/{story.id}"))
    assert "waiting room" not in public and "clearer letters" in public
    deliver()
    assert smtp_server.to("author@example.org")


def test_nobody_else_can_ask_for_a_correction_to_your_story(app, session, tree, make_user, make_story):
    owner = make_user(email="owner@example.org")
    make_user(email="other@example.org")
    story = make_story(tree["ward"], author=owner, status="published")
    client = app.test_client()
    login(client, "other@example.org")
    assert client.get(f"/my/stories/{story.id}/correction").status_code in (403, 404)
    response = client.post(f"/my/stories/{story.id}/correction", data={"kind": "author_correction",
                                                                       "words": "Delete it all"})
    assert response.status_code in (403, 404)
