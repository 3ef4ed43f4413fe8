"""Response statistics on a provider's page, against figures computed by hand."""
from __future__ import annotations

from datetime import date, timedelta

from app.extensions import utcnow
from app.insight.response import describe_wait, response_stats
from app.replies.models import Change, Reply
from app.replies.status import refresh_response


def test_statistics_match_a_hand_computed_fixture(client, session, make_provider, make_story, make_user):
    trust = make_provider(code="T1", name="Trust", kind="trust")
    ward = make_provider(code="W1", name="Ward", kind="department", parent=trust)
    other = make_provider(code="G1", name="Elsewhere", kind="gp_practice")
    responder = make_user(email="r@nhs.example", provider=ward)
    now = utcnow()
    # Five stories in the last year below the trust, replied after 2, 4 and 10 hours; one too old; one elsewhere.
    waits = [2, 4, 10, None, None]
    for i, hours in enumerate(waits):
        story = make_story(ward if i % 2 else trust, status="published")
        story.published_at = now - timedelta(days=30 + i)
        if hours is not None:
            session.add(Reply(story_id=story.id, author_id=responder.id, kind="staff", body="Thank you",
                              status="visible", published_at=story.published_at + timedelta(hours=hours)))
        session.flush()
        refresh_response(session, story)
    old = make_story(ward, status="published")
    old.published_at = now - timedelta(days=400)
    make_story(other, status="published")
    story = make_story(ward, status="pending")  # not published: not counted
    published = make_story(ward, status="published")
    published.published_at = now - timedelta(days=3)
    session.add_all([
        Change(story_id=published.id, provider_id=ward.id, kind="planned", description="New rota for nights"),
        Change(story_id=published.id, provider_id=ward.id, kind="made", description="Rota changed",
               made_on=date.today()),
        Change(story_id=published.id, provider_id=ward.id, kind="made", description="Hidden one", status="hidden"),
        Change(story_id=published.id, provider_id=other.id, kind="made", description="Elsewhere"),
    ])
    session.commit()

    stats = response_stats(session, trust)
    assert stats.stories == 6  # five plus the recent one; not the old, the other provider's or the pending
    assert stats.replied == 3
    assert stats.median_reply == timedelta(hours=4)
    assert (stats.changes_planned, stats.changes_made) == (1, 1)
    assert round(stats.reply_share, 2) == 0.5

    ward_only = response_stats(session, ward)
    assert ward_only.stories == 3  # i = 1, 3 and the recent one
    assert ward_only.replied == 1 and ward_only.median_reply == timedelta(hours=4)

    page = client.get("/providers/T1").get_data(as_text=True)
    assert "50% (3 of 6)" in page and "4 hours" in page
    assert story.status == "pending"


def test_waits_are_described_in_plain_words():
    assert describe_wait(None) == "no replies yet"
    assert describe_wait(timedelta(minutes=20)) == "20 minutes"
    assert describe_wait(timedelta(hours=1)) == "1 hour"
    assert describe_wait(timedelta(hours=30)) == "30 hours"
    assert describe_wait(timedelta(days=5)) == "5 days"


def test_statistics_are_the_insight_figures_for_the_same_twelve_months(client, session, make_provider, make_story,
                                                                        make_user):
    """One source for both pages: the provider page's year is the insight page's year, to the story."""
    from app.insight.services import insight

    trust = make_provider(code="T1", name="Trust", kind="trust")
    ward = make_provider(code="W1", name="Ward", kind="department", parent=trust)
    responder = make_user(email="r@nhs.example", provider=ward)
    now = utcnow()
    for i, days in enumerate([1, 40, 200, 330, 380]):
        story = make_story(ward if i % 2 else trust, status="published")
        story.published_at = now - timedelta(days=days)
        session.add(Reply(story_id=story.id, author_id=responder.id, kind="staff", body="Thank you",
                          status="visible", published_at=story.published_at + timedelta(minutes=30 + 60 * i)))
        session.flush()
        refresh_response(session, story)
    session.commit()

    stats = response_stats(session, trust)
    year = insight(session, trust).this_year
    assert (stats.stories, stats.replied, stats.median_reply) == (year.stories, year.replied, year.median_reply)
    assert stats.since == insight(session, trust).months[-12]
    body = client.get("/api/v1/providers/T1").get_json()["data"]["statistics"]
    assert body["period_from"] == stats.since.isoformat()
    assert body["period_days"] == (now.date() - stats.since).days + 1
    assert body["stories"] == stats.stories
