"""The public side: lists with filters and keyset pages, story pages, who may see what, withdraw."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import utcnow
from app.stories import readcounts
from app.stories.models import AWAITING_CONFIRMATION, HIDDEN, PENDING, PUBLISHED, REJECTED, RETURNED, WITHDRAWN, Story
from tests.conftest import PASSWORD, login

PUBLIC_PAGES = ["/", "/stories", "/providers/W1", "/providers/H1", "/providers/T1"]


@pytest.mark.parametrize("status", [AWAITING_CONFIRMATION, PENDING, RETURNED, REJECTED, HIDDEN, WITHDRAWN])
def test_unpublished_story_is_404_for_others_but_visible_to_its_author_and_moderators(
        status, client, app, make_user, tree, make_story):
    author = make_user(email="me@example.org")
    story = make_story(tree["ward"], author=author, status=status, title="Secret title")
    assert client.get(f"/stories/{story.id}").status_code == 404
    for page in PUBLIC_PAGES:
        assert "Secret title" not in client.get(page).get_data(as_text=True)
    make_user(email="stranger@example.org")
    login(client, "stranger@example.org", PASSWORD)
    assert client.get(f"/stories/{story.id}").status_code == 404
    mine = app.test_client()
    login(mine, "me@example.org", PASSWORD)
    assert mine.get(f"/stories/{story.id}").status_code == 200
    make_user(email="mod@example.org", moderator=True)
    mod = app.test_client()
    login(mod, "mod@example.org", PASSWORD)
    assert mod.get(f"/stories/{story.id}").status_code == 200


def test_published_story_page_shows_everything_a_reader_needs(app, client, tree, make_story, session):
    story = make_story(tree["ward"], status=PUBLISHED, title="Great care", criticality=2,
                       body="First paragraph about the care we had.\n\nSecond paragraph about the discharge home.")
    page = client.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "<h1>Great care</h1>" in page
    assert "<p>First paragraph about the care we had.</p>" in page and "<p>Second paragraph" in page
    assert re.search(r"Trust One.*Hospital One.*Ward One", page, re.S)  # the breadcrumb
    assert "January 2025" in page and "Anonymous" in page and "(patient" in page
    assert "CC-BY-4.0" in page and "To reuse it, credit" in page
    assert "Report this story" in page and "Mildly critical" in page
    readcounts.flush(app)
    session.expire_all()
    assert session.get(Story, story.id).read_count == 1


def test_reading_does_not_move_the_version_moderators_lock_on(app, client, tree, make_story, session):
    story = make_story(tree["ward"], status=PUBLISHED)
    client.get(f"/stories/{story.id}")
    client.get(f"/stories/{story.id}")
    readcounts.flush(app)
    session.expire_all()
    fresh = session.get(Story, story.id)
    assert fresh.read_count == 2 and fresh.version == 1


def test_author_email_is_on_no_public_page(client, make_user, tree, make_story):
    author = make_user(email="private.person@example.org", display_name="Private Person")
    story = make_story(tree["ward"], author=author, status=PUBLISHED)
    for page in PUBLIC_PAGES + [f"/stories/{story.id}", f"/stories/{story.id}/report", "/stories?provider=T1"]:
        html = client.get(page).get_data(as_text=True)
        assert "private.person@example.org" not in html, page
        assert "Private Person" not in html, page


def test_withdraw_removes_the_story_from_every_public_list_and_keeps_the_fact(
        client, session, make_user, tree, make_story):
    author = make_user(email="me@example.org")
    story = make_story(tree["ward"], author=author, status=PUBLISHED, title="Changed my mind")
    for page in PUBLIC_PAGES:
        assert "Changed my mind" in client.get(page).get_data(as_text=True), page
    login(client, "me@example.org", PASSWORD)
    assert "Withdraw my story" in client.get(f"/my/stories/{story.id}/withdraw").get_data(as_text=True)
    assert client.post(f"/my/stories/{story.id}/withdraw").status_code == 302
    client.post("/account/logout")
    for page in PUBLIC_PAGES:
        assert "Changed my mind" not in client.get(page).get_data(as_text=True), page
    assert client.get(f"/stories/{story.id}").status_code == 404
    session.expire_all()
    assert session.get(Story, story.id).status == WITHDRAWN
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.story_id == story.id)) == "story.withdrawn"


def test_only_the_author_can_withdraw_or_edit(client, make_user, tree, make_story, session):
    story = make_story(tree["ward"], status=PENDING)
    make_user(email="other@example.org")
    login(client, "other@example.org", PASSWORD)
    assert client.post(f"/my/stories/{story.id}/withdraw").status_code == 404
    assert client.get(f"/my/stories/{story.id}/edit").status_code == 404
    session.expire_all()
    assert session.get(Story, story.id).status == PENDING


def test_my_stories_lists_each_status_and_edit_only_before_publication(client, make_user, tree, make_story):
    author = make_user(email="me@example.org")
    make_story(tree["ward"], author=author, status=PENDING, title="Waiting one")
    published = make_story(tree["ward"], author=author, status=PUBLISHED, title="Public one")
    login(client, "me@example.org", PASSWORD)
    page = client.get("/my/stories").get_data(as_text=True)
    assert "Waiting one" in page and "Waiting for a moderator" in page
    assert "Public one" in page and "Published" in page
    assert client.get(f"/my/stories/{published.id}/edit").status_code == 302


def test_stories_list_filters(client, session, tree, make_story):
    ward_story = make_story(tree["ward"], status=PUBLISHED, title="Ward story", criticality=4)
    practice_story = make_story(tree["other"], status=PUBLISHED, title="Practice story", criticality=0)
    from app.stories.models import Tag

    ward_story.tags = [session.scalar(select(Tag).where(Tag.slug == "improve-food"))]
    practice_story.response_status = "responded"
    practice_story.published_at = utcnow() - timedelta(days=40)
    session.commit()

    def titles(query: str) -> set[str]:
        html = client.get("/stories" + query).get_data(as_text=True)
        return {t for t in ("Ward story", "Practice story") if t in html}

    assert titles("") == {"Ward story", "Practice story"}
    assert titles("?provider=T1") == {"Ward story"}  # the trust includes everything below it
    assert titles("?provider=g1") == {"Practice story"}
    assert titles("?tag=improve-food") == {"Ward story"}
    assert titles("?criticality=0") == {"Practice story"}
    assert titles("?status=responded") == {"Practice story"}
    since = (utcnow() - timedelta(days=7)).date().isoformat()
    assert titles(f"?from={since}") == {"Ward story"}
    assert titles(f"?to={since}") == {"Practice story"}
    assert titles("?tag=<script>") == {"Ward story", "Practice story"}  # an unknown tag: ignored
    # An unknown service is never ignored (issue #20): nothing is listed, and the page says why.
    assert titles("?provider=NOPE") == set()
    assert "No service matches" in client.get("/stories?provider=NOPE").get_data(as_text=True)
    # A number or date that is not one is a 400 saying so (issue #17), not a list quietly unfiltered.
    for query, named in (("?criticality=nine", "criticality"), ("?from=yesterday", "from")):
        response = client.get("/stories" + query)
        assert response.status_code == 400 and f"{named} must be" in response.get_data(as_text=True)


def test_stories_list_pages_by_key_newest_first_without_offset(client, session, tree, make_story, count_queries):
    now = utcnow()
    for i in range(45):
        story = make_story(tree["ward"], status=PUBLISHED, title=f"Numbered story {i:02d}")
        story.published_at = now - timedelta(minutes=i)
    session.commit()
    seen: list[str] = []
    url = "/stories"
    with count_queries() as log:
        for _ in range(10):  # a cursor that does not move on must fail the test, not hang it
            if not url:
                break
            html = client.get(url).get_data(as_text=True)
            seen += re.findall(r"Numbered story (\d\d)", html)
            more = re.search(r'href="(/stories\?after=[^"]+)"', html)
            url = more.group(1).replace("&amp;", "&") if more else None
    assert seen == [f"{i:02d}" for i in range(45)]
    # SQLite renders "LIMIT ? OFFSET ?" for any LIMIT; the offset bound must always be 0.
    for statement, parameters in log.executed:
        if "OFFSET" in statement.upper():
            assert isinstance(parameters, (tuple, list)) and parameters[-1] == 0, statement


def test_provider_page_lists_its_stories_and_those_below_it(client, tree, make_story):
    make_story(tree["ward"], status=PUBLISHED, title="On the ward")
    make_story(tree["other"], status=PUBLISHED, title="At the practice")
    trust_page = client.get("/providers/T1").get_data(as_text=True)
    assert "On the ward" in trust_page and "At the practice" not in trust_page
    assert "/tell?provider=T1" in trust_page


def test_home_shows_the_latest_stories_and_invites_telling(client, tree, make_story):
    make_story(tree["ward"], status=PUBLISHED, title="Latest on the ward")
    page = client.get("/").get_data(as_text=True)
    assert "Latest on the ward" in page and 'href="/tell"' in page


def test_posting_is_rate_limited(app, client, tree, make_story):
    app.config["RATELIMIT_POSTING"] = "3 per minute"
    story = make_story(tree["ward"], status=PUBLISHED)
    codes = [client.post(f"/stories/{story.id}/report", data={"reason": "spam", "note": ""}).status_code
             for _ in range(4)]
    assert codes == [302, 302, 302, 429]
