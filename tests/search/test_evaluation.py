"""The labelled evaluation sets (tests/search/eval_*.tsv, written from the demo directory and stories) keep
recall at 5 at or above 0.9: the service finder on this test run's database, story search on each backend it
can run (Whoosh always; PostgreSQL's vectors on the PostgreSQL pass). bench/evaluate.py prints the figures."""
from __future__ import annotations

import pytest

from app.demo.cli import load_demo
from app.demo.stories import load_stories
from app.extensions import db
from app.search import services
from tests.search.evaluation import evaluate_finder, evaluate_search, service_queries, story_queries

BAR = 0.9


def test_the_sets_are_big_enough():
    assert len(service_queries()) >= 40
    assert len(story_queries()) >= 30


def test_the_service_finder_keeps_its_recall(app):
    load_demo()
    measured = evaluate_finder(db.session)
    assert measured.recall_at_5 >= BAR, measured.misses
    assert measured.mrr >= 0.8, measured.misses


@pytest.mark.parametrize("backend", ["whoosh", "postgres"])
def test_story_search_keeps_its_recall(app, backend):
    if backend == "postgres" and db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL backend needs the PostgreSQL pass")
    app.config["SEARCH_BACKEND"] = backend
    load_demo()
    load_stories(db.session, 200)
    services.rebuild(db.session, procs=1)
    measured, empty = evaluate_search(db.session)
    assert not empty, f"queries with no relevant story: {empty}"
    assert measured.recall_at_5 >= BAR, measured.misses
