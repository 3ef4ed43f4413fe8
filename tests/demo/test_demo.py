"""`demo load`: the directory, the people and N stories in every state, keeping the stories' invariants."""
from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import Membership, User
from app.directory.models import Provider
from app.stories.models import AWAITING_CONFIRMATION, HIDDEN, PUBLISHED, STATUSES, WITHDRAWN, Story
from tests.conftest import login


def test_demo_load_makes_a_directory_people_and_stories_in_every_state(app, session, client):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--stories", "400"])
    assert result.exit_code == 0, result.output
    assert "400 stories added" in result.output
    assert session.scalar(select(func.count(Provider.id))) >= 30
    assert session.scalar(select(func.count(Membership.id))) >= 3
    statuses = dict(session.execute(select(Story.status, func.count()).group_by(Story.status)).all())
    assert set(statuses) == set(STATUSES)
    assert sum(statuses.values()) == 400
    for story in session.scalars(select(Story)):
        assert 50 <= len(story.body) <= 10_000
        if story.status in (PUBLISHED, HIDDEN):
            assert story.published_at is not None and story.criticality is not None
        if story.status == AWAITING_CONFIRMATION:
            assert story.queued_at is None and story.published_at is None
        if story.status == WITHDRAWN:
            assert story.withdrawn_at is not None
    # Some published stories have replies, changes and answers, and their status says so.
    from app.replies.models import Change, Reply

    assert session.scalar(select(func.count(Reply.id)).where(Reply.kind == "staff")) > 0
    assert session.scalar(select(func.count(Reply.id)).where(Reply.kind == "author")) > 0
    assert session.scalar(select(func.count(Change.id))) > 0
    for story in session.scalars(select(Story).where(Story.first_reply_at.isnot(None))):
        assert story.status in (PUBLISHED, HIDDEN, WITHDRAWN) and story.response_status != "awaiting_response"
        assert story.first_reply_at > story.published_at
    # The demo people can log in with the documented password.
    login(client, "moderator@example.org", "storyloop demo password")
    assert client.get("/moderation/").status_code == 200


def test_demo_load_if_empty_leaves_a_database_with_data_alone(app, session, make_provider):
    make_provider(code="X1")
    result = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0 and "not loaded" in result.output
    assert session.scalar(select(func.count(Provider.id))) == 1
    assert session.scalar(select(func.count(User.id))) == 0
