"""Fixtures for the hardening tests: one small world with every kind of visitor, and clients signed in as each."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.extensions import utcnow

# The kinds of visitor every access rule is checked against.
ROLES = ("anonymous", "author", "other_author", "staff", "unrelated_staff", "story_taker", "moderator", "admin")


@dataclass
class World:
    users: dict
    providers: dict
    published: object  # the author's published story, with a staff reply and an open report
    pending: object  # the author's story waiting in the moderation queue
    reply: object
    report: object
    membership: object  # the staff member's membership of the hospital
    message: object  # a failed message in the outbox, for the console's resend
    change: object  # a planned change on the published story, which its author disputes
    reroute: object  # the staff's "not about us" on the published story, waiting for a moderator
    release: object  # the dataset's release (its version)


@pytest.fixture
def world(session, tree, make_user, make_story) -> World:
    from app.accounts.models import Membership
    from app.mail.models import OutboxMessage
    from app.moderation.models import Report, RerouteRequest
    from app.opendata.bundle import build
    from app.replies.models import Change, Reply

    users = {
        "author": make_user(email="author@example.org", display_name="Ann Author"),
        "other_author": make_user(email="other-author@example.org", display_name="Oli Other"),
        "staff": make_user(email="staff@example.org", provider=tree["hospital"], display_name="Sam Staff"),
        "unrelated_staff": make_user(email="gp@example.org", provider=tree["other"], display_name="Gil GP"),
        "story_taker": make_user(email="taker@example.org", display_name="Tay Taker"),
        "moderator": make_user(email="mod@example.org", moderator=True, display_name="Mo Derator"),
        "admin": make_user(email="admin@example.org", admin=True, display_name="Ada Admin"),
    }
    users["story_taker"].is_story_taker = True
    make_story(tree["ward"], author=users["other_author"], status="published", title="Someone else's story")
    published = make_story(tree["ward"], author=users["author"], status="published", title="Letters were confusing",
                           submission_key="k" * 32)
    pending = make_story(tree["ward"], author=users["author"], status="pending", title="Waiting for a moderator")
    reply = Reply(story_id=published.id, author_id=users["staff"].id, provider_id=tree["hospital"].id,
                  responder_name="Sam Staff", responder_title="Ward manager", body="Thank you for telling us.",
                  status="visible", published_at=utcnow())
    session.add(reply)
    session.flush()
    report = Report(story_id=published.id, reason="other", note="Please check", reporter_id=users["other_author"].id)
    session.add(report)
    message = OutboxMessage(message_id="<failed@storyloop.test>", to_addr="someone@example.org", subject="Failed",
                            body_text="Not delivered", status="failed", last_error="550 no such user")
    session.add(message)
    change = Change(story_id=published.id, provider_id=tree["hospital"].id, reported_by_id=users["staff"].id,
                    reporter_name="Sam Staff", reporter_title="Ward manager", kind="planned",
                    description="We will rewrite the appointment letters.", due_on=utcnow().date() + timedelta(days=30),
                    owner="Outpatients team", status="visible", verdict="disputed", verdict_note="Not so.",
                    verdict_at=utcnow(), verdict_status="pending")
    session.add(change)
    session.flush()
    reroute = RerouteRequest(story_id=published.id, from_provider_id=tree["ward"].id,
                             to_provider_id=tree["other"].id, requested_by_id=users["staff"].id, note="Not ours.")
    session.add(reroute)
    session.commit()
    membership = session.scalar(session.query(Membership).filter_by(user_id=users["staff"].id).statement)
    # A release of the dataset, for the download routes (the latest, and one by its version).
    release = SimpleNamespace(**build(session))
    session.rollback()
    return World(users=users, providers=tree, published=published, pending=pending, reply=reply, report=report,
                 membership=membership, message=message, change=change, reroute=reroute, release=release)


@pytest.fixture
def client_as(app, world):
    """A fresh client signed in as one kind of visitor (by session, to skip the slow password hash)."""

    def make(role: str):
        client = app.test_client()
        if role != "anonymous":
            with client.session_transaction() as flask_session:
                flask_session["_user_id"] = world.users[role].get_id()
                flask_session["_fresh"] = True
        return client

    return make
