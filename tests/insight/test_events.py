"""The aggregates stay right through publish, reply, change, hiding a reply, hide, restore and withdraw."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import utcnow
from app.insight.aggregates import month_of, wait_seconds
from app.insight.models import ProviderMonth, ProviderMonthTag, ProviderMonthWait
from app.moderation.conversation import hide as hide_reply
from app.moderation.services import Publication, hide, publish, restore
from app.replies.changes import add_change
from app.replies.services import add_reply
from app.stories.services import withdraw
from tests.insight.conftest import assert_same_as_rebuild


@pytest.fixture
def app_overrides() -> dict:
    # Every responder is trusted here: these tests follow the figures, not the pre-moderation of new responders.
    return {"RESPONDER_MODERATED_REPLIES": 0}


def _month(session, provider):
    session.expire_all()
    return session.get(ProviderMonth, (provider.id, month_of(utcnow())))


def test_aggregates_follow_every_event(session, tree, make_story, make_user):
    ward = tree["ward"]
    moderator = make_user(email="mod@example.org", moderator=True)
    staff = make_user(email="staff@nhs.example", provider=ward)
    author = make_user(email="teller@example.org")
    story = make_story(ward, author=author, status="pending")
    assert _month(session, ward) is None  # not published: nothing counted

    publish(session, moderator, story, story.version,
            Publication(criticality=4, tags=["improve-waiting"], title=story.title, body=story.body))
    session.commit()
    row = _month(session, ward)
    assert (row.stories, row.replied, row.crit4) == (1, 0, 1)
    assert session.scalars(select(ProviderMonthTag.stories).where(ProviderMonthTag.provider_id == ward.id)).all() == [1]
    assert_same_as_rebuild(session)

    reply = add_reply(session, staff, story, "Thank you for telling us; we are looking into the wait.")
    session.commit()
    assert _month(session, ward).replied == 1
    # The wait in whole seconds between the two moments as published (to the second): 0 or 1 here, in real time.
    assert session.scalar(select(ProviderMonthWait.seconds).where(ProviderMonthWait.provider_id == ward.id)) \
        == wait_seconds(story.published_at, story.first_reply_at) <= 1
    assert_same_as_rebuild(session)

    add_change(session, staff, story, "planned", "We will add a second triage nurse at weekends.",
               due_on=utcnow().date() + timedelta(days=30), owner="Emergency department")
    session.commit()
    assert _month(session, ward).changes_planned == 1
    assert_same_as_rebuild(session)

    hide_reply(session, moderator, session.get(type(reply), reply.id), "Named a patient")
    session.commit()
    assert _month(session, ward).replied == 0
    assert_same_as_rebuild(session)

    story = session.get(type(story), story.id)
    hide(session, moderator, story, story.version, "Under investigation")
    session.commit()
    assert _month(session, ward) is None  # neither the story nor its change counts while hidden
    assert session.scalar(select(ProviderMonthTag.stories).where(ProviderMonthTag.provider_id == ward.id)) is None
    assert_same_as_rebuild(session)

    story = session.get(type(story), story.id)
    restore(session, moderator, story, story.version, "Checked")
    session.commit()
    row = _month(session, ward)
    assert (row.stories, row.changes_planned) == (1, 1)
    assert_same_as_rebuild(session)

    story = session.get(type(story), story.id)
    withdraw(session, session.get(type(author), author.id), story)
    session.commit()
    assert _month(session, ward) is None
    assert_same_as_rebuild(session)


def test_moving_a_story_moves_its_figures(session, tree, make_story):
    story = make_story(tree["ward"], status="published")
    assert _month(session, tree["ward"]).stories == 1
    story.provider_id = tree["other"].id
    session.commit()
    assert _month(session, tree["ward"]) is None
    assert _month(session, tree["other"]).stories == 1
    assert_same_as_rebuild(session)


def test_a_rolled_back_event_leaves_the_figures_alone(session, tree, make_story):
    story = make_story(tree["ward"], status="published")
    story.status = "hidden"
    session.flush()
    session.rollback()
    assert _month(session, tree["ward"]).stories == 1
    make_story(tree["ward"], status="published")
    assert _month(session, tree["ward"]).stories == 2


def test_insight_rebuild_restores_figures_after_a_bulk_change(app, session, tree, make_story):
    from sqlalchemy import delete, update

    from app.stories.models import Story

    make_story(tree["ward"], status="published", criticality=4)
    hidden = make_story(tree["ward"], status="published")
    # Bulk statements bypass the ORM events, as imports do.
    session.execute(update(Story).where(Story.id == hidden.id).values(status="hidden"))
    session.execute(delete(ProviderMonth))
    session.commit()
    assert _month(session, tree["ward"]) is None
    result = app.test_cli_runner().invoke(args=["insight", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "provider-months recomputed" in result.output
    row = _month(session, tree["ward"])
    assert (row.stories, row.crit4) == (1, 1)
