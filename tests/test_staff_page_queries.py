"""The pages staff and moderators see load what they show in a fixed number of SQL queries, however many rows.

A moderation queue with every kind of row (waiting stories, some of them flagged for harm and claimed; replies,
answers and changes waiting; authors' disputes; "not about us" requests; reports on stories and on replies), a
staff dashboard (stories awaiting a reply, colleagues' replies) and a moderation item page: each is counted with
few rows and with many, each row on its own provider and story, so a row loaded on its own shows as more queries.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import utcnow
from app.moderation.models import Report, RerouteRequest
from app.replies.models import AWAITING_MODERATION, Change, Reply
from app.stories.models import PUBLISHED

from .conftest import login


@pytest.fixture
def app_overrides() -> dict:
    return {"PAGE_CACHE_MB": 0, "FRAGMENT_CACHE_MB": 0}  # the queries of rendering, not of kept parts


@pytest.fixture
def places(tree, make_provider):
    """Many providers below the trust, so that a provider loaded row by row shows as more queries."""
    return [tree["hospital"], tree["ward"]] + [
        make_provider(code=f"WQ{i}", name=f"Queue ward {i}", kind="department", parent=tree["hospital"])
        for i in range(2, 12)]


@pytest.fixture
def moderator(make_user):
    return make_user(email="mod@example.org", moderator=True, display_name="Mo Derator")


@pytest.fixture
def add_queue_rows(session, places, make_story, make_user, moderator):
    made = {"n": 0}

    def add(count: int) -> None:
        now = utcnow()
        for _ in range(count):
            made["n"] += 1
            n = made["n"]
            place = places[n % len(places)]
            flags = ["safeguarding"] if n % 3 == 0 else (["short"] if n % 3 == 1 else [])
            claimer = make_user(email=f"claimer{n}@example.org", moderator=True, display_name=f"Claimer {n}")
            make_story(place, title=f"Queued story {n}", flags=flags, claimed_by_id=claimer.id,
                       claimed_until=now + timedelta(hours=1))
            published = make_story(place, status=PUBLISHED, title=f"Published story {n}")
            reply = Reply(story_id=published.id, kind="staff", provider_id=place.id, responder_name=f"Staff {n}",
                          body=f"Waiting reply {n}", status=AWAITING_MODERATION, flags=flags)
            visible = Reply(story_id=published.id, kind="staff", provider_id=place.id, responder_name=f"Staff {n}",
                            body=f"Visible reply {n}", status="visible", published_at=now)
            session.add_all([reply, visible])
            session.add(Change(story_id=published.id, provider_id=place.id, reporter_name=f"Staff {n}",
                               kind="planned", description=f"Waiting change {n}", status=AWAITING_MODERATION))
            session.add(Change(story_id=published.id, provider_id=place.id, reporter_name=f"Staff {n}",
                               kind="made", description=f"Disputed change {n}", status="visible",
                               verdict="disputed", verdict_note=f"It did not happen {n}", verdict_at=now,
                               verdict_status=AWAITING_MODERATION))
            session.flush()
            session.add(Report(story_id=published.id, reason="offensive", note=f"Report on a story {n}",
                               reporter_key=f"k{n}"))
            session.add(Report(story_id=published.id, reply_id=visible.id, reason="offensive",
                               note=f"Report on a reply {n}", reporter_key=f"r{n}"))
            session.add(RerouteRequest(story_id=published.id, from_provider_id=place.id,
                                       to_provider_id=places[(n + 1) % len(places)].id,
                                       requested_by_id=claimer.id, note=f"Not us {n}"))
        session.commit()

    return add


def test_moderation_queue_queries_do_not_grow_with_its_rows(client, moderator, add_queue_rows, count_queries):
    login(client, moderator.email)
    client.get("/moderation/")  # the first request also loads what the app caches
    # Each count is of the first view after the queue changed: an unchanged queue reuses its counts (kept under
    # the moderation version, tests/moderation/test_kept_counts.py) and would count fewer statements.
    add_queue_rows(3)  # one of each: a flagged-for-harm story among them

    def count() -> int:
        with count_queries() as log:
            response = client.get("/moderation/")
        assert response.status_code == 200
        return log.count

    few = count()
    add_queue_rows(11)
    many = count()
    body = client.get("/moderation/").get_data(as_text=True)
    # The page really shows every kind of row, with what it takes from related rows.
    for text in ("Queued story 14", "Queued story 12", "Claimer 13", "Waiting reply 14", "Waiting change 14",
                 "It did not happen 14", "Not us 14", "Report on a reply 14", "Visible reply 14", "Queue ward"):
        assert text in body, text
    assert many == few


def test_queue_counts_match_what_each_filter_shows(client, session, moderator, places, make_story):
    """The counts beside each flag are counted by the database with the same test the filter uses."""
    make_story(places[0], flags=["safeguarding", "short"])
    make_story(places[1], flags=["short"])
    make_story(places[2], flags=[])
    make_story(places[3], flags=None)
    make_story(places[4], status="returned", flags=["short"])  # not waiting for moderation: not counted
    from app.moderation.services import queue_counts

    counts = queue_counts(session)
    assert counts["pending"] == 4 and counts["returned"] == 1 and counts["awaiting_confirmation"] == 0
    assert counts["flag:short"] == 2 and counts["flag:safeguarding"] == 1 and counts["reports"] == 0
    login(client, moderator.email)
    body = client.get("/moderation/?flag=short").get_data(as_text=True)
    assert body.count('href="/moderation/stories/') == 2


@pytest.fixture
def responder(make_user, tree):
    return make_user(email="resp@example.org", provider=tree["trust"], role="manager")


@pytest.fixture
def add_dashboard_rows(session, places, tree, make_story, make_user):
    made = {"n": 0}

    def add(count: int) -> None:
        now = utcnow()
        for _ in range(count):
            made["n"] += 1
            n = made["n"]
            place = places[n % len(places)]
            waiting = make_story(place, status=PUBLISHED, title=f"Awaiting story {n}", criticality=n % 5)
            waiting.response_status = "awaiting_response"
            replied = make_story(place, status=PUBLISHED, title=f"Replied story {n}")
            replied.response_status = "replied"
            colleague = make_user(email=f"colleague{n}@example.org", provider=place)
            session.add(Reply(story_id=replied.id, kind="staff", provider_id=place.id, author_id=colleague.id,
                              responder_name=f"Colleague {n}", body="Thank you.", status="visible",
                              published_at=now - timedelta(minutes=n)))
            # Elsewhere: never on this responder's dashboard.
            other = make_story(tree["other"], status=PUBLISHED, title=f"Elsewhere story {n}")
            other.response_status = "awaiting_response"
        session.commit()

    return add


def test_staff_dashboard_queries_do_not_grow_with_its_rows(client, responder, add_dashboard_rows, count_queries):
    login(client, responder.email)
    add_dashboard_rows(2)
    client.get("/dashboard")

    def count() -> int:
        client.get("/dashboard")  # the first view after a change reads the services' subtree again (kept per version)
        with count_queries() as log:
            response = client.get("/dashboard")
        assert response.status_code == 200
        return log.count

    few = count()
    add_dashboard_rows(25)
    many = count()
    body = client.get("/dashboard").get_data(as_text=True)
    assert body.count("Awaiting story") >= 25 and body.count("Replied story") == 20
    assert "Queue ward" in body  # each row's provider
    assert "Colleague 20" in body and "Colleague 21" not in body  # the 20 newest replies
    assert "Elsewhere story" not in body  # only the providers the responder covers
    assert many == few


def test_moderation_item_page_queries_do_not_grow_with_its_conversation(client, session, moderator, places,
                                                                        make_story, count_queries):
    login(client, moderator.email)
    story = make_story(places[0], status=PUBLISHED, title="A long conversation")

    def add(count: int) -> None:
        for i in range(count):
            place = places[i % len(places)]
            reply = Reply(story_id=story.id, kind="staff", provider_id=place.id, responder_name="Staff",
                          body=f"Reply {i}", status="visible", published_at=utcnow())
            session.add(reply)
            session.add(Change(story_id=story.id, provider_id=place.id, reporter_name="Staff", kind="planned",
                               description=f"Change {i}", status="visible"))
            session.flush()
            session.add(Report(story_id=story.id, reply_id=reply.id, reason="offensive", reporter_key=f"k{i}"))
        session.commit()

    add(1)
    url = f"/moderation/stories/{story.id}"
    client.get(url)

    def count() -> int:
        with count_queries() as log:
            response = client.get(url)
        assert response.status_code == 200
        return log.count

    few = count()
    add(12)
    many = count()
    assert many == few
