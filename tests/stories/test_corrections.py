"""After publication the author still decides: a correction request goes to the queue with their words, and the
moderator's edit is a revision with its reason."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.moderation.models import Report, StoryRevision
from app.stories.models import PUBLISHED, Story
from tests.conftest import PASSWORD, login, text_of

WORDS = "Please take out the name of the ward sister in the second paragraph."


def test_an_author_asks_for_a_correction_and_a_moderator_makes_it(app, session, tree, make_user, make_story,
                                                                  smtp_server, deliver):
    author = make_user(email="author@example.org")
    make_user(email="mod@example.org", moderator=True)
    story = make_story(tree["ward"], author=author, status=PUBLISHED, title="Names the sister",
                       body="The ward sister, Mary Smith, was kind. The food was cold and the nights were loud.")
    client = app.test_client()
    login(client, "author@example.org", PASSWORD)
    mine = client.get("/my/stories").get_data(as_text=True)
    assert f"/my/stories/{story.id}/correction" in mine
    response = client.post(f"/my/stories/{story.id}/correction", data={"kind": "author_details", "words": WORDS})
    assert response.status_code == 302
    request = session.scalar(select(Report).where(Report.story_id == story.id))
    assert request.reason == "author_details" and request.note == WORDS and request.resolved_at is None

    moderator = app.test_client()
    login(moderator, "mod@example.org", PASSWORD)
    queue = moderator.get("/moderation/").get_data(as_text=True)
    assert WORDS in queue and "The author asks for identifying details to be removed" in queue
    assert f"/moderation/stories/{story.id}#correct" in queue
    page = moderator.get(f"/moderation/stories/{story.id}").get_data(as_text=True)
    assert WORDS in page and 'id="correct"' in page
    version = re.search(r'name="correct-version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="correct-version"', page)
    new_body = "The ward sister was kind. The food was cold and the nights were loud."
    no_reason = moderator.post(f"/moderation/stories/{story.id}/correct", data={
        "correct-title": story.title, "correct-body": new_body, "correct-reason": "",
        "correct-version": version.group(1) or version.group(2), "correct-csrf_token": moderator.csrf_token()},
        csrf=False)
    assert no_reason.status_code == 400 and "Say why you changed the text" in no_reason.get_data(as_text=True)
    response = moderator.post(f"/moderation/stories/{story.id}/correct", data={
        "correct-title": story.title, "correct-body": new_body,
        "correct-reason": "Removed a staff member's name, as the author asked.",
        "correct-version": version.group(1) or version.group(2), "correct-csrf_token": moderator.csrf_token()},
        csrf=False)
    assert response.status_code == 302
    session.expire_all()
    story = session.get(Story, story.id)
    assert story.body == new_body and story.status == PUBLISHED
    revision = session.scalar(select(StoryRevision).where(StoryRevision.story_id == story.id))
    assert revision.reason == "Removed a staff member's name, as the author asked."
    assert "Mary Smith" in revision.body_before and "Mary Smith" not in revision.body_after
    assert session.get(Report, request.id).resolution == "corrected"
    assert "Mary Smith" not in client.get(f"/stories/{story.id}").get_data(as_text=True)
    deliver()
    assert "Removed a staff member's name" in text_of(smtp_server.last_to("author@example.org"))


def test_only_the_author_of_a_published_story_can_ask(app, session, tree, make_user, make_story):
    author = make_user(email="author@example.org")
    make_user(email="other@example.org")
    published = make_story(tree["ward"], author=author, status=PUBLISHED)
    pending = make_story(tree["ward"], author=author, status="pending")
    other = app.test_client()
    login(other, "other@example.org", PASSWORD)
    assert other.post(f"/my/stories/{published.id}/correction",
                      data={"kind": "author_correction", "words": WORDS}).status_code == 404
    client = app.test_client()
    login(client, "author@example.org", PASSWORD)
    assert client.get(f"/my/stories/{pending.id}/correction").status_code == 302  # edit it instead
    response = client.post(f"/my/stories/{published.id}/correction", data={"kind": "author_correction",
                                                                            "words": "short"})
    assert response.status_code == 200 and "in a few words" in response.get_data(as_text=True)
    assert session.scalar(select(Report)) is None
