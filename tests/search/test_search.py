"""Search with the Whoosh backend: upkeep through the worker, query syntax, filters, facets, bad input, faults."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from flask import current_app

from app.moderation import services as moderation
from app.replies import services as replies
from app.search.services import drain_queue, rebuild
from app.stories import services as stories

WARD_TEXT = ("The night nurses on the ward were wonderful. My pain relief came on time and the doctor explained "
             "the operation carefully.")
PRACTICE_TEXT = ("Booking an appointment at the surgery took four phone calls. The receptionist was kind but the "
                 "parking was impossible.")


BACKENDS = ["whoosh"] + (["postgres"] if (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")
                        else [])


@pytest.fixture(params=BACKENDS)
def app_overrides(request):
    """Every behaviour test runs on Whoosh; on PostgreSQL (CI's second pass) on the postgres backend too."""
    return {"SEARCH_BACKEND": request.param}


whoosh_only = pytest.mark.parametrize("app_overrides", [{"SEARCH_BACKEND": "whoosh"}])


@pytest.fixture
def world(session, make_provider, make_user, make_story):
    trust = make_provider(code="T1", name="Northshire Trust", kind="trust")
    ward = make_provider(code="W1", name="Heron Ward", kind="department", parent=trust)
    practice = make_provider(code="G1", name="Meadow Surgery", kind="gp_practice")
    moderator = make_user(email="mod@example.org", moderator=True)
    staff = make_user(email="staff@example.org", provider=ward, display_name="Sam Staff")
    return {"trust": trust, "ward": ward, "practice": practice, "moderator": moderator, "staff": staff,
            "make_story": make_story}


def publish(session, world, provider, title, body, criticality=2, tags=()):
    story = world["make_story"](provider, status="pending", title=title, body=body)
    moderation.publish(session, world["moderator"], story, story.version,
                       moderation.Publication(criticality=criticality, tags=list(tags), title=title, body=body))
    session.commit()
    return story


def find(client, **params) -> str:
    response = client.get("/search", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def indexed(app, session, world):
    ward_story = publish(session, world, world["ward"], "Wonderful night nurses", WARD_TEXT, 1, ["good-kindness"])
    practice_story = publish(session, world, world["practice"], "Hard to get an appointment", PRACTICE_TEXT, 3,
                             ["improve-appointments"])
    drain_queue(session)  # Whoosh: no index yet, the worker builds one; PostgreSQL: vectors already written
    assert drain_queue(session) == 0
    return {"ward": ward_story, "practice": practice_story}


def test_words_find_stories_with_stemming_and_highlights(client, indexed):
    page = find(client, q="nurse")  # stemmed: "nurses" in the text
    assert "Wonderful night nurses" in page and "Hard to get an appointment" not in page
    assert '<mark class="match' in page and "1 story found" in page


def test_phrases_and_exclusions(client, indexed):
    assert "Wonderful night nurses" in find(client, q='"pain relief"')
    assert "Wonderful night nurses" not in find(client, q='"relief pain"')
    page = find(client, q="kind -parking")
    assert "Hard to get an appointment" not in page


def test_provider_filter_includes_everything_below_and_provider_names_are_searchable(client, indexed):
    assert "Wonderful night nurses" in find(client, q="night", provider="T1")
    assert "Wonderful night nurses" not in find(client, q="night", provider="G1")
    assert "Wonderful night nurses" in find(client, q="Northshire")  # an ancestor's name finds the story


def test_tag_status_criticality_and_date_filters(client, indexed):
    assert "Hard to get an appointment" in find(client, tag="improve-appointments")
    assert "Wonderful night nurses" not in find(client, tag="improve-appointments")
    assert "Hard to get an appointment" in find(client, criticality="3")
    assert "Wonderful night nurses" not in find(client, criticality="3")
    assert "2 stories found" in find(client, status="awaiting_response")
    assert "0 stories found" in find(client, q="nurses", to="2000-01-01")


def test_facets_count_providers_and_tags(client, indexed):
    page = find(client, status="awaiting_response")  # every story: filters alone search everything
    assert "Heron Ward</a> (1)" in page and "Meadow Surgery</a> (1)" in page
    assert "Kindness and compassion</a> (1)" in page


def test_welsh_facets_name_the_tags_in_welsh_as_the_story_pages_do(client, indexed):
    page = find(client, q="nurse", lang="cy")
    assert "Da: Caredigrwydd a thosturi</a> (1)" in page
    assert "Kindness and compassion" not in page
    english = find(client, q="nurse", lang="en")
    assert "Good: Kindness and compassion</a> (1)" in english


def test_welsh_filter_links_of_an_empty_search_speak_welsh(client, indexed):
    page = find(client, q="zebra", tag="good-kindness", provider="W1", lang="cy")
    assert "tynnu'r hidlydd tag" in page.replace("&#39;", "'") and "tynnu'r hidlydd gwasanaeth" in page.replace(
        "&#39;", "'")
    assert "the tag" not in page and "the service" not in page
    assert "remove the tag filter" in find(client, q="zebra", tag="good-kindness", lang="en")


def test_a_misspelling_suggests_the_right_word(client, indexed):
    page = find(client, q="nurzes")
    assert "Did you mean" in page and ">nurses</a>" in page


@pytest.mark.parametrize("query,note", [
    ('"pain relief', "quotation mark was not closed"),
    ("-", "on its own means nothing"),
    ("x" * 10_000, "only its first 300 characters"),
    ("nurses\x00\x07 AND OR NOT ( ) [ ] : ^ ~ *", ""),
    ("-parking", "at least one word to look for"),
])
def test_bad_queries_answer_200_and_say_what_happened(client, indexed, query, note):
    page = find(client, q=query)
    assert note in page


def test_publish_withdraw_hide_and_reply_keep_the_index_up_to_date(client, session, world, indexed):
    ward_story, practice_story = indexed["ward"], indexed["practice"]
    current_app.config["RESPONDER_MODERATED_REPLIES"] = 0  # a trusted responder: the reply is public at once
    replies.add_reply(session, world["staff"], ward_story, "We have shared this with the heronry team.")
    session.commit()
    drain_queue(session)
    assert "Wonderful night nurses" in find(client, q="heronry")  # a reply's words find the story
    stories.withdraw(session, ward_story.author, ward_story)
    session.commit()
    moderation.hide(session, world["moderator"], practice_story, practice_story.version, "Legal advice")
    session.commit()
    drain_queue(session)
    assert "Wonderful night nurses" not in find(client, q="nurses")
    assert "Hard to get an appointment" not in find(client, q="appointment")
    assert "0 stories found" in find(client, status="responded")
    moderation.restore(session, world["moderator"], practice_story, practice_story.version, "Cleared")
    session.commit()
    drain_queue(session)
    assert "Hard to get an appointment" in find(client, q="appointment")


@whoosh_only
def test_a_deleted_index_leaves_the_site_up_and_the_worker_rebuilds_it(app, client, session, indexed, deliver):
    shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]).resolve())
    page = find(client, q="nurses")
    assert "Search is being rebuilt" in page
    assert client.get("/").status_code == 200 and client.get("/stories").status_code == 200
    deliver()
    assert "Wonderful night nurses" in find(client, q="nurses")


