"""Kept content (app/web/cache.py, kept_template and kept_fragment): the parts of the story list, a provider's
page, a story page and story cards that are the same for every viewer are rendered once per content version and
language, for the people the page cache never serves (signed in, or everyone with PAGE_CACHE_MB=0).

What must hold: a kept part is never older than the data, never in the other language, never holds anything of
one viewer (a form, a CSRF token, "Edit your reply"), and a view of kept content runs the same few statements
however many rows the page shows.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import utcnow
from app.replies.models import Reply
from app.stories.models import PUBLISHED

from ..conftest import login
from .rendered import app_overrides  # noqa: F401  (the page cache off)


@pytest.fixture
def people(make_user, tree):
    return {
        "reader": make_user(email="reader@example.org"),  # signed in, nothing to do on any story
        "responder": make_user(email="responder@nhs.example", provider=tree["ward"], display_name="Sam Staff"),
        "moderator": make_user(email="mod@example.org", moderator=True),
    }


@pytest.fixture
def published(session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED, title="The night staff on ward one")
    session.add(Reply(story_id=story.id, kind="staff", provider_id=story.provider_id, responder_name="Sam Staff",
                      body="Thank you for telling us about the night.", status="visible", published_at=utcnow()))
    session.commit()
    return story


def main(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def view(client, count_queries, url: str) -> tuple[int, str]:
    with count_queries() as log:
        response = client.get(url)
    assert response.status_code == 200, url
    return log.count, response.get_data(as_text=True)


def add_stories(session, tree, make_story, count: int) -> None:
    now = utcnow()
    for n in range(count):
        story = make_story(tree["ward"], status=PUBLISHED, title=f"Listed story {n}")
        story.published_at = now - timedelta(minutes=n + 1)
    session.commit()


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("url", ["/stories", "/providers/T1", "/providers/W1", "story"])
def test_kept_content_is_served_in_the_same_few_statements_however_many_rows(client, session, tree, make_story,
                                                                          people, published, count_queries,
                                                                          signed_in, url):
    if signed_in:
        login(client, people["reader"].email)
    url = f"/stories/{published.id}" if url == "story" else url
    add_stories(session, tree, make_story, 2)
    rendered, _ = view(client, count_queries, url)
    few, _ = view(client, count_queries, url)
    assert few < rendered  # the second view reused the kept content, with its queries
    add_stories(session, tree, make_story, 30)  # more than a page of cards
    view(client, count_queries, url)
    many, page = view(client, count_queries, url)
    assert many == few
    if url != f"/stories/{published.id}":
        assert main(page).count("Listed story") >= 19


def test_a_change_shows_at_once_on_every_kept_part(client, session, tree, people, published, make_story):
    login(client, people["reader"].email)
    story_url = f"/stories/{published.id}"
    for url in ("/stories", "/providers/W1", story_url):
        assert "The night staff on ward one" in client.get(url).get_data(as_text=True)
    published.title = "Retitled by a moderator"
    session.commit()
    for url in ("/stories", "/providers/W1", story_url):
        page = main(client.get(url).get_data(as_text=True))
        assert "Retitled by a moderator" in page and "The night staff on ward one" not in page, url
    # A reply made public shows on the kept story page at once; a renamed service on every card.
    session.add(Reply(story_id=published.id, kind="staff", provider_id=published.provider_id,
                      responder_name="Sam Staff", body="We have changed the night rota.", status="visible",
                      published_at=utcnow()))
    tree["ward"].name = "Ward One Renamed"
    session.commit()
    assert "We have changed the night rota." in client.get(story_url).get_data(as_text=True)
    assert "Ward One Renamed" in main(client.get("/stories").get_data(as_text=True))


@pytest.mark.parametrize("first", ["responder", "moderator", "reader", None])
def test_kept_story_content_holds_nothing_of_one_viewer(app, session, people, published, first):
    """Whoever views a story first, the next people each get their own: staff their forms, a moderator the
    hide buttons, the author their answer form, and everyone else none of these."""
    def page_for(who: str | None) -> str:
        client = app.test_client()
        if who:
            login(client, people[who].email)
        return main(client.get(f"/stories/{published.id}").get_data(as_text=True))

    page_for(first)
    for _ in range(2):
        for who in ("reader", None):
            page = page_for(who)
            assert "We have changed" not in page and "Thank you for telling us about the night." in page
            assert "csrf_token" not in page and 'method="post"' not in page
            assert "Edit your reply" not in page and "Reply in public" not in page
        responder = page_for("responder")
        assert "csrf_token" in responder and f'action="/stories/{published.id}/replies"' in responder
        assert "csrf_token" in page_for("moderator")  # the hide buttons on each reply


def test_the_author_gets_their_own_page_not_the_kept_one(app, session, published):
    client = app.test_client()
    client.get(f"/stories/{published.id}")  # kept for everyone with nothing to do on it
    login(client, published.author.email)
    page = main(client.get(f"/stories/{published.id}").get_data(as_text=True))
    assert "csrf_token" in page and f'action="/stories/{published.id}/answers"' in page


def test_the_writer_of_a_reply_sees_its_edit_link_and_nobody_else_does(app, session, people, published):
    reply = Reply(story_id=published.id, kind="staff", provider_id=published.provider_id,
                  author_id=people["responder"].id, responder_name="Sam Staff", body="A reply I can still edit.",
                  status="visible", published_at=utcnow())
    session.add(reply)
    session.commit()
    staff = app.test_client()
    login(staff, people["responder"].email)
    assert "Edit your reply" in staff.get(f"/stories/{published.id}").get_data(as_text=True)
    reader = app.test_client()
    login(reader, people["reader"].email)
    assert "Edit your reply" not in reader.get(f"/stories/{published.id}").get_data(as_text=True)
    assert "Edit your reply" in staff.get(f"/stories/{published.id}").get_data(as_text=True)


def test_kept_content_is_per_language(client, published):
    for _ in range(2):
        welsh = main(client.get("/stories?lang=cy").get_data(as_text=True))
        english = main(client.get("/stories?lang=en").get_data(as_text=True))
        assert "<h1>Straeon</h1>" in welsh and "<h1>Stories</h1>" not in welsh
        assert "<h1>Stories</h1>" in english and "Straeon" not in english


@pytest.mark.settings(FRAGMENT_CACHE_MB=0)
@pytest.mark.parametrize("url", ["/stories", "/providers/T1", "story"])
def test_with_fragments_off_every_view_renders_again(app, client, published, count_queries, url):
    assert "fragment_cache" not in app.extensions
    url = f"/stories/{published.id}" if url == "story" else url
    view(client, count_queries, url)
    first, _ = view(client, count_queries, url)
    again, _ = view(client, count_queries, url)
    assert again == first >= 3


def test_the_dashboard_lists_are_kept_per_services_and_colleagues_replies_per_person(app, session, tree, make_user,
                                                                                     make_story, count_queries):
    """"Awaiting a reply" is the same for everyone covering the same services; "recent replies by colleagues"
    leaves out the viewer's own, so it is kept per person. Both change at once when a reply is published."""
    first = make_user(email="first@nhs.example", provider=tree["ward"], display_name="First Nurse")
    second = make_user(email="second@nhs.example", provider=tree["ward"], display_name="Second Nurse")
    story = make_story(tree["ward"], status=PUBLISHED, title="Waiting for a reply at night")
    a, b = app.test_client(), app.test_client()
    login(a, first.email)
    login(b, second.email)
    rendered, page = view(a, count_queries, "/dashboard")
    kept, page = view(a, count_queries, "/dashboard")
    assert kept < rendered and "Waiting for a reply at night" in main(page)
    assert "Waiting for a reply at night" in main(b.get("/dashboard").get_data(as_text=True))
    session.add(Reply(story_id=story.id, kind="staff", provider_id=story.provider_id, author_id=first.id,
                      responder_name="First Nurse", body="We are looking into it.", status="visible",
                      published_at=utcnow()))
    story.response_status = "responded"
    session.commit()
    mine, theirs = main(a.get("/dashboard").get_data(as_text=True)), main(b.get("/dashboard").get_data(as_text=True))
    assert "Every story has a reply." in mine and "Every story has a reply." in theirs
    assert "First Nurse" in theirs and "First Nurse" not in mine  # a colleague's reply; never one's own


