"""Public means public now: search never shows a story that is not published at this moment, even while the
worker (which brings the Whoosh index up to date) is stopped, on both backends."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.moderation import services as moderation
from app.search.models import SearchQueue
from app.search.query import SearchRequest
from app.search.services import drain_queue, search
from app.stories import services as stories
from app.stories.models import Story
from tests.search.test_search import BACKENDS, PRACTICE_TEXT, WARD_TEXT, find, publish


@pytest.fixture(params=BACKENDS)
def app_overrides(request):
    return {"SEARCH_BACKEND": request.param}


@pytest.fixture
def world(session, make_provider, make_user, make_story):
    trust = make_provider(code="T1", name="Northshire Trust", kind="trust")
    ward = make_provider(code="W1", name="Heron Ward", kind="department", parent=trust)
    practice = make_provider(code="G1", name="Meadow Surgery", kind="gp_practice")
    moderator = make_user(email="mod@example.org", moderator=True)
    return {"trust": trust, "ward": ward, "practice": practice, "moderator": moderator, "make_story": make_story}


@pytest.fixture
def indexed(app, session, world):
    """Three published stories, indexed; from here on the worker is stopped (nothing drains the queue)."""
    kept = publish(session, world, world["ward"], "Wonderful night nurses", WARD_TEXT, 1, ["good-kindness"])
    withdrawn = publish(session, world, world["ward"], "Kind nurses but a long night",
                        WARD_TEXT + " The nurses were kind.", 2, ["good-kindness"])
    hidden = publish(session, world, world["practice"], "Nurses at the surgery", PRACTICE_TEXT + " Nurses too.", 3,
                     ["improve-appointments"])
    drain_queue(session)
    assert drain_queue(session) == 0
    assert session.scalar(select(func.count()).select_from(SearchQueue)) == 0
    return {"kept": kept, "withdrawn": withdrawn, "hidden": hidden}


def _take_down(session, world, indexed) -> None:
    withdrawn = session.get(Story, indexed["withdrawn"].id)
    stories.withdraw(session, withdrawn.author, withdrawn)
    hidden = session.get(Story, indexed["hidden"].id)
    moderation.hide(session, world["moderator"], hidden, hidden.version, "It names a receptionist.")
    session.commit()


def test_a_withdrawn_or_hidden_story_leaves_search_with_the_worker_stopped(client, session, world, indexed):
    page = find(client, q="nurses")
    assert "3 stories found" in page and "Kind nurses but a long night" in page and "Nurses at the surgery" in page
    _take_down(session, world, indexed)
    page = find(client, q="nurses")
    assert "Wonderful night nurses" in page
    assert "Kind nurses but a long night" not in page and "Nurses at the surgery" not in page
    assert "1 story found" in page
    # Nor are they counted in the facets.
    assert "Meadow Surgery" not in page
    assert "Heron Ward</a> (1)" in page and "(2)" not in page


def test_filters_and_newest_first_leave_them_out_too(client, session, world, indexed):
    _take_down(session, world, indexed)
    for params in ({"q": "nurses", "sort": "newest"}, {"provider": "W1"}, {"tag": "good-kindness"},
                   {"q": "nurses", "page": "1", "criticality": "2"}, {"provider": "G1"}):
        page = find(client, **params)
        assert "Kind nurses but a long night" not in page and "Nurses at the surgery" not in page, params


def test_the_service_returns_only_stories_published_now(app, session, world, indexed):
    _take_down(session, world, indexed)
    results = search(SearchRequest(text="nurses"))
    assert [hit.story_id for hit in results.hits] == [indexed["kept"].id]
    assert results.total == 1
    assert dict(results.facets["provider"]) == {"W1": 1}


def test_a_story_missing_from_the_queue_is_still_checked_against_the_database(app, session, world, indexed):
    """Whatever the reason the index is behind (a queue row lost, a story changed by hand), the page is checked."""
    _take_down(session, world, indexed)
    session.execute(SearchQueue.__table__.delete())
    session.commit()
    results = search(SearchRequest(text="nurses"))
    assert [hit.story_id for hit in results.hits] == [indexed["kept"].id]
    assert results.total == 1


def test_a_restored_story_comes_back(client, session, world, indexed):
    _take_down(session, world, indexed)
    hidden = session.get(Story, indexed["hidden"].id)
    moderation.restore(session, world["moderator"], hidden, hidden.version, "Reviewed: nobody is named.")
    session.commit()
    assert "Nurses at the surgery" in find(client, q="nurses")


@pytest.mark.parametrize("app_overrides", [{"SEARCH_BACKEND": "whoosh"}])
def test_a_corrected_story_shows_its_words_as_they_are_now(client, session, world, indexed):
    """A moderator takes a name out of a published story; until the worker reindexes it, the index still holds
    the old words, but the results show the title and text the story has now."""
    story = session.get(Story, indexed["kept"].id)
    story.title = "Wonderful night staff"
    story.body = WARD_TEXT.replace("The night nurses", "The night staff")
    session.commit()
    page = find(client, q="nurses")
    assert "Wonderful night staff" in page and "Wonderful night nurses" not in page
    assert drain_queue(session) == 1  # the worker catches up later
