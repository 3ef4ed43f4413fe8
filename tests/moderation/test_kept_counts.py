"""The queue's counts and its list of stories that may speak of harm are kept under the moderation version, which
the database moves in the commit of any change to what they count: a second view of an unchanged queue counts
nothing again, and every kind of change shows on the next view, however it was written."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, text

from app.extensions import db, utcnow
from app.moderation.models import Report
from app.stories.models import PUBLISHED, RETURNED
from app.web.models import moderation_version


def counts(client, args: str = "") -> dict[str, int]:
    page = client.get(f"/moderation/{args}").get_data(as_text=True)
    found = dict((label, int(n)) for n, label in re.findall(r"<li><strong>(\d+)</strong> ([^<]+)</li>", page))
    return {"waiting": found["waiting for moderation"], "reports": found["open reports"],
            "harm": found["that may speak of a risk of harm"], "returned": found["sent back to authors"],
            "unconfirmed": found["awaiting email confirmation"],
            "email": int(re.search(r"Email address \((\d+)\)", page).group(1)), "page": page}


def statements_of(app, client, path: str) -> list[str]:
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_an_unchanged_queue_is_not_counted_again(app, mod_client, tree, make_story):
    make_story(tree["ward"], flags=["email"])
    make_story(tree["ward"], flags=["safeguarding"])
    first = statements_of(app, mod_client, "/moderation/")
    second = statements_of(app, mod_client, "/moderation/")
    counting = [s for s in first if "count(" in s.lower() and "awaiting_confirmation" in s]
    assert counting, "the first view counts the queue"
    assert not [s for s in second if s in counting], "the second view reuses the counts"
    assert len(second) < len(first)
    assert counts(mod_client)["harm"] == 1


def test_every_change_to_what_is_counted_shows_at_once(app, session, mod_client, tree, make_story, make_user):
    before = counts(mod_client)
    assert (before["waiting"], before["harm"], before["email"], before["reports"]) == (0, 0, 0, 0)

    told = make_story(tree["ward"], title="Told just now")  # a story arrives
    assert counts(mod_client)["waiting"] == 1

    told.flags = ["email", "safeguarding"]  # its flags change (an edit by its author)
    session.commit()
    now = counts(mod_client)
    assert (now["email"], now["harm"]) == (1, 1)
    assert "Told just now" in now["page"].split("Safeguarding: read these first")[1]

    told.status = RETURNED  # sent back
    session.commit()
    now = counts(mod_client)
    assert (now["waiting"], now["returned"], now["harm"], now["email"]) == (0, 1, 0, 0)

    told.status = "pending"
    told.flags = []
    session.commit()
    assert counts(mod_client)["waiting"] == 1

    published = make_story(tree["ward"], status=PUBLISHED, title="Published one")
    session.add(Report(story_id=published.id, reason="other", note="A name in it", created_at=utcnow()))
    session.commit()
    assert counts(mod_client)["reports"] == 1
    report = session.query(Report).one()
    report.resolved_at = utcnow()
    session.commit()
    assert counts(mod_client)["reports"] == 0

    # The urgent list is kept per service: a story moved into the filtered service's subtree shows there.
    other = make_story(tree["other"], flags=["safeguarding"], title="Elsewhere, at risk")
    assert "Elsewhere, at risk" not in counts(mod_client, "?provider=T1")["page"]
    other.provider_id = tree["ward"].id
    session.commit()
    assert "Elsewhere, at risk" in counts(mod_client, "?provider=T1")["page"]

    told.status = PUBLISHED  # published: leaves the queue
    told.published_at = utcnow()
    session.commit()
    assert counts(mod_client)["waiting"] == 1  # only the moved one


def test_a_change_written_outside_the_app_moves_the_version(app, session, mod_client, tree, make_story):
    """Triggers, not the application, move the number: a statement typed at the database's prompt counts too."""
    story = make_story(tree["ward"])
    assert counts(mod_client)["waiting"] == 1
    version = moderation_version(session)
    session.execute(text("UPDATE stories SET status = 'rejected' WHERE id = :id"), {"id": story.id})
    session.commit()
    assert moderation_version(session) > version
    assert counts(mod_client)["waiting"] == 0


@pytest.mark.parametrize("change", ["read_count", "title", "claim"])
def test_what_the_queue_does_not_count_leaves_the_version(session, tree, make_story, moderator, change):
    """A read, an edit that leaves the flags, a claim: the counts stay kept."""
    story = make_story(tree["ward"])
    version = moderation_version(session)
    if change == "read_count":
        story.read_count = (story.read_count or 0) + 1
    elif change == "title":
        story.title = "A new title, same flags"
    else:
        story.claimed_by_id = moderator.id
        story.claimed_until = utcnow()
    session.commit()
    assert moderation_version(session) == version
