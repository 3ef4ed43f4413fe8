"""Two moderators acting on one story always get the "it changed" page (409), never a 500: also when the clash
surfaces inside a service, in its own flush or an autoflush, rather than at the commit."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.audit import AuditEvent
from app.errors import Conflict, stale_is_conflict
from app.extensions import db, utcnow
from app.moderation import conversation, services
from app.moderation.models import Report
from app.replies.models import VISIBLE, Reply
from app.stories.models import HIDDEN, PUBLISHED, Story
from tests.conftest import PASSWORD, login


@contextmanager
def another_moderator_acts_at_the_first_flush(table: str, row_id: int, when=lambda session: True):
    """At the next flush (of any session, when `when` says so), another connection moves the row's version and
    commits first: the window between a request reading the row and writing it, which two quick moderators hit."""
    fired: list[bool] = []

    def bump(session, flush_context, instances):
        if fired or not when(session):
            return
        fired.append(True)
        with db.engine.connect() as other:
            other.execute(text(f"UPDATE {table} SET version = version + 1 WHERE id = :id"), {"id": row_id})
            other.commit()

    event.listen(Session, "before_flush", bump)
    try:
        yield fired
    finally:
        event.remove(Session, "before_flush", bump)


def _version(client, story_id: int, prefix: str) -> str:
    page = client.get(f"/moderation/stories/{story_id}").get_data(as_text=True)
    return re.search(rf'id="{prefix}-version"[^>]*value="(\d+)"', page).group(1)


def _reported(session, story) -> None:
    session.add(Report(story_id=story.id, reason="other", note="Check it"))
    session.commit()


def test_two_sessions_clash_inside_a_services_autoflush_and_it_is_a_conflict(app, session, tree, make_story,
                                                                           moderator):
    story = make_story(tree["ward"], status=PUBLISHED)
    _reported(session, story)
    mine = session.get(Story, story.id)
    theirs_session = Session(db.engine)
    try:
        theirs = theirs_session.get(Story, story.id)
        services.hide(theirs_session, theirs_session.get(type(moderator), moderator.id), theirs, theirs.version,
                      "The other moderator was quicker")
        theirs_session.commit()
    finally:
        theirs_session.close()
    # My copy still says version 1, so the form's version check passes; hide() then reads the story's reports,
    # and that query's autoflush writes the story: the version moved, and the clash surfaces inside the service.
    with pytest.raises(Conflict):
        with stale_is_conflict(session):
            services.hide(session, moderator, mine, mine.version, "Me too")
            session.commit()
    session.expire_all()
    assert session.get(Story, story.id).status == HIDDEN
    assert [e.reason for e in session.query(AuditEvent).filter_by(action="story.hidden")] \
        == ["The other moderator was quicker"]


def test_a_clash_inside_hide_answers_the_it_changed_page(mod_client, session, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED)
    _reported(session, story)
    version = _version(mod_client, story.id, "hide")
    with another_moderator_acts_at_the_first_flush("stories", story.id) as fired:
        response = mod_client.post(f"/moderation/stories/{story.id}/hide", data={
            "hide-version": version, "hide-reason": "Identifies someone",
            "hide-csrf_token": mod_client.csrf_token()}, csrf=False)
    assert fired
    assert response.status_code == 409, response.get_data(as_text=True)[:2000]
    assert "changed this story or its conversation at the same moment" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Story, story.id).status == PUBLISHED  # nothing of the clashing action was kept


def test_a_clash_while_moving_a_story_answers_the_it_changed_page(mod_client, session, tree, make_story,
                                                                 make_user):
    make_user(email="gp@example.org", provider=tree["other"])
    story = make_story(tree["ward"], status=PUBLISHED)
    version = _version(mod_client, story.id, "move")
    with another_moderator_acts_at_the_first_flush("stories", story.id):
        response = mod_client.post(f"/moderation/stories/{story.id}/move", data={
            "move-version": version, "move-provider": "G1", "move-reason": "About the GP",
            "move-csrf_token": mod_client.csrf_token()}, csrf=False)
    assert response.status_code == 409, response.get_data(as_text=True)[:2000]
    session.expire_all()
    assert session.get(Story, story.id).provider.code == "W1"


def test_a_clash_while_hiding_a_reply_answers_the_it_changed_page(mod_client, session, tree, make_story, make_user):
    staff = make_user(email="staff@example.org", provider=tree["ward"])
    story = make_story(tree["ward"], status=PUBLISHED)
    reply = Reply(story_id=story.id, author_id=staff.id, kind="staff", body="A reply", status=VISIBLE,
                  published_at=utcnow(), flags=[])
    session.add(reply)
    session.commit()
    # The other moderator acts on the reply just before this request's first write: the clash surfaces in the
    # autoflush inside the service (reading the story to audit it), not at the commit.
    with another_moderator_acts_at_the_first_flush("replies", reply.id):
        response = mod_client.post(f"/moderation/replies/{reply.id}/hide", data={"reason": "Names a patient"})
    assert response.status_code == 409, response.get_data(as_text=True)[:2000]
    session.expire_all()
    assert session.get(Reply, reply.id).status == VISIBLE


def test_a_clash_on_the_reply_itself_answers_the_it_changed_page(mod_client, session, tree, make_story, make_user):
    staff = make_user(email="staff@example.org", provider=tree["ward"])
    story = make_story(tree["ward"], status=PUBLISHED)
    reply = Reply(story_id=story.id, author_id=staff.id, kind="staff", body="Waiting reply", status="pending",
                  flags=[])
    session.add(reply)
    session.commit()
    with another_moderator_acts_at_the_first_flush("replies", reply.id):
        response = mod_client.post(f"/moderation/replies/{reply.id}/publish", data={"version": reply.version})
    assert response.status_code == 409, response.get_data(as_text=True)[:2000]


def test_a_clash_anywhere_else_is_the_it_changed_page_too(app, session, tree, make_story, make_user):
    """The last net: a staff reply whose story a moderator changed at the same moment (not a moderation view)."""
    staff = make_user(email="staff@example.org", provider=tree["ward"])
    story = make_story(tree["ward"], status=PUBLISHED)
    for i in range(5):
        session.add(Reply(story_id=story.id, author_id=staff.id, kind="staff", body=f"Earlier {i}", status=VISIBLE,
                          published_at=utcnow(), flags=[]))
    session.commit()
    client = app.test_client()
    login(client, "staff@example.org", PASSWORD)
    with another_moderator_acts_at_the_first_flush("stories", story.id):
        response = client.post(f"/stories/{story.id}/replies", data={"body": "We are sorry about the letters."})
    assert response.status_code == 409, response.get_data(as_text=True)[:2000]
    assert "at the same moment" in response.get_data(as_text=True)


def test_a_second_moderator_on_a_stale_item_version_is_told(session, tree, make_story, make_user, moderator):
    staff = make_user(email="staff@example.org", provider=tree["ward"])
    story = make_story(tree["ward"], status=PUBLISHED)
    reply = Reply(story_id=story.id, author_id=staff.id, kind="staff", body="A waiting reply", status="pending",
                  flags=[])
    session.add(reply)
    session.commit()
    stale = reply.version
    conversation.revise(session, moderator, reply, "An edited waiting reply", "Tidied", stale)
    session.commit()
    with pytest.raises(Conflict):
        conversation.publish(session, moderator, session.get(Reply, reply.id), stale)
