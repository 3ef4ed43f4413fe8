"""The public read model, called directly: which stories are public, each filter, tombstones, the list's parser."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from app.extensions import utcnow
from app.stories.models import PUBLISHED, STATUSES, Story, Tag
from app.stories.queries import (
    TOMBSTONE_STATUSES,
    StoryFilters,
    is_public,
    is_tombstone,
    parse_filters,
    public_stories,
    public_story_filter,
)
from app.web.params import BadParameter


def ids(session, filters: StoryFilters | None = None, tombstones: bool = False) -> set[int]:
    return {s.id for s in session.scalars(public_stories(filters or StoryFilters(), session, tombstones=tombstones))}


def tag(session, slug: str) -> Tag:
    return session.scalar(select(Tag).where(Tag.slug == slug))


@pytest.fixture
def stories(session, tree, make_story):
    """A story in every status at the ward, and published ones spread over the tree with distinct properties."""
    by_status = {status: make_story(tree["ward"], status=status, title=f"A {status} story") for status in STATUSES}
    # Withdrawn before a moderator saw it: never public, so never a tombstone either.
    early = make_story(tree["ward"], status="withdrawn", title="Withdrawn while pending")
    now = utcnow()
    trust = make_story(tree["trust"], status=PUBLISHED, title="At the trust", criticality=0)
    hospital = make_story(tree["hospital"], status=PUBLISHED, title="At the hospital", criticality=3)
    practice = make_story(tree["other"], status=PUBLISHED, title="At the practice", criticality=5)
    trust.published_at = datetime(2025, 3, 1, 0, 0, tzinfo=UTC)
    hospital.published_at = datetime(2025, 3, 31, 23, 59, 59, tzinfo=UTC)
    practice.published_at = datetime(2025, 4, 1, 0, 0, tzinfo=UTC)
    hospital.response_status = "change_planned"
    practice.response_status = "responded"
    hospital.tags = [tag(session, "improve-food")]
    practice.tags = [tag(session, "improve-food"), tag(session, "good-kindness")]
    by_status[PUBLISHED].published_at = now
    by_status["withdrawn"].published_at = now - timedelta(days=1)  # published, then withdrawn by its author
    session.commit()
    return {**by_status, "early": early, "trust": trust, "hospital": hospital, "practice": practice}


def test_only_published_stories_are_public(session, stories):
    public = ids(session)
    assert stories[PUBLISHED].id in public
    for status in STATUSES:
        if status != PUBLISHED:
            assert stories[status].id not in public, status
    assert stories["early"].id not in public
    assert public == {stories[k].id for k in (PUBLISHED, "trust", "hospital", "practice")}


def test_the_sql_filter_and_its_python_twins_agree_on_every_status(session, stories):
    everything = list(session.scalars(select(Story)))
    assert {s.id for s in everything if is_public(s)} == ids(session)
    assert {s.id for s in everything if is_public(s) or is_tombstone(s)} == ids(session, tombstones=True)
    # A filter that is only "public", for the export's column selects: the same set.
    assert set(session.scalars(select(Story.id).where(public_story_filter(StoryFilters(), session)))) == ids(session)


def test_tombstones_are_the_stories_that_were_public_and_left(session, stories):
    tombstones = ids(session, tombstones=True) - ids(session)
    assert tombstones == {stories[s].id for s in TOMBSTONE_STATUSES}
    assert stories["early"].id not in tombstones  # withdrawn before it was ever published
    assert not any(is_tombstone(stories[s]) for s in STATUSES if s not in TOMBSTONE_STATUSES)


def test_provider_takes_in_everything_below_it(session, tree, stories):
    assert ids(session, StoryFilters(provider=tree["trust"])) == {
        stories[k].id for k in (PUBLISHED, "trust", "hospital")}
    assert ids(session, StoryFilters(provider=tree["hospital"])) == {stories[PUBLISHED].id, stories["hospital"].id}
    assert ids(session, StoryFilters(provider=tree["ward"])) == {stories[PUBLISHED].id}
    assert ids(session, StoryFilters(provider=tree["other"])) == {stories["practice"].id}


def test_tag_criticality_and_response_status_each_narrow(session, stories):
    assert ids(session, StoryFilters(tag=tag(session, "improve-food"))) == {stories["hospital"].id,
                                                                            stories["practice"].id}
    assert ids(session, StoryFilters(tag=tag(session, "good-kindness"))) == {stories["practice"].id}
    assert ids(session, StoryFilters(tag=tag(session, "improve-parking"))) == set()
    assert ids(session, StoryFilters(criticality=3)) == {stories["hospital"].id}
    assert ids(session, StoryFilters(criticality=0)) == {stories["trust"].id}
    assert ids(session, StoryFilters(response_status="responded")) == {stories["practice"].id}
    assert ids(session, StoryFilters(response_status="awaiting_response")) == {stories[PUBLISHED].id,
                                                                               stories["trust"].id}


def test_filters_combine_as_and(session, tree, stories):
    food = tag(session, "improve-food")
    assert ids(session, StoryFilters(provider=tree["trust"], tag=food)) == {stories["hospital"].id}
    assert ids(session, StoryFilters(provider=tree["trust"], tag=food, criticality=5)) == set()
    assert ids(session, StoryFilters(tag=food, response_status="responded")) == {stories["practice"].id}


def test_published_days_include_both_ends_in_utc(session, stories):
    march = StoryFilters(published_from=date(2025, 3, 1), published_to=date(2025, 3, 31))
    assert ids(session, march) == {stories["trust"].id, stories["hospital"].id}
    assert ids(session, StoryFilters(published_to=date(2025, 2, 28))) == set()
    assert ids(session, StoryFilters(published_from=date(2025, 4, 1), published_to=date(2025, 4, 1))) == {
        stories["practice"].id}


def test_published_since_is_an_exact_time(session, stories):
    at = stories["hospital"].published_at
    assert ids(session, StoryFilters(published_since=at)) == {stories[k].id for k in ("hospital", "practice",
                                                                                      PUBLISHED)}
    assert ids(session, StoryFilters(published_since=at + timedelta(seconds=1))) == {stories["practice"].id,
                                                                                    stories[PUBLISHED].id}


def test_updated_since_counts_tombstones_only_when_asked(session, stories):
    # Everything last changed yesterday (a plain UPDATE moves no updated_at by itself).
    session.execute(update(Story).values(updated_at=utcnow() - timedelta(days=1)))
    session.commit()
    since = utcnow()
    assert ids(session, StoryFilters(updated_since=since), tombstones=True) == set()
    stories["trust"].title = "At the trust, corrected"
    stories["hidden"].status = "withdrawn"  # a tombstone that changed again
    session.commit()
    changed = StoryFilters(updated_since=since)
    assert ids(session, changed) == {stories["trust"].id}
    assert ids(session, changed, tombstones=True) == {stories["trust"].id, stories["hidden"].id}


def test_filters_narrow_tombstones_too(session, tree, stories):
    # The hidden and withdrawn stories are at the ward: a sync for another branch of the tree never sees them.
    assert ids(session, StoryFilters(provider=tree["other"]), tombstones=True) == {stories["practice"].id}
    assert {stories["hidden"].id, stories["withdrawn"].id} <= ids(session, StoryFilters(provider=tree["ward"]),
                                                                  tombstones=True)


def test_public_stories_come_with_their_provider_loaded(session, stories):
    story = session.scalars(public_stories(StoryFilters(), session)).first()
    assert "provider" in story.__dict__  # loaded with the list, not one query per card


def test_list_arguments_round_trip_and_unknowns_are_ignored(session, tree, stories):
    filters = parse_filters(session, MultiDict({"provider": " h1 ", "tag": "improve-food", "criticality": "3",
                                               "status": "change_planned", "from": "2025-03-01",
                                               "to": "2025-03-31"}))
    assert filters.provider.id == tree["hospital"].id and filters.tag.slug == "improve-food"
    assert ids(session, filters) == {stories["hospital"].id}
    again = parse_filters(session, MultiDict(filters.as_args()))
    assert again.as_args() == filters.as_args() and ids(session, again) == ids(session, filters)
    lenient = parse_filters(session, MultiDict({"provider": "NOPE", "tag": "<script>", "status": "nope"}))
    assert lenient == StoryFilters()
    with pytest.raises(BadParameter):
        parse_filters(session, MultiDict({"criticality": "nine"}))
