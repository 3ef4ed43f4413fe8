"""Red flags: 3 critical stories in 30 days raise one flag and one email per episode to the managers."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import utcnow
from app.insight.flags import close_lapsed
from app.insight.models import RedFlag
from app.moderation.services import Publication, hide, publish
from tests.conftest import PASSWORD, login


def _publish(session, people, make_story, provider, criticality):
    story = make_story(provider, status="pending")
    publish(session, people["moderator"], story, story.version,
            Publication(criticality=criticality, tags=[], title=story.title, body=story.body))
    session.commit()
    return story


def _red_flag_mail(smtp_server, address):
    return [m for m in smtp_server.to(address) if m["Subject"].startswith("Red flag")]


def test_a_red_flag_is_raised_once_per_episode_with_its_email(session, client, tree, people, make_story,
                                                               smtp_server, deliver):
    ward = tree["ward"]
    _publish(session, people, make_story, ward, 2)  # not critical enough to count
    first = _publish(session, people, make_story, ward, 3)
    second = _publish(session, people, make_story, ward, 5)
    assert session.scalar(select(RedFlag)) is None  # two is not yet a pattern
    _publish(session, people, make_story, ward, 4)
    flags = session.scalars(select(RedFlag)).all()
    assert len(flags) == 1 and flags[0].provider_id == ward.id and flags[0].closed_at is None
    assert flags[0].stories == 3
    _publish(session, people, make_story, ward, 4)  # the same episode: no second flag, no second email
    assert len(session.scalars(select(RedFlag)).all()) == 1
    deliver()
    for address in ("wardmanager@nhs.example", "trustlead@nhs.example"):
        [mail] = _red_flag_mail(smtp_server, address)
        assert "Ward One" in mail["Subject"]
        assert "/providers/W1/insight" in mail.get_body(("plain",)).get_content()
    assert _red_flag_mail(smtp_server, "responder@nhs.example") == []  # managers only

    # Shown on the insight page (of the ward and of everything above it) and on the staff dashboard.
    assert "Red flag" in client.get("/providers/W1/insight").get_data(as_text=True)
    assert "Ward One</a>: 4 such stories" in client.get("/providers/T1/insight").get_data(as_text=True)
    assert "Red flag" not in client.get("/providers/G1/insight").get_data(as_text=True)
    login(client, "responder@nhs.example", PASSWORD)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Red flags" in dashboard and "/providers/W1/insight" in dashboard

    # Hiding stories ends the episode; a new run of critical stories is a new episode with a new email.
    for story in (first, second):
        story = session.get(type(story), story.id)
        hide(session, people["moderator"], story, story.version, "Duplicate")
        session.commit()
    session.expire_all()
    assert session.scalar(select(RedFlag)).closed_at is not None
    assert "Red flag" not in client.get("/providers/W1/insight").get_data(as_text=True)
    _publish(session, people, make_story, ward, 3)
    flags = session.scalars(select(RedFlag).order_by(RedFlag.id)).all()
    assert len(flags) == 2 and flags[1].closed_at is None
    deliver()
    assert len(_red_flag_mail(smtp_server, "wardmanager@nhs.example")) == 2


def test_a_flag_closes_when_its_stories_age_out_of_the_window(session, tree, people, make_story):
    stories = [_publish(session, people, make_story, tree["ward"], 4) for _ in range(3)]
    assert session.scalar(select(RedFlag)).closed_at is None
    for story in stories:
        story.published_at = utcnow() - timedelta(days=31)
    session.commit()  # an edit re-checks at once…
    assert session.scalar(select(RedFlag)).closed_at is not None


def test_the_worker_closes_lapsed_flags(session, tree, people, make_story):
    session.add(RedFlag(provider_id=tree["ward"].id, stories=3))  # its stories have since aged out
    session.commit()
    assert close_lapsed(session) == 1
    assert session.scalar(select(RedFlag)).closed_at is not None


def test_the_dashboard_follows_a_flagged_service_moved_out_of_the_trust_and_back(session, client, tree, people,
                                                                                  make_story):
    """The trust's subtree is kept per content version: moving the flagged ward shows on the next view."""
    ward = tree["ward"]
    for criticality in (3, 4, 5):
        _publish(session, people, make_story, ward, criticality)
    login(client, "trustlead@nhs.example", PASSWORD)
    assert "/providers/W1/insight" in client.get("/dashboard").get_data(as_text=True)
    assert "/providers/W1/insight" in client.get("/providers/T1/insight").get_data(as_text=True)

    ward.parent_id = tree["other"].id
    session.commit()
    assert "/providers/W1/insight" not in client.get("/dashboard").get_data(as_text=True)
    assert "Red flag" not in client.get("/providers/T1/insight").get_data(as_text=True)

    ward.parent_id = tree["hospital"].id
    session.commit()
    assert "/providers/W1/insight" in client.get("/dashboard").get_data(as_text=True)


def test_a_flag_the_worker_opens_or_closes_shows_at_once_on_kept_pages(session, client, tree, people):
    """Red flags move the content version: the insight page (kept for visitors, its body kept for staff) and the
    dashboard's list show a flag closed by the worker's job, or one written by any other means, on the next view."""
    ward = tree["ward"]
    login(client, "trustlead@nhs.example", PASSWORD)
    anonymous = client.application.test_client()
    assert "Red flag" not in anonymous.get("/providers/W1/insight").get_data(as_text=True)
    assert "Red flag" not in client.get("/providers/W1/insight").get_data(as_text=True)
    assert "Red flags" not in client.get("/dashboard").get_data(as_text=True)

    session.add(RedFlag(provider_id=ward.id, stories=3))  # its stories have since aged out
    session.commit()
    assert "Red flag" in anonymous.get("/providers/W1/insight").get_data(as_text=True)
    assert "Red flag" in client.get("/providers/W1/insight").get_data(as_text=True)
    assert "/providers/W1/insight" in client.get("/dashboard").get_data(as_text=True)

    assert close_lapsed(session) == 1
    assert "Red flag" not in anonymous.get("/providers/W1/insight").get_data(as_text=True)
    assert "Red flag" not in client.get("/providers/W1/insight").get_data(as_text=True)
    assert "Red flags" not in client.get("/dashboard").get_data(as_text=True)