@whoosh_only
def test_a_corrupt_index_is_reported_not_a_500(app, client, indexed):
    folder = Path(app.config["SEARCH_INDEX_DIR"]).resolve()
    for path in folder.iterdir():
        path.write_bytes(b"garbage")
    assert "Search is being rebuilt" in find(client, q="nurses")


@whoosh_only
def test_rebuild_command_swaps_in_a_new_index_atomically(app, session, client, world, indexed):
    link = Path(app.config["SEARCH_INDEX_DIR"])
    before = link.resolve()
    result = app.test_cli_runner().invoke(args=["search", "rebuild", "--procs", "2"])
    assert result.exit_code == 0, result.output
    assert "2 stories indexed" in result.output
    assert link.is_symlink() and link.resolve() != before and not before.exists()
    assert "Wonderful night nurses" in find(client, q="nurses")


def test_snippets_escape_what_the_story_says(client, session, world, indexed):
    publish(session, world, world["ward"], "Comparison story", "Waiting times went from 5 < 6 hours & back "
            "to > 7 hours, the comparison our staff described to us, which is what we expect here.")
    drain_queue(session)
    page = find(client, q="comparison")
    assert "5 &lt; 6 hours &amp; back" in page


@whoosh_only
def test_changes_made_during_a_rebuild_are_requeued(app, session, world, indexed, monkeypatch):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.extensions import db
    from app.search.models import SearchQueue
    from app.search.whoosh_backend import WhooshBackend
    from app.stories.models import Story

    original = WhooshBackend.rebuild

    def rebuild_while_someone_edits(self, docs, progress=lambda n: None, procs=2):
        count = original(self, docs, progress, procs)
        with Session(bind=db.engine) as other:  # a moderator's edit lands while the index is being built
            story = other.get(Story, indexed["practice"].id)
            story.title = "Edited during the rebuild"
            other.commit()
        return count

    monkeypatch.setattr(WhooshBackend, "rebuild", rebuild_while_someone_edits)
    rebuild(session, procs=1)
    assert session.scalars(select(SearchQueue.story_id)).all() == [indexed["practice"].id]


def test_postgres_rebuild_command_fills_every_vector(app, session, world, indexed):
    if app.config["SEARCH_BACKEND"] != "postgres":
        pytest.skip("the PostgreSQL backend needs the PostgreSQL pass")
    from sqlalchemy import update

    from app.stories.models import Story

    session.execute(update(Story).values(search_vector=None))
    session.commit()
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "2 stories indexed" in result.output

