"""The SearchBackend protocol, spoken to directly: the same behaviour asked of both backends (PostgreSQL's on the
PostgreSQL pass only) — index, search, remove, rebuild, health — and odd input that must never break a search.

The app itself runs on Whoosh here, so nothing indexes the stories behind the test's back: the backend under
test (built by backend_for from its own settings) starts empty and holds only what the test gives it.
"""
from __future__ import annotations

import inspect
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.search.backend import SearchBackend, backend_for
from app.search.documents import documents
from app.search.postgres_backend import PostgresBackend
from app.search.query import SearchRequest, SearchResults, SearchUnavailable, parse
from app.search.whoosh_backend import WhooshBackend
from app.stories.models import HIDDEN, Story, Tag

ON_POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")
BACKENDS = ["whoosh"] + (["postgres"] if ON_POSTGRES else [])
START = datetime(2026, 1, 1, 9, tzinfo=UTC)

WARD_TEXT = ("The night nurses on the ward were wonderful. My pain relief came on time and the doctor explained "
             "the operation carefully.")
PRACTICE_TEXT = ("Booking an appointment at the surgery took four phone calls. The receptionist was kind but the "
                 "parking was impossible.")
DIGITS_TEXT = "Bay ٤٢ of the ward is numbered in Eastern Arabic digits. The nurses there were calm and quick."


@pytest.fixture
def app_overrides():
    return {"SEARCH_BACKEND": "whoosh"}


@pytest.fixture(params=BACKENDS)
def engine(request, app, session, tmp_path) -> SearchBackend:
    """The backend under test, empty: a fresh Whoosh folder, or stories without vectors."""
    engine = backend_for({"SEARCH_BACKEND": request.param, "SEARCH_INDEX_DIR": str(tmp_path / "protocol-index")},
                         session)
    assert engine.name == request.param
    assert engine.rebuild([]) == 0
    return engine


@pytest.fixture
def world(session, make_provider, make_story):
    trust = make_provider(code="T1", name="Northshire Trust", kind="trust")
    ward = make_provider(code="W1", name="Heron Ward", kind="department", parent=trust)
    practice = make_provider(code="G1", name="Meadow Surgery", kind="gp_practice")
    tags = {tag.slug: tag for tag in session.scalars(select(Tag))}

    def story(provider, title, body, day, criticality, tag_slugs):
        made = make_story(provider, status="published", title=title, body=body, criticality=criticality)
        made.published_at = START + timedelta(days=day)
        made.tags = [tags[slug] for slug in tag_slugs]
        session.commit()
        return made.id

    return {
        "trust": trust.id, "ward": ward.id, "practice": practice.id,
        "nurses": story(ward, "Wonderful night nurses", WARD_TEXT, 1, 1, ["good-kindness"]),
        "appointment": story(practice, "Hard to get an appointment", PRACTICE_TEXT, 2, 3, ["improve-appointments"]),
        "digits": story(ward, "Bay ٤٢", DIGITS_TEXT, 3, 2, []),
    }


def everything(session, engine) -> None:
    """Give the backend every published story, and commit (a transactional backend wrote in the session)."""
    engine.index(documents(session))
    session.commit()


def run(engine, text: str = "", **filters) -> SearchResults:
    return engine.search(parse(text), SearchRequest(text=text, **filters))


def found(engine, text: str = "", **filters) -> list[int]:
    return [hit.story_id for hit in run(engine, text, **filters).hits]


# ---------------------------------------------------------------- the shape of the protocol

@pytest.mark.parametrize("implementation", [WhooshBackend, PostgresBackend])
def test_both_backends_have_every_member_of_the_protocol_with_its_parameters(implementation):
    for name, member in vars(SearchBackend).items():
        if name.startswith("_") or not (callable(member) or isinstance(member, property)):
            continue
        assert hasattr(implementation, name), name
        if callable(member):
            wanted = list(inspect.signature(member).parameters)
            assert list(inspect.signature(getattr(implementation, name)).parameters) == wanted, name
    assert isinstance(implementation.name, str)


