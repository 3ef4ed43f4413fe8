"""Search results kept per (query, filters, page, language, index generation, content version): a repeated search
does not ask the index again, and a kept result never outlives a hide or a withdrawal (app/search/cache.py)."""
from __future__ import annotations

import pytest

from app.moderation import services as moderation
from app.search import cache
from app.search.postgres_backend import PostgresBackend
from app.search.services import drain_queue
from app.search.whoosh_backend import WhooshBackend
from app.stories import services as stories
from app.stories.models import Story
from tests.search.test_public_now import world  # noqa: F401  (the fixture)
from tests.search.test_search import BACKENDS, PRACTICE_TEXT, WARD_TEXT, find, publish


@pytest.fixture(params=BACKENDS)
def app_overrides(request):
    marker = request.node.get_closest_marker("settings")
    return {"SEARCH_BACKEND": request.param, **(marker.kwargs if marker else {})}


@pytest.fixture
def asked(monkeypatch):
    """How many times the index itself was searched."""
    calls = []
    for backend in (WhooshBackend, PostgresBackend):
        real = backend.search

        def counting(self, parsed, request, withheld=(), real=real):
            calls.append(request.text)
            return real(self, parsed, request, withheld=withheld)

        monkeypatch.setattr(backend, "search", counting)
    return calls


@pytest.fixture
def indexed(app, session, world):  # noqa: F811
    ward = publish(session, world, world["ward"], "Wonderful night nurses", WARD_TEXT, 1, ["good-kindness"])
    other = publish(session, world, world["ward"], "Kind nurses but a long night", WARD_TEXT + " Nurses.", 2)
    practice = publish(session, world, world["practice"], "Nurses at the surgery", PRACTICE_TEXT + " Nurses.", 3)
    drain_queue(session)
    assert drain_queue(session) == 0
    return {"ward": ward, "other": other, "practice": practice}


# The index's answers alone, kept for signed-in people (never given kept pages) as for everyone.
@pytest.mark.settings(PAGE_CACHE_MB=0, FRAGMENT_CACHE_MB=0)
def test_a_repeated_search_is_answered_without_asking_the_index(client, indexed, asked):
    first = find(client, q="nurses")
    assert "3 stories found" in first and len(asked) == 1
    assert find(client, q="nurses") == first and len(asked) == 1
    # Another page, filter, order or language is another question.
    find(client, q="nurses", sort="newest")
    find(client, q="nurses", provider="W1")
    find(client, q="nurses", lang="cy")
    assert len(asked) == 4


def test_a_withdrawal_or_a_hide_is_seen_by_the_next_search(client, session, world, indexed, asked):  # noqa: F811
    assert "Kind nurses but a long night" in find(client, q="nurses")
    withdrawn = session.get(Story, indexed["other"].id)
    stories.withdraw(session, withdrawn.author, withdrawn)
    session.commit()
    page = find(client, q="nurses")  # the worker has not run: the index still holds it
    assert "Kind nurses but a long night" not in page and "2 stories found" in page and len(asked) == 2
    hidden = session.get(Story, indexed["practice"].id)
    moderation.hide(session, world["moderator"], hidden, hidden.version, "It names a receptionist.")
    session.commit()
    page = find(client, q="nurses")
    assert "Nurses at the surgery" not in page and "1 story found" in page and "Meadow Surgery" not in page
    drain_queue(session)  # the worker takes them out of the index
    assert "1 story found" in find(client, q="nurses")


def test_the_worker_writing_the_index_moves_the_generation(app, client, session, world, indexed, asked):  # noqa: F811
    find(client, q="nurses")
    before = cache.versions(session)
    story = session.get(Story, indexed["ward"].id)
    session.execute(Story.__table__.update().where(Story.id == story.id).values(title="Wonderful night nurses"))
    from app.extensions import utcnow
    from app.search.models import SearchQueue

    session.add(SearchQueue(story_id=story.id, queued_at=utcnow()))  # queued by a script, say
    session.commit()
    assert drain_queue(session) == 1
    after = cache.versions(session)
    assert after[1] == before[1] + 1
    find(client, q="nurses")
    assert len(asked) == 2  # asked again under the new generation


