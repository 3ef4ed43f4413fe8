"""The queue's rows (up to 125 waiting stories with their service and claimant) are kept in each process under the
queue rows' version and the content version, which the database moves in the commit of any change to what a row
shows: a second view of an unchanged queue reads no row again, and every kind of change shows on the next view,
however it was written. A claim moves the rows' version but not the moderation version, so the counts stay kept."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.extensions import utcnow
from app.web.models import moderation_version, queue_rows_version
from tests.moderation.test_kept_counts import statements_of


def _queue(client) -> str:
    return client.get("/moderation/").get_data(as_text=True)


def _reads_rows(statements: list[str]) -> bool:
    return any("JOIN providers" in s and "stories.claimed_until" in s for s in statements)


@pytest.mark.parametrize("harm", [False, True], ids=["the page", "stories that may speak of harm"])
def test_an_unchanged_queue_reads_no_row_again(app, mod_client, tree, make_story, harm):
    make_story(tree["ward"], title="Kept row", flags=["safeguarding"] if harm else [])
    assert _reads_rows(statements_of(app, mod_client, "/moderation/"))
    second = statements_of(app, mod_client, "/moderation/")
    assert not _reads_rows(second), second
    assert "Kept row" in _queue(mod_client)


@pytest.mark.parametrize("harm", [False, True], ids=["the page", "stories that may speak of harm"])
def test_every_change_to_what_a_row_shows_shows_at_once(session, mod_client, tree, make_story, make_user, harm):
    story = make_story(tree["ward"], title="First title", flags=["safeguarding"] if harm else [])
    other = make_user(email="other-mod@example.org", moderator=True, display_name="Olga Other")
    assert "First title" in _queue(mod_client)

    story.title = "Second title"  # a moderator's correction
    session.commit()
    page = _queue(mod_client)
    assert "Second title" in page and "First title" not in page

    # A claim, written as the claim service writes it (a plain UPDATE): shown at once, and the counts stay kept.
    counted = moderation_version(session)
    session.execute(text("UPDATE stories SET claimed_by_id = :u, claimed_until = :t WHERE id = :id"),
                    {"u": other.id, "t": utcnow() + timedelta(minutes=15), "id": story.id})
    session.commit()
    assert "Olga Other" in _queue(mod_client)
    assert moderation_version(session) == counted

    other.display_name = "Olga Renamed"  # the claimant's name
    session.commit()
    page = _queue(mod_client)
    assert "Olga Renamed" in page and "Olga Other" not in page

    tree["ward"].name = "Ward Renamed"  # the service's name moves the content version
    session.commit()
    assert "Ward Renamed" in _queue(mod_client)

    session.execute(text("UPDATE stories SET claimed_by_id = NULL, claimed_until = NULL WHERE id = :id"),
                    {"id": story.id})
    session.commit()
    assert "Olga Renamed" not in _queue(mod_client)


def test_a_claim_that_runs_out_leaves_the_kept_row_at_once(session, mod_client, tree, make_story, make_user, clock):
    """Nothing moves a version when a claim runs out: the row is kept, and the list shows the claim only while it
    stands."""
    story = make_story(tree["ward"], title="Claimed a while")
    other = make_user(email="other-mod@example.org", moderator=True, display_name="Olga Other")
    story.claimed_by_id, story.claimed_until = other.id, utcnow() + timedelta(minutes=15)
    session.commit()
    assert "Olga Other" in _queue(mod_client)
    clock.advance(minutes=16)
    assert "Olga Other" not in _queue(mod_client)


@pytest.mark.parametrize("change", ["read_count", "body", "a published story", "an unrelated account"])
def test_what_no_row_shows_leaves_the_rows_version(session, tree, make_story, make_user, change):
    story = make_story(tree["ward"])
    published = make_story(tree["ward"], status="published")
    person = make_user(email="someone@example.org")
    version = queue_rows_version(session)
    if change == "read_count":
        story.read_count = (story.read_count or 0) + 1
    elif change == "body":
        story.body = story.body + " More."
    elif change == "a published story":
        published.title = "A published title"
    else:
        person.last_login_at = utcnow()
    session.commit()
    assert queue_rows_version(session) == version