def test_configuration_picks_the_backend_in_one_place(app, session, tmp_path):
    whoosh = backend_for({"SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": str(tmp_path / "ix")})
    assert isinstance(whoosh, WhooshBackend) and whoosh.path == tmp_path / "ix" and not whoosh.transactional
    postgres = backend_for({"SEARCH_BACKEND": "postgres", "SEARCH_INDEX_DIR": "unused"}, session)
    assert isinstance(postgres, PostgresBackend) and postgres.session is session
    assert postgres.transactional == ON_POSTGRES  # vectors are written in the transaction on PostgreSQL only
    # A Flask app is read through its config; a name nobody knows keeps the default (`flask check` reports it).
    assert isinstance(backend_for(app), WhooshBackend)
    assert isinstance(backend_for({"SEARCH_BACKEND": "elastic", "SEARCH_INDEX_DIR": str(tmp_path)}), WhooshBackend)
    assert isinstance(backend_for(Flask(__name__).config | {"SEARCH_BACKEND": "postgres"}, session), PostgresBackend)


# ---------------------------------------------------------------- index, search, remove, rebuild, health

def test_an_empty_index_is_healthy_and_finds_nothing(engine, world):
    """(A search without words lists by filters; PostgreSQL reads those from the stories table itself.)"""
    health = engine.health()
    assert health.available and health.detail and health.documents in (None, 0)
    assert run(engine, "nurses").total == 0 and found(engine, "nurses") == found(engine, "appointment") == []


def test_indexed_stories_are_found_by_stem_phrase_field_and_filter(session, engine, world):
    everything(session, engine)
    assert engine.health().documents in (None, 3)
    results = run(engine, "nurse")  # stemmed: the stories say "nurses"
    assert sorted(hit.story_id for hit in results.hits) == sorted([world["nurses"], world["digits"]])
    assert results.total == 2 and not results.total_is_lower_bound
    assert all('<mark class="match">' in hit.snippet for hit in results.hits)
    assert found(engine, '"pain relief"') == [world["nurses"]] and found(engine, '"relief pain"') == []
    assert found(engine, "nurses -calm") == [world["nurses"]]
    assert sorted(found(engine, "Northshire")) == sorted([world["digits"], world["nurses"]])  # an ancestor's name
    assert found(engine, "compassion") == [world["nurses"]]  # a tag's name ("Kindness and compassion")
    assert sorted(found(engine, "nurses", provider_id=world["trust"])) == sorted([world["nurses"], world["digits"]])
    assert found(engine, "nurses", provider_id=world["practice"]) == []
    assert found(engine, tag="improve-appointments") == [world["appointment"]]
    assert found(engine, criticality=2) == [world["digits"]]
    assert found(engine, date_from=(START + timedelta(days=2)).date()) == [world["digits"], world["appointment"]]
    assert found(engine, "nurses", date_to=(START + timedelta(days=2)).date()) == [world["nurses"]]
    assert found(engine, sort="newest") == [world["digits"], world["appointment"], world["nurses"]]
    assert run(engine, "nurses").facets == {"provider": [("W1", 2)], "tags": [("good-kindness", 1)]}


def test_pages_split_the_same_ordered_results(session, engine, world):
    everything(session, engine)
    first = run(engine, sort="newest", per_page=2)
    second = run(engine, sort="newest", per_page=2, page=2)
    assert [h.story_id for h in first.hits + second.hits] == [world["digits"], world["appointment"], world["nurses"]]
    assert first.total == second.total == 3


def test_a_fruitless_misspelling_gets_a_suggestion(session, engine, world):
    everything(session, engine)
    results = run(engine, "nurzes")
    assert results.total == 0 and results.suggestion == "nurses"


def test_indexing_a_story_again_replaces_its_entry(session, engine, world):
    everything(session, engine)
    story = session.get(Story, world["nurses"])
    story.body = "The heronry outside the window was the best part of the stay."
    session.commit()
    engine.index(documents(session, [story.id]))
    session.commit()
    assert found(engine, "heronry") == [story.id]
    assert found(engine, "pain") == []  # the old words are gone, not kept beside the new ones
    assert run(engine, sort="newest").total == 3


def test_remove_takes_stories_out_and_ignores_what_it_does_not_hold(session, engine, world):
    everything(session, engine)
    engine.remove([])
    engine.remove([world["nurses"], 987_654])
    session.commit()
    assert found(engine, "nurses") == [world["digits"]]
    assert run(engine, "nurses").facets["tags"] == []
    engine.remove([world["nurses"]])  # twice: still nothing to complain about
    session.commit()
    assert found(engine, "nurses") == [world["digits"]] and found(engine, "appointment") == [world["appointment"]]