def test_a_staff_members_story_page_asks_once_whether_they_are_staff_there(client, people, published, make_user,
                                                                          tree, count_queries):
    """Noting a first read and choosing the page's forms both need the viewer's memberships above the story's
    service: read once per request (and again after anything is written: a membership ended counts). The
    service's ancestry is kept under the content version, so only the memberships are read."""
    elsewhere = make_user(email="gp@nhs.example", provider=tree["other"])
    login(client, elsewhere.email)
    for _ in range(2):  # staff elsewhere: the story stays unread by its own staff, so each view asks both
        with count_queries() as log:
            page = client.get(f"/stories/{published.id}").get_data(as_text=True)
        assert "Thank you for telling us about the night." in page and "/replies" not in page
        # The memberships above the service, once (the user's own, loaded with the user, join "users").
        assert sum("FROM memberships" in s and "provider_id IN" in s for s in log.statements) == 1


def test_a_kept_part_holding_a_full_link_is_kept_per_address_the_site_was_reached_at(client, published):
    """The credit line on a story page is a full link: reached as another host, the page links to that host."""
    for _ in range(2):
        for host in ("stories.example.org", "www.stories.example.org"):
            page = client.get(f"/stories/{published.id}", base_url=f"https://{host}").get_data(as_text=True)
            assert f"https://{host}/stories/{published.id}" in page


def test_staff_of_a_provider_a_service_moves_under_are_staff_there_at_once(client, session, published, make_user,
                                                                          tree):
    """Who is staff above a service is worked out from its ancestry, kept under the content version: moving the
    service under another provider moves the version, so the first view after the move sees the new line."""
    elsewhere = make_user(email="gp@nhs.example", provider=tree["other"])
    login(client, elsewhere.email)
    assert "/replies" not in client.get(f"/stories/{published.id}").get_data(as_text=True)
    tree["ward"].parent_id = tree["other"].id
    session.commit()
    assert "/replies" in client.get(f"/stories/{published.id}").get_data(as_text=True)
    tree["ward"].parent_id = tree["hospital"].id
    session.commit()
    assert "/replies" not in client.get(f"/stories/{published.id}").get_data(as_text=True)
