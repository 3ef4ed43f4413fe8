"""A small published record with every kind of content, and things that must never leak."""
from __future__ import annotations

import pytest

from app.extensions import utcnow
from app.replies.models import Change, Reply
from app.stories.models import Tag


@pytest.fixture
def record(session, make_provider, make_user, make_story):
    from sqlalchemy import select

    trust = make_provider(code="T1", name="Trust One", kind="trust", email="secret-contact@trust.example")
    ward = make_provider(code="W1", name="Ward One", kind="department", parent=trust)
    author = make_user(email="hidden-author@example.org")
    staff = make_user(email="hidden-staff@example.org", provider=ward, display_name="Sam Staff",
                      job_title="Ward sister")
    published = make_story(ward, author=author, status="published", title="Published story",
                           body="The published words of a story about the ward, long enough to count.")
    published.tags = [session.scalar(select(Tag).where(Tag.slug == "good-kindness"))]
    published.moderator_note = "PRIVATE MODERATOR NOTE"
    published.flags = ["email"]
    other = make_story(trust, status="published", title="Another published story")
    secrets = {
        "pending": make_story(ward, status="pending", title="UNPUBLISHED pending title"),
        "hidden": make_story(ward, status="hidden", title="UNPUBLISHED hidden title"),
        "withdrawn": make_story(ward, status="withdrawn", title="UNPUBLISHED withdrawn title"),
        "rejected": make_story(ward, status="rejected", title="UNPUBLISHED rejected title"),
    }
    now = utcnow()
    session.add_all([
        Reply(story_id=published.id, author_id=staff.id, kind="staff", provider_id=ward.id,
              responder_name="Sam Staff", responder_title="Ward sister", body="Visible reply text",
              status="visible", published_at=now),
        Reply(story_id=published.id, author_id=staff.id, kind="staff", provider_id=ward.id,
              responder_name="Sam Staff", body="UNPUBLISHED hidden reply", status="hidden", published_at=now),
        Reply(story_id=published.id, author_id=author.id, kind="author", body="UNPUBLISHED pending answer",
              status="pending"),
        Reply(story_id=secrets["hidden"].id, author_id=staff.id, kind="staff", provider_id=ward.id,
              responder_name="Sam Staff", body="UNPUBLISHED reply on a hidden story", status="visible",
              published_at=now),
        Change(story_id=published.id, provider_id=ward.id, kind="planned", description="Visible change planned",
               reporter_name="Sam Staff"),
    ])
    session.commit()
    return {"published": published, "other": other, "secrets": secrets, "ward": ward, "trust": trust}


FORBIDDEN = ["hidden-author@example.org", "hidden-staff@example.org", "secret-contact@trust.example",
             "UNPUBLISHED", "PRIVATE MODERATOR NOTE", "argon2", "@example.org"]