def test_withheld_stories_are_left_out_of_hits_counts_and_facets(session, engine, world):
    everything(session, engine)
    session.get(Story, world["nurses"]).status = HIDDEN  # changed by hand: the index still holds it
    session.commit()
    results = engine.search(parse("nurses"), SearchRequest(text="nurses"), withheld=[world["nurses"]])
    assert [hit.story_id for hit in results.hits] == [world["digits"]] and results.total == 1
    assert results.facets == {"provider": [("W1", 1)], "tags": []}


def test_rebuild_replaces_the_index_with_the_published_stories_and_counts_them(session, engine, world):
    everything(session, engine)
    session.get(Story, world["appointment"]).status = HIDDEN
    session.commit()
    steps = []
    assert engine.rebuild(documents(session), progress=steps.append, procs=1) == 2
    session.commit()
    assert steps == [1, 1]
    assert sorted(found(engine)) == sorted([world["nurses"], world["digits"]])
    assert found(engine, "appointment") == [] and engine.health().available
    assert engine.health().documents in (None, 2)


def test_an_unusable_index_says_so_in_health_and_search(session, engine, world):
    if engine.transactional or not isinstance(engine, WhooshBackend):
        pytest.skip("PostgreSQL's vectors live with the stories: there is no index to lose")
    everything(session, engine)
    target = Path(engine.path).resolve()
    for part in target.iterdir():
        part.write_bytes(b"garbage")
    health = engine.health()
    assert not health.available and str(engine.path) in health.detail
    with pytest.raises(SearchUnavailable):
        run(engine, "nurses")


# ---------------------------------------------------------------- odd input

TEN_THOUSAND = ("nurses " * 1500)[:10_000]
# (what was typed, what it finds); one test walks them all, since each would otherwise build a site of its own.
ODD_QUERIES = [
    ("", "everything"),
    ("   ", "everything"),
    ("?!… ... ,;", "everything"),  # only punctuation: nothing to look for, so it lists like no words at all
    ("-", "everything"),
    ('"', "everything"),
    ("nurses", "nurses"),
    ("NURSES", "nurses"),
    ("\u200bnur\u00adses\u2060\u202e", "nurses"),  # invisible characters are taken out before the search
    ("nurses\x00\x07", "nurses"),
    (TEN_THOUSAND, "nurses"),  # its first 300 characters, its first 20 words: all "nurses"
    ('"night nurses', "night nurses"),  # an unclosed quotation: the phrase runs to the end
    ("٤٢", "digits"),  # Eastern Arabic digits are a word like any other
    ("x" * 10_000, "nothing"),
    ("\ufeffnurses\ufeff", "nurses"),  # byte order marks: taken out like the other invisible characters
    # Searches for something no story holds: digits of other scripts, stop words only, one enormous word,
    # and a word repeated with byte order marks between (taken out, they leave one long word).
    ("١٢٣٤٥", "nothing"),
    ("²³", "nothing"),
    ("１２３", "nothing"),
    ("𝟙𝟚𝟛", "nothing"),
    ("the of and", "nothing"),
    ("a" * 300, "nothing"),
    ("nurses\ufeff" * 50, "nothing"),
]


def test_odd_queries_never_fail_and_find_what_they_say(session, engine, world):
    everything(session, engine)
    want = {"everything": [world["digits"], world["appointment"], world["nurses"]], "nothing": [],
            "nurses": [world["digits"], world["nurses"]], "night nurses": [world["nurses"]],
            "digits": [world["digits"]]}
    wrong = []
    for text, expected in ODD_QUERIES:
        results = run(engine, text, sort="newest")
        got = [hit.story_id for hit in results.hits]
        if got != want[expected] or results.total != len(got) or results.total_is_lower_bound:
            wrong.append((text[:40], expected, got, results.total))
    assert wrong == []


def test_a_search_of_exclusions_only_leaves_out_no_story_it_should_show(session, engine, world):
    """Nothing to look for: the reader is told so. The backends then differ, as they did before the protocol:
    Whoosh lists the stories without the word, PostgreSQL every story. Both show the stories without it."""
    everything(session, engine)
    assert any("at least one word" in note for note in parse("-nurses").notes)
    assert world["appointment"] in found(engine, "-nurses")
