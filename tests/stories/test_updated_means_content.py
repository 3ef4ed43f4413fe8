"""A story's updated_at moves when its content changes, and for nothing else: viewing it (as a visitor, from the
kept page, as a moderator), its read count and a moderator's claim leave it, the feeds, the API's updated_since,
the search queue and the content version alone; publication, edits, hiding, withdrawal and replies move them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import utcnow
from app.moderation import services as moderation
from app.replies import services as replies
from app.search.models import SearchQueue
from app.stories import readcounts
from app.stories import services as stories
from app.stories.models import PUBLISHED, Story, touch
from app.web.models import content_version
from tests.conftest import PASSWORD, login


@pytest.fixture
def story(tree, make_story, session, deliver):
    story = make_story(tree["ward"], status=PUBLISHED, title="The night staff were kind")
    # Published yesterday: the feeds give times to the second, so a change today shows in them.
    session.execute(update(Story).where(Story.id == story.id).values(updated_at=utcnow() - timedelta(days=1)))
    session.commit()
    deliver()  # indexed: the search queue is empty again
    assert session.scalar(select(func.count()).select_from(SearchQueue)) == 0
    return story


def _since(story: Story) -> str:
    return (story.updated_at + timedelta(microseconds=1)).isoformat()


def _updated_since(client, when: str) -> list[int]:
    response = client.get("/api/v1/stories", query_string={"updated_since": when})
    assert response.status_code == 200
    return [item["id"] for item in response.get_json()["data"]]


def _snapshot(app, client, session, story: Story) -> dict:
    session.expire_all()
    stored = session.get(Story, story.id)
    return {
        "updated_at": stored.updated_at,
        "version": stored.version,
        "queued": session.scalar(select(func.count()).select_from(SearchQueue)),
        "content_version": content_version(session),
        "feed": client.get("/feeds/stories.atom").get_data(),
        "provider_feed": client.get(f"/feeds/providers/{stored.provider.code}.atom").get_data(),
        "api": client.get(f"/api/v1/stories/{stored.id}").get_json(),
    }


def test_viewing_a_story_many_times_changes_nothing_a_reader_is_told(app, client, session, story, make_user):
    before = _snapshot(app, client, session, story)
    since = _since(story)
    cache = app.extensions["page_cache"]
    hits = cache.hits
    for _ in range(5):
        assert client.get(f"/stories/{story.id}").status_code == 200
    assert cache.hits >= hits + 4  # the kept page served most of them, and counted each read
    moderator = make_user(email="mod@example.org", moderator=True)
    staff = app.test_client()
    login(staff, moderator.email, PASSWORD)
    assert staff.get(f"/stories/{story.id}").status_code == 200
    readcounts.flush(app)  # counted in memory, written in a batch
    session.expire_all()
    assert session.get(Story, story.id).read_count == 6  # the views did count
    after = _snapshot(app, client, session, story)
    assert after == {**before, "api": {**before["api"]}}
    assert _updated_since(client, since) == []


def test_a_moderators_claim_is_not_a_change_of_content(client, session, tree, make_story, make_user):
    pending = make_story(tree["ward"])
    moderator = make_user(email="mod@example.org", moderator=True)
    session.execute(update(Story).where(Story.id == pending.id).values(updated_at=utcnow() - timedelta(days=1)))
    session.commit()
    session.expire_all()
    pending = session.get(Story, pending.id)
    before = pending.updated_at
    moderation.claim(session, moderator, pending)
    session.commit()
    session.expire_all()
    assert session.get(Story, pending.id).updated_at == before


def test_a_plain_update_of_the_read_count_moves_nothing(session, story):
    from app.stories.readcounts import write_counts

    before = session.get(Story, story.id).updated_at
    write_counts(session, {story.id: 1})
    session.expire_all()
    stored = session.get(Story, story.id)
    assert stored.read_count == 1 and stored.updated_at == before


def test_hiding_and_restoring_move_updated_at_the_feeds_and_updated_since(app, client, session, story, make_user):
    moderator = make_user(email="mod@example.org", moderator=True)
    before = _snapshot(app, client, session, story)
    since = _since(story)
    stored = session.get(Story, story.id)
    moderation.hide(session, moderator, stored, stored.version, "It names a nurse.")
    session.commit()
    after = _snapshot(app, client, session, story)
    assert after["updated_at"] > before["updated_at"]
    assert after["queued"] == 1 and after["content_version"] > before["content_version"]
    assert after["feed"] != before["feed"]
    assert _updated_since(client, since) == [story.id]  # a tombstone for sync clients
    since = _since(session.get(Story, story.id))
    stored = session.get(Story, story.id)
    moderation.restore(session, moderator, stored, stored.version, "The name was a mistake of ours.")
    session.commit()
    assert _updated_since(client, since) == [story.id]


def test_an_authors_withdrawal_moves_updated_at(client, session, story):
    since = _since(story)
    stored = session.get(Story, story.id)
    stories.withdraw(session, stored.author, stored)
    session.commit()
    assert _updated_since(client, since) == [story.id]


def test_a_reply_moves_its_story_and_shows_in_the_feed(app, client, session, story, make_user, tree):
    responder = make_user(email="ward@example.org", provider=tree["ward"])
    before = _snapshot(app, client, session, story)
    since = _since(story)
    # A new responder's first reply waits for a moderator: nothing a reader can see has changed yet.
    replies.add_reply(session, responder, session.get(Story, story.id), "Thank you for telling us about this.")
    session.commit()
    waiting = _snapshot(app, client, session, story)
    assert {k: waiting[k] for k in ("updated_at", "feed", "provider_feed", "api")} == \
        {k: before[k] for k in ("updated_at", "feed", "provider_feed", "api")}
    assert _updated_since(client, since) == []
    app.config["RESPONDER_MODERATED_REPLIES"] = 0  # now trusted: the next reply is public at once
    replies.add_reply(session, responder, session.get(Story, story.id), "We have spoken to the ward team.")
    session.commit()
    after = _snapshot(app, client, session, story)
    assert after["updated_at"] > before["updated_at"] and after["feed"] != before["feed"]
    assert _updated_since(client, since) == [story.id]


def test_publication_and_a_move_to_another_service_move_updated_at(session, tree, make_story, make_user):
    moderator = make_user(email="mod@example.org", moderator=True)
    pending = make_story(tree["ward"])
    old = utcnow() - timedelta(days=1)
    session.execute(update(Story).where(Story.id == pending.id).values(updated_at=old))
    session.commit()
    session.expire_all()
    pending = session.get(Story, pending.id)
    moderation.publish(session, moderator, pending, pending.version,
                       moderation.Publication(criticality=2, tags=[], title=pending.title, body=pending.body))
    session.commit()
    published_at = session.get(Story, pending.id).updated_at
    assert published_at > old
    pending.provider_id = tree["hospital"].id
    session.commit()
    assert session.get(Story, pending.id).updated_at > published_at


def test_bookkeeping_through_the_orm_moves_nothing_and_an_explicit_touch_wins(session, story):
    stored = session.get(Story, story.id)
    before = stored.updated_at
    stored.flags = ["phone"]
    stored.moderator_note = "Looked at it twice."
    stored.claimed_until = utcnow()
    session.commit()
    assert session.get(Story, story.id).updated_at == before
    assert session.scalar(select(func.count()).select_from(SearchQueue)) == 0
    at = utcnow() - timedelta(minutes=5)
    touch(stored, at)
    stored.title = "The night staff were very kind"
    session.commit()
    assert session.get(Story, story.id).updated_at == at  # the time given, not the flush's
