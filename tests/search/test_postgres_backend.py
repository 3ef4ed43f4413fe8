"""The PostgreSQL backend's plan for very common words: rank among the newest matches, told to the reader."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from app.moderation import services as moderation
from app.search import postgres_backend
from app.search.query import SearchRequest, parse

pytestmark = pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
                                reason="the PostgreSQL backend needs the PostgreSQL pass")


@pytest.fixture
def app_overrides():
    return {"SEARCH_BACKEND": "postgres"}


@pytest.fixture
def stories(session, make_provider, make_user, make_story):
    trust = make_provider(code="T1", name="Marsh Trust", kind="trust")
    heron = make_provider(code="W1", name="Heron Ward", kind="department", parent=trust)
    other = make_provider(code="W2", name="Egret Ward", kind="department")
    moderator = make_user(email="mod@example.org", moderator=True)
    published = []
    for n in range(12):
        ward = heron if n % 3 else other
        body = f"The staff were kind on visit {n}, and the ward was quiet all night long."
        if n < 3:
            body += " The kingfisher mural was lovely."
        story = make_story(ward, status="pending", title=f"Visit {n}", body=body)
        moderation.publish(session, moderator, story, story.version,
                           moderation.Publication(criticality=1, tags=[], title=story.title, body=body))
        session.commit()
        published.append(story)
    session.execute(text("ANALYZE stories"))
    session.commit()
    postgres_backend._stats_cache.clear()
    yield published
    postgres_backend._stats_cache.clear()


def run(session, words, **kwargs):
    return postgres_backend.PostgresBackend(session).search(parse(words), SearchRequest(text=words, **kwargs))


def test_statistics_tell_common_words_from_rare_ones(session, stories):
    backend = postgres_backend.PostgresBackend(session)
    rows, staff = backend._expected_share(parse("staff"))
    assert staff > backend._expected_share(parse("kingfisher"))[1]
    assert rows * staff == pytest.approx(12, rel=0.2)


def test_a_very_common_word_is_ranked_among_the_newest_matches(session, stories, monkeypatch):
    monkeypatch.setattr(postgres_backend, "WINDOW_FROM", 5)
    monkeypatch.setattr(postgres_backend, "WINDOW_SAMPLE", 4)
    results = run(session, "staff", sort="newest", per_page=3)
    assert [hit.story_id for hit in results.hits] == [s.id for s in stories[::-1][:3]]
    assert results.total == 4 and results.total_is_lower_bound
    assert any("most recent" in note for note in results.notes)
    assert sum(n for _, n in results.facets["provider"]) == 4
    rare = run(session, "kingfisher")  # a rare word: every match, exactly counted
    assert rare.total == 3 and not rare.total_is_lower_bound and not rare.notes


@pytest.mark.parametrize("scope_first", [0, 3000])
def test_a_providers_search_finds_the_same_stories_by_either_plan(session, stories, monkeypatch, scope_first):
    """A small subtree is read first and searched after; a large one asks the word index: same answers."""
    monkeypatch.setattr(postgres_backend, "SCOPE_FIRST", scope_first)
    trust_id = stories[1].provider.parent_id
    below = [s for s in stories if s.provider.parent_id == trust_id]
    for sort in ("relevance", "newest"):
        results = run(session, "staff", provider_id=trust_id, sort=sort, per_page=5)
        assert results.total == len(below) == 8 and not results.total_is_lower_bound
        assert {h.story_id for h in results.hits} <= {s.id for s in below} and len(results.hits) == 5
        assert results.facets["provider"] == [("W1", 8)]
    newest = run(session, "staff", provider_id=trust_id, sort="newest", per_page=5, page=2)
    assert [h.story_id for h in newest.hits] == [s.id for s in below[::-1][5:]]
    rare = run(session, "kingfisher", provider_id=trust_id)  # visits 0-2: only 1 and 2 are below the trust
    assert sorted(h.story_id for h in rare.hits) == sorted(s.id for s in stories[1:3])
    assert "<mark" in rare.hits[0].snippet


def test_a_phrase_of_common_words_is_expected_as_common_as_its_words(session, stories):
    """A phrase was counted as matching nothing, so "ward staff" over 700,000 stories ranked every story holding
    both words (seconds): it is now expected as often as its words are found together, and takes the window."""
    backend = postgres_backend.PostgresBackend(session)
    rows, share = backend._expected_share(parse('"staff kind"'))
    assert rows * share == pytest.approx(12, rel=0.2)
    assert backend._expected_share(parse('"kingfisher mural"'))[1] < share
    # Alternatives from the care-words list add up; groups multiply.
    _, together = backend._expected_share(parse('staff "kingfisher mural"'))
    assert together <= backend._expected_share(parse('"kingfisher mural"'))[1]
    # Stop words only: PostgreSQL's query is empty and matches nothing, so nothing is walked looking for it.
    assert backend._expected_share(parse('"was the"'))[1] == 0.0
    assert backend._expected_share(parse('"the staff"'))[1] == pytest.approx(backend._expected_share(parse("staff"))[1])
    assert run(session, '"was the"').hits == []


def test_the_newest_first_walk_stops_after_its_limit(session, stories, monkeypatch):
    """A phrase whose words are common walks at most WALK_LIMIT stories, newest first, and says its count is a
    lower bound: a phrase nobody wrote in that order no longer walks every story looking for one."""
    monkeypatch.setattr(postgres_backend, "WINDOW_FROM", 5)
    monkeypatch.setattr(postgres_backend, "WALK_LIMIT", 6)
    nobody = run(session, '"night staff"')  # both words in every story, never in this order
    assert nobody.hits == [] and nobody.total_is_lower_bound
    assert any("most recent" in note for note in nobody.notes)
    everyone = run(session, '"ward was quiet"', sort="newest", per_page=20)  # in every story: the newest six
    assert [h.story_id for h in everyone.hits] == [s.id for s in stories[::-1][:6]]
    assert everyone.total == 6 and everyone.total_is_lower_bound
    monkeypatch.setattr(postgres_backend, "WALK_LIMIT", 20_000)
    assert not run(session, '"night staff"').total_is_lower_bound
    assert run(session, '"ward was quiet"', per_page=20).total == 12
