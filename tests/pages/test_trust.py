"""The pages that earn trust: who runs the site (from settings), moderation, privacy, accessibility, contact, and the
transparency figures, which equal a hand-computed fixture."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.admin.cli import find_problems
from app.insight import transparency
from app.insight.transparency import TransparencyMonth
from app.moderation import services as moderation
from app.replies.models import AUTHOR_ANSWER, HIDDEN, STAFF_REPLY, VISIBLE, Reply
from app.stories import services
from config import PLACEHOLDER_OPERATOR
from tests.conftest import make_app

PAGES = ["/about", "/how-moderation-works", "/privacy", "/accessibility", "/contact", "/transparency"]
OPERATOR = "Riverside Patient Voice CIC"
CONTROLLER = "Riverside Patient Voice CIC, ICO registration ZA123456"


@pytest.mark.settings(SITE_OPERATOR=OPERATOR, SITE_CONTACT_EMAIL="hello@voice.example.org",
                      DATA_CONTROLLER=CONTROLLER, SITE_FUNDING="a grant from the Example Foundation")
def test_the_pages_name_who_runs_the_site_from_settings(client):
    about = client.get("/about").get_data(as_text=True)
    assert OPERATOR in about and "a grant from the Example Foundation" in about
    assert "mailto:hello@voice.example.org" in about
    privacy = client.get("/privacy").get_data(as_text=True)
    assert CONTROLLER in privacy and "special category data" in privacy and "ICO" in privacy
    assert "hello@voice.example.org" in client.get("/contact").get_data(as_text=True)


def test_every_trust_page_is_served_and_linked_from_every_footer(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert '<meta name="description" content="' in html
        for linked in PAGES:
            assert f'href="{linked}"' in html, f"{path} does not link {linked} in its footer"
    home = client.get("/").get_data(as_text=True)
    assert all(f'href="{p}"' in home for p in PAGES)


def test_unset_settings_show_placeholders_that_check_reports_in_production(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, SITE_URL="https://feedback.example.org")
    problems, _ = find_problems(app)
    for setting in ("SITE_OPERATOR", "SITE_CONTACT_EMAIL", "DATA_CONTROLLER"):
        assert [p for p in problems if p.startswith(f"{setting} is not set")], setting
    assert app.config["SITE_OPERATOR"] == PLACEHOLDER_OPERATOR


def test_a_set_operator_satisfies_check_and_a_bad_contact_address_is_reported(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, SITE_URL="https://feedback.example.org",
                   SITE_OPERATOR=OPERATOR, DATA_CONTROLLER=CONTROLLER,
                   SITE_CONTACT_EMAIL="Voice <hello@voice.example.org>, other@example.org")
    problems, _ = find_problems(app)
    assert not [p for p in problems if "SITE_OPERATOR" in p or "DATA_CONTROLLER" in p]
    assert [p for p in problems if p.startswith("SITE_CONTACT_EMAIL is ")]


# ---------------------------------------------------------------- transparency

def _at(clock, *args) -> None:
    clock.set(datetime(*args, tzinfo=UTC))


def _tell(session, author, provider, title: str):
    draft = services.Draft(provider_code=provider.code, title=title, body="A story long enough to be told here, " * 3,
                           month=12, year=2025, author_role="patient", consent=True)
    story, _ = services.tell(session, draft, author)
    session.commit()
    return story


def _publish(session, moderator, story):
    moderation.publish(session, moderator, story, story.version,
                       moderation.Publication(criticality=1, tags=[], title=story.title, body=story.body))
    session.commit()


@pytest.fixture
def months(session, clock, tree, make_user):
    """January and February 2026, by hand:

    January (received: A, B and D): A told 09:00 and published 11:00 (2 hours); B told 10:00 and rejected 16:00
    (6 hours); C told by an address never confirmed (never reaches the moderators). D told 31 January 23:00.
    February: D published 1 February 01:00 (2 hours); E told 2 February; A withdrawn 5 February; a staff reply
    on D published 3 February, one hidden, and the author's answer (not a service's reply).
    """
    ward = tree["ward"]
    moderator = make_user(moderator=True)
    ann, bob, dan, eve = (make_user() for _ in range(4))
    _at(clock, 2026, 1, 10, 9, 0)
    a = _tell(session, ann, ward, "Story A about the ward")
    _at(clock, 2026, 1, 10, 10, 0)
    b = _tell(session, bob, ward, "Story B about the ward")
    services.tell(session, services.Draft(provider_code=ward.code, title="Story C never confirmed",
                                          body="Never confirmed, so never reaches a moderator at all. " * 2,
                                          month=12, year=2025, author_role="carer", consent=True,
                                          email="never@example.org"), None)
    session.commit()
    _at(clock, 2026, 1, 10, 11, 0)
    _publish(session, moderator, a)
    _at(clock, 2026, 1, 10, 16, 0)
    moderation.reject(session, moderator, b, b.version, "other", "Not about care at this service.")
    session.commit()
    _at(clock, 2026, 1, 31, 23, 0)
    d = _tell(session, dan, ward, "Story D about the ward")
    _at(clock, 2026, 2, 1, 1, 0)
    _publish(session, moderator, d)
    _at(clock, 2026, 2, 2, 12, 0)
    _tell(session, eve, ward, "Story E about the ward")
    _at(clock, 2026, 2, 3, 12, 0)
    staff = make_user(provider=tree["hospital"])
    for kind, status in ((STAFF_REPLY, VISIBLE), (STAFF_REPLY, HIDDEN), (AUTHOR_ANSWER, VISIBLE)):
        session.add(Reply(story_id=d.id, author_id=staff.id if kind == STAFF_REPLY else dan.id,
                          provider_id=tree["hospital"].id, responder_name="Sam", responder_title="Manager",
                          body="Thank you for telling us about this.", status=status, kind=kind,
                          published_at=clock.now()))
    session.commit()
    _at(clock, 2026, 2, 5, 8, 0)
    services.withdraw(session, ann, a)
    session.commit()
    _at(clock, 2026, 3, 2, 8, 0)
    return transparency.recompute(session)


def _row(m: TransparencyMonth) -> tuple:
    return (m.month, m.received, m.published, m.rejected, m.withdrawn, m.decided, m.median_wait_seconds, m.replies)


def test_transparency_figures_equal_the_hand_computed_months(session, months):
    assert months == 3  # January to March, the first time
    assert [_row(m) for m in transparency.by_month(session)] == [
        (date(2026, 3, 1), 0, 0, 0, 0, 0, None, 0),
        (date(2026, 2, 1), 1, 1, 0, 1, 1, 2 * 3600, 1),
        (date(2026, 1, 1), 3, 1, 1, 0, 2, 4 * 3600, 0),
    ]


def test_transparency_page_and_csv_read_the_kept_figures(client, session, months, count_queries):
    with count_queries() as queries:
        html = client.get("/transparency").get_data(as_text=True)
    assert [q for q in queries.statements if "stories" in q.lower() or "audit_events" in q.lower()] == [], \
        "the page reads only the kept figures"
    assert "January 2026" in html and "4 hours" in html and "2 hours" in html
    response = client.get("/transparency.csv")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).splitlines() == [
        "month,received,published,rejected,withdrawn,decided,median_wait_seconds,replies",
        "2026-03,0,0,0,0,0,,0",
        "2026-02,1,1,0,1,1,7200,1",
        "2026-01,3,1,1,0,2,14400,0",
    ]


def test_later_passes_recompute_only_the_months_that_can_still_change(session, clock, months):
    computed = {m.month: m.computed_at for m in transparency.by_month(session)}
    _at(clock, 2026, 4, 1, 0, 5)
    assert transparency.recompute(session) == 2  # March (the previous month) and April
    after = {m.month: m.computed_at for m in transparency.by_month(session)}
    assert after[date(2026, 1, 1)] == computed[date(2026, 1, 1)]
    assert after[date(2026, 2, 1)] == computed[date(2026, 2, 1)]
    assert after[date(2026, 3, 1)] != computed[date(2026, 3, 1)] and date(2026, 4, 1) in after


def test_no_figures_yet_says_so(client):
    assert "There are no figures yet" in client.get("/transparency").get_data(as_text=True)
    assert client.get("/transparency.csv").get_data(as_text=True).strip() == \
        "month,received,published,rejected,withdrawn,decided,median_wait_seconds,replies"
