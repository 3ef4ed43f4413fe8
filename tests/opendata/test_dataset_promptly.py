"""A withdrawn or hidden story (a hidden reply, a corrected text, an edited provider) leaves the downloadable
dataset at the worker's next pass, not at the next hourly look; new content waits for the hour; a view changes
nothing."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import utcnow
from app.jobs import JobRun
from app.moderation import conversation
from app.moderation import services as moderation
from app.opendata.bundle import JOB, last_export, zip_path
from app.replies.models import Reply
from app.stories import readcounts
from app.stories import services as stories
from app.stories.models import Story
from tests.conftest import PASSWORD, login


def _table(name: str) -> list[dict]:
    with zipfile.ZipFile(zip_path()) as archive:
        text = archive.read(name).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _titles() -> set[str]:
    return {row["title"] for row in _table("stories.csv")}


@pytest.fixture
def built(app, session, record, deliver):
    assert app.config["DATASET_MIN_INTERVAL_SECONDS"] == 3600
    deliver()  # the first export
    assert _titles() == {"Published story", "Another published story"}
    deliver()
    return last_export()["generated_at"]


@pytest.fixture
def moderator(make_user):
    return make_user(email="mod@example.org", moderator=True)


def _requested(session) -> bool:
    session.expire_all()
    run = session.get(JobRun, JOB)
    return run is not None and run.requested_at is not None and run.requested_at >= run.last_started_at


def test_a_withdrawn_story_leaves_the_dataset_at_the_next_pass(app, session, record, built, deliver):
    story = session.get(Story, record["other"].id)
    stories.withdraw(session, story.author, story)
    session.commit()
    assert _requested(session)
    deliver()
    assert _titles() == {"Published story"}
    assert last_export()["generated_at"] > built
    assert not _requested(session)


def test_a_hidden_story_leaves_the_dataset_at_the_next_pass(app, session, record, built, deliver, moderator):
    story = session.get(Story, record["published"].id)
    moderation.hide(session, moderator, story, story.version, "It names a nurse.")
    session.commit()
    deliver()
    assert _titles() == {"Another published story"}
    assert record["published"].id not in {int(r["story_id"]) for r in _table("responses.csv")}


def test_a_hidden_reply_leaves_the_dataset_at_the_next_pass(app, session, record, built, deliver, moderator):
    reply = session.scalar(select(Reply).where(Reply.body == "Visible reply text"))
    conversation.hide(session, moderator, reply, "It names a patient.")
    session.commit()
    deliver()
    assert "Visible reply text" not in {row["body"] for row in _table("responses.csv")}


def test_a_corrected_text_and_an_edited_provider_are_taken_out_promptly_too(app, session, record, built, deliver):
    story = session.get(Story, record["published"].id)
    story.body = "The published words of a story about the ward, with the name taken out."
    session.commit()
    deliver()
    assert story.body in {row["body"] for row in _table("stories.csv")}
    ward = record["ward"]
    ward.name = "Ward One (renamed)"
    session.commit()
    deliver()
    assert {row["code"]: row["name"] for row in _table("providers.csv")}["W1"] == "Ward One (renamed)"


def test_through_the_site_withdrawal_leaves_the_download_served_at_data(app, session, record, built, deliver,
                                                                       client):
    story = session.get(Story, record["other"].id)
    login(client, story.author.email, PASSWORD)
    assert client.post(f"/my/stories/{story.id}/withdraw").status_code == 302
    session.expire_all()
    assert session.get(Story, story.id).status == "withdrawn"
    deliver()
    download = client.get("/data/storyloop-dataset.zip")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert "Another published story" not in archive.read("stories.csv").decode()


def test_new_content_waits_for_the_hourly_look(app, session, record, built, deliver, make_story):
    make_story(record["ward"], status="published", title="A story published after the export")
    assert not _requested(session)
    deliver()
    assert "A story published after the export" not in _titles()  # an addition is not urgent
    session.execute(JobRun.__table__.update().where(JobRun.name == JOB)
                    .values(next_run_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    deliver()  # the hour is up
    assert "A story published after the export" in _titles()


def test_a_withdrawal_rolled_back_asks_for_nothing(session, record, built):
    story = session.get(Story, record["other"].id)
    stories.withdraw(session, story.author, story)
    session.flush()
    session.rollback()
    session.commit()
    assert not _requested(session)


def test_viewing_stories_never_makes_the_dataset_stale(app, session, record, built, deliver, client):
    for _ in range(3):
        assert client.get(f"/stories/{record['published'].id}").status_code == 200
    session.execute(JobRun.__table__.update().where(JobRun.name == JOB)
                    .values(next_run_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    readcounts.flush(app)  # the views' counts written, as a web process does every few seconds
    deliver()  # the hourly look finds nothing changed
    assert last_export()["generated_at"] == built
    assert session.get(Story, record["published"].id).read_count == 3
