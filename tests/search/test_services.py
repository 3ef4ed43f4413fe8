"""The search service over the protocol: wiring (app.search.init_app), health, a site with nothing published yet, and
the queue and rebuild on a backend that writes in the transaction (PostgreSQL pass only)."""
from __future__ import annotations

import os

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import jobs
from app.extensions import db
from app.search import init_app, services
from app.search.cli import search_cli
from app.search.documents import documents
from app.search.models import SearchQueue
from app.search.postgres_backend import PostgresBackend
from app.search.query import SearchRequest
from app.stories.models import Story

ON_POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")


def postgres_only(test):
    """On the PostgreSQL pass, with the postgres backend configured."""
    test = pytest.mark.parametrize("app_overrides", [{"SEARCH_BACKEND": "postgres"}])(test)
    return pytest.mark.skipif(not ON_POSTGRES, reason="the PostgreSQL backend needs the PostgreSQL pass")(test)


def test_init_app_registers_the_page_the_commands_and_the_queue_job():
    app = Flask(__name__)
    init_app(app)
    assert "search.index" in app.view_functions and app.url_map.bind("localhost").match("/search")
    assert app.cli.commands["search"] is search_cli and "rebuild" in search_cli.commands
    [job] = jobs.registered(app)
    assert (job.name, job.func, job.every) == ("search-queue", services.drain_queue, 0)


def test_health_of_a_site_whose_worker_has_not_run_yet(app):
    health = services.health()
    assert not health.available and app.config["SEARCH_INDEX_DIR"] in health.detail
    assert not services.backend().available()  # what the admin site page asks


def test_a_site_with_nothing_published_searches_once_the_worker_built_its_empty_index(client, session, deliver):
    deliver()
    assert services.health().available and services.health().documents == 0
    response = client.get("/search", query_string={"q": "nurses", "provider": "", "sort": "newest"})
    assert response.status_code == 200 and "0 stories found" in response.get_data(as_text=True)
    assert services.search(SearchRequest(text="")).total == 0


@pytest.fixture
def story(session, make_provider, make_story):
    ward = make_provider(code="W1", name="Heron Ward", kind="department")
    made = make_story(ward, status="published", title="A visit", body="A kingfisher by the ward window.")
    assert session.scalars(select(SearchQueue.story_id)).all() == []  # indexed as it committed
    return made


def words(text: str) -> list[int]:
    return [hit.story_id for hit in services.search(SearchRequest(text=text)).hits]


@postgres_only
def test_a_row_queued_outside_a_transaction_that_indexes_is_drained_by_the_worker(session, story):
    # As a script without the app would leave it: the text changed, the story queued, no vector written.
    session.execute(update(Story).where(Story.id == story.id).values(body="An egret on the car park roof."))
    session.add(SearchQueue(story_id=story.id))
    session.commit()
    assert words("egret") == [] and words("kingfisher") == [story.id]
    assert services.drain_queue(session) == 1
    assert words("egret") == [story.id] and words("kingfisher") == []
    assert session.scalars(select(SearchQueue.story_id)).all() == []


@postgres_only
def test_a_change_racing_a_postgres_rebuild_is_written_again_at_its_end(session, story, monkeypatch):
    original = PostgresBackend.rebuild

    def rebuild_with_a_race(self, docs, progress=lambda n: None, procs=2):
        docs = list(docs)  # read before the edit below…
        with Session(bind=db.engine) as other:  # …a moderator's edit lands, its vector written as it commits…
            other.get(Story, story.id).body = "An egret on the car park roof."
            other.commit()
        return original(self, docs, progress, procs)  # …and the rebuild writes the vector it read before

    monkeypatch.setattr(PostgresBackend, "rebuild", rebuild_with_a_race)
    assert services.rebuild(session) == 1
    assert words("egret") == [story.id] and words("kingfisher") == []
    assert [d.body for d in documents(session, [story.id])] == ["An egret on the car park roof."]


def test_a_rebuild_reads_every_published_story_newest_first_in_batches(session, make_provider, make_story):
    """The newest stories are the index's first documents, which a search among the newest reaches at once."""
    ward = make_provider(code="W1", name="Heron Ward", kind="department")
    made = [make_story(ward, status="published", body=f"Story {n}.") for n in range(7)]
    make_story(ward, status="pending", body="Waiting.")
    imported = make_story(ward, status="published", body="Imported, with no publication time.")
    imported.published_at = None
    made.append(imported)
    session.commit()
    read = [d.id for d in documents(session, batch=3)]
    assert read == sorted((s.id for s in made), reverse=True)