def test_a_visitors_search_page_is_kept_whole_until_the_content_or_the_index_moves(
        app, client, session, world, indexed, asked, count_queries):  # noqa: F811
    first = find(client, q="nurses")
    with count_queries() as log:
        assert find(client, q="nurses") == first
    assert log.count == 1 and "content_version" in log.statements[0]  # the kept page: only the versions are read
    # A story published is a new content version: the next visitor's page is made again. PostgreSQL's index is
    # written in the same commit; Whoosh's waits for the worker, and the story is left out until then.
    late = publish(session, world, world["ward"], "Nurses again, a week later", WARD_TEXT + " Nurses.", 1)
    shown_at_once = app.config["SEARCH_BACKEND"] == "postgres"
    assert ("Nurses again, a week later" in find(client, q="nurses")) is shown_at_once
    # The worker writes it into the index: the generation moves, and the kept page with it.
    drain_queue(session)
    assert f'/stories/{late.id}"' in find(client, q="nurses")
    # Hidden: gone from the next page at once, before the worker has taken it out of the index.
    moderation.hide(session, world["moderator"], session.get(Story, late.id), late.version, "It names a nurse.")
    session.commit()
    assert f'/stories/{late.id}"' not in find(client, q="nurses")


@pytest.mark.parametrize("kept", ["the page", "its content"])
def test_a_search_page_saying_the_index_is_being_rebuilt_is_not_kept(app, client, indexed, monkeypatch, kept):
    from app.search import services
    from app.search.query import SearchUnavailable

    def rebuilding(*args, **kwargs):
        raise SearchUnavailable("the index is being rebuilt")

    if kept == "its content":  # what signed-in people (never given kept pages) get: the page's content kept
        app.extensions.pop("page_cache")

    with monkeypatch.context() as patched:
        patched.setattr(services, "_ask_the_index", rebuilding)
        assert "Search is being rebuilt" in find(client, q="nurses")
    # The index is back, nothing else moved: the next visitor gets results, not the kept apology.
    page = find(client, q="nurses")
    assert "Search is being rebuilt" not in page and "3 stories found" in page


@pytest.mark.settings(PAGE_CACHE_MB=0, FRAGMENT_CACHE_MB=0)
def test_without_the_page_cache_each_search_page_is_made_again(client, indexed, count_queries):
    find(client, q="nurses")
    with count_queries() as log:
        find(client, q="nurses")
    assert log.count > 1


def test_a_rebuild_moves_the_generation(app, session, indexed):
    from app.search.services import rebuild

    before = cache.versions(session)[1]
    rebuild(session, procs=1)
    assert cache.versions(session)[1] == before + 1


@pytest.mark.settings(SEARCH_CACHE_ENTRIES=0, PAGE_CACHE_MB=0, FRAGMENT_CACHE_MB=0)
def test_nothing_is_kept_when_turned_off(app, client, indexed, asked):
    assert "search_results" not in app.extensions
    find(client, q="nurses")
    find(client, q="nurses")
    assert len(asked) == 2


def test_the_cache_holds_at_most_its_entries_and_gives_copies():
    from app.search.query import Hit, SearchResults

    kept = cache.ResultCache(2)
    for n in range(3):
        kept.put((n,), SearchResults(hits=[Hit(n, "t", "s")], total=1))
    assert kept.get((0,)) is None and kept.get((2,)).hits[0].story_id == 2
    got = kept.get((1,))
    got.hits.clear()
    assert kept.get((1,)).hits  # what a search did to its copy is not kept
    kept.put((9,), SearchResults(hits=[], total=0, unavailable=True))
    assert kept.get((9,)) is None
