"""Changes that are checked: a change planned has a due date and an owner and shows as overdue; a change made can
carry evidence; "no change planned" is an outcome of its own; the author says, through a signed link and without
a password, whether a change made matches what they see (confirm, not yet, dispute), and the link dies with the
story or the account."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.replies.models import CHANGE_MADE, CHANGE_PLANNED, VISIBLE, Change
from app.stories.models import Story
from tests.conftest import link_in, text_of
from tests.replies.loop_helpers import (
    change,
    change_id_from,
    errors_of,
    events,
    in_days,
    kinds,
    make_it,
    mark_made,
    plan,
    signed_in,
    today,
)


@pytest.fixture
def app_overrides() -> dict:
    return {"RESPONDER_MODERATED_REPLIES": 0}  # trusted responders: these tests follow the loop itself


@pytest.fixture
def people(make_user, tree):
    return {
        "author": make_user(email="author@example.org", display_name="Ann Author"),
        "ward": make_user(email="ward@example.org", provider=tree["ward"], job_title="Ward sister",
                          display_name="Sam Staff"),
        "other": make_user(email="other@example.org", provider=tree["other"], display_name="Otto Other"),
        "mod": make_user(email="mod@example.org", moderator=True, display_name="Mo Derator"),
    }


@pytest.fixture
def story(make_story, tree, people):
    return make_story(tree["ward"], author=people["author"], status="published", title="Letters were confusing")


@pytest.fixture
def staff(app, people):
    return signed_in(app, "ward@example.org")


def page(app, story_id: int, email: str | None = None) -> str:
    return signed_in(app, email).get(f"/stories/{story_id}").get_data(as_text=True)


def made_change(app, staff, story, session, smtp_server, deliver, **fields) -> int:
    """A change made, public, and the author's email asking about it delivered."""
    change_id = change_id_from(make_it(staff, story.id, **fields))
    deliver()
    return change_id


def check_link(smtp_server) -> str:
    mail = smtp_server.last_to("author@example.org")
    assert "change made after your story. Does it match what you see?" in mail["Subject"]
    return link_in(mail, "/check/")


# ---------------------------------------------------------------- change planned

def test_a_change_planned_needs_a_due_date_and_an_owner_then_shows_both(app, staff, story, session):
    response = staff.post(f"/stories/{story.id}/changes", data={"kind": "planned", "description": "We will "
                                                                "rewrite the appointment letters."})
    assert response.status_code == 400
    assert "Give the date the change is due" in errors_of(response)
    assert "Say who owns the change" in errors_of(response)
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert session.query(Change).count() == 0
    due = in_days(45)
    change_id = change_id_from(plan(staff, story.id, due_on=due, owner="Outpatients manager"))
    item = change(session, change_id)
    assert (item.kind, item.status, item.due_on.isoformat(), item.owner) == (CHANGE_PLANNED, VISIBLE, due,
                                                                              "Outpatients manager")
    public = page(app, story.id)
    assert f"Due {item.due_on.strftime('%d %B %Y')}" in public and "owned by Outpatients manager" in public
    assert "Overdue" not in public
    assert session.get(Story, story.id).response_status == "change_planned"
    assert kinds(session, story.id)[-1] == "change_planned"
    from sqlalchemy import select

    from app.stories.timeline import StoryEvent
    event = session.scalars(select(StoryEvent).where(StoryEvent.story_id == story.id)
                            .order_by(StoryEvent.at, StoryEvent.id)).all()[-1]
    assert event.detail == {"change_id": change_id, "due_on": due}


def test_odd_due_dates_are_refused_with_a_clear_message(staff, story, session):
    latest = today().replace(year=today().year + 3) if not (today().month == 2 and today().day == 29) \
        else today().replace(year=today().year + 3, day=28)
    cases = {
        "\u0662\u0660\u0662\u0667-\u0660\u0661-\u0660\u0661": "YYYY-MM-DD",  # Arabic-Indic digits
        "\uff12\uff10\uff12\uff17-\uff10\uff11-\uff10\uff11": "YYYY-MM-DD",  # fullwidth digits
        "2027-02-30": "YYYY-MM-DD",
        "99999999999999999999": "YYYY-MM-DD",
        "27/01/2027": "YYYY-MM-DD",
        "9999-12-31": "within 3 years",
        (latest + timedelta(days=1)).isoformat(): "within 3 years",
        "0001-01-01": "cannot be in the past",
        (today() - timedelta(days=1)).isoformat(): "cannot be in the past",
        "": "Give the date the change is due",
    }
    for value, message in cases.items():
        response = plan(staff, story.id, due_on=value)
        assert response.status_code == 400, value
        assert message in errors_of(response), (value, errors_of(response))
    assert session.query(Change).count() == 0
    # The edges: today, and the last day within three years, are both fine.
    assert plan(staff, story.id, due_on=today().isoformat()).status_code == 302
    assert plan(staff, story.id, due_on=latest.isoformat()).status_code == 302


def test_a_planned_change_past_its_due_date_shows_as_overdue_until_it_is_made(app, staff, story, session):
    change_id = change_id_from(plan(staff, story.id, due_on=in_days(2)))
    item = change(session, change_id)
    item.due_on = today() - timedelta(days=1)  # the due date has passed
    session.commit()
    public = page(app, story.id)
    article = public[public.index(f'id="changes-{change_id}"'):]
    assert "Overdue" in article[:article.index("</article>")]
    assert mark_made(staff, story.id, change_id).status_code == 302
    assert "Overdue" not in page(app, story.id)


# ---------------------------------------------------------------- change made, evidence, no change planned

def test_marking_a_planned_change_made_keeps_the_row_and_its_due_date_and_asks_the_author(
        app, staff, story, session, smtp_server, deliver):
    due = in_days(20)
    change_id = change_id_from(plan(staff, story.id, due_on=due))
    deliver()
    smtp_server.clear()
    for bad in ("javascript:alert(1)", "JavaScript:alert(document.cookie)", " javascript:alert(1)",
                "data:text/html,<script>alert(1)</script>", "//evil.example/x", "ftp://files.example/x",
                "http://", "https://exa mple.org/"):
        response = mark_made(staff, story.id, change_id, evidence_url=bad)
        assert response.status_code == 400, bad
        assert "starting http:// or https://" in errors_of(response), bad
    assert change(session, change_id).kind == CHANGE_PLANNED
    response = mark_made(staff, story.id, change_id, evidence="New letters went out in March.",
                         evidence_url="https://www.example.nhs.uk/news/letters")
    assert change_id_from(response) == change_id
    item = change(session, change_id)
    assert (item.kind, item.due_on.isoformat(), item.made_on) == (CHANGE_MADE, due, today())
    assert item.evidence == "New letters went out in March." and item.author_asked_at is not None
    public = page(app, story.id)
    assert "New letters went out in March." in public
    assert re.search(r'<a href="https://www.example.nhs.uk/news/letters" rel="nofollow ugc noopener">', public)
    assert session.get(Story, story.id).response_status == "change_made"
    assert kinds(session, story.id)[-2:] == ["change_planned", "change_made"]
    deliver()
    mail = smtp_server.last_to("author@example.org")
    assert "New letters went out in March." in text_of(mail) and "/check/" in text_of(mail)


def test_a_change_made_directly_asks_the_author_and_a_made_date_in_the_future_is_refused(
        app, staff, story, session, smtp_server, deliver):
    response = make_it(staff, story.id, made_on=in_days(1))
    assert response.status_code == 400 and "cannot be in the future" in errors_of(response)
    response = make_it(staff, story.id, evidence_url="javascript:alert(1)")
    assert response.status_code == 400 and "starting http:// or https://" in errors_of(response)
    change_id = made_change(app, staff, story, session, smtp_server, deliver)
    assert change(session, change_id).due_on is None
    assert f"/changes/{change_id}/check/" in check_link(smtp_server)


def test_no_change_planned_with_a_reason_is_an_outcome_of_its_own(app, staff, story, session, smtp_server, deliver):
    response = staff.post(f"/stories/{story.id}/changes", data={"kind": "none", "description": "No"})
    assert response.status_code == 400 and "Say why no change is planned" in errors_of(response)
    response = staff.post(f"/stories/{story.id}/changes", data={
        "kind": "none", "description": "The letters follow a national template we cannot change."})
    change_id = change_id_from(response)
    assert change(session, change_id).kind == "none"
    assert session.get(Story, story.id).response_status == "no_change_planned"
    assert kinds(session, story.id)[-1] == "no_change_planned"
    public = page(app, story.id)
    assert "No change planned" in public and "national template" in public
    deliver()
    assert "no change planned" in smtp_server.last_to("author@example.org")["Subject"]


# ---------------------------------------------------------------- the author's verdict by signed link

def test_the_author_confirms_a_change_by_the_signed_link_without_signing_in(
        app, staff, story, session, smtp_server, deliver):
    change_id = made_change(app, staff, story, session, smtp_server, deliver)
    browser = app.test_client()  # not signed in: the link is the authority
    link = check_link(smtp_server)
    form = browser.get(link)
    assert form.status_code == 200 and "Does this change match what you see now?" in form.get_data(as_text=True)
    response = browser.post(link, data={"verdict": "confirmed"})
    assert response.status_code == 302
    item = change(session, change_id)
    assert (item.verdict, item.verdict_status) == ("confirmed", VISIBLE)
    assert kinds(session, story.id)[-1] == "confirmed"
    assert "The author confirms this matches what they see." in page(app, story.id)
    assert session.get(Story, story.id).response_status == "change_made"
    # Signed in, the author finds the same page from the story; nobody else is offered it.
    own = page(app, story.id, "author@example.org")
    assert re.search(rf'href="http://localhost/changes/{change_id}/check/[^"]+">Change your answer', own)
    assert "/check/" not in page(app, story.id, "ward@example.org") and "/check/" not in page(app, story.id)


def test_not_yet_reopens_the_story_and_a_later_confirmation_settles_it(
        app, staff, story, session, smtp_server, deliver):
    change_id = made_change(app, staff, story, session, smtp_server, deliver)
    browser = app.test_client()
    link = check_link(smtp_server)
    response = browser.post(link, data={"verdict": "not_yet", "note": "The letters are the same."})
    assert response.status_code == 400 and "Words go with a dispute only" in errors_of(response)
    assert browser.post(link, data={"verdict": "not_yet"}).status_code == 302
    assert change(session, change_id).verdict == "not_yet"
    assert kinds(session, story.id)[-2:] == ["not_yet", "reopened"]
    story_now = session.get(Story, story.id)
    assert story_now.response_status == "responded"  # reopened: the provider answered, the change is not seen
    public = page(app, story.id)
    assert "The author does not see this change yet." in public and "Reopened by the author" in public
    assert browser.post(link, data={"verdict": "confirmed"}).status_code == 302
    assert session.get(Story, story.id).response_status == "change_made"
    assert kinds(session, story.id)[-1] == "confirmed"


def test_a_dispute_needs_words_and_waits_for_a_moderator(app, staff, story, session, smtp_server, deliver):
    change_id = made_change(app, staff, story, session, smtp_server, deliver)
    browser = app.test_client()
    link = check_link(smtp_server)
    response = browser.post(link, data={"verdict": "disputed", "note": ""})
    assert response.status_code == 400 and "Say what you see that does not match" in errors_of(response)
    assert browser.post(link, data={"verdict": "maybe"}).status_code == 400
    assert browser.post(link, data={"verdict": "disputed", "note": "The old letters still arrive."}).status_code \
        == 302
    item = change(session, change_id)
    assert (item.verdict, item.verdict_status) == ("disputed", "pending")
    assert "disputed" not in kinds(session, story.id)  # not public until a moderator checked it
    assert "The old letters still arrive." not in page(app, story.id)
    assert session.get(Story, story.id).response_status == "change_made"


def test_the_link_is_refused_after_the_story_is_withdrawn(app, staff, story, session, smtp_server, deliver,
                                                        people):
    from app.stories.services import withdraw

    change_id = made_change(app, staff, story, session, smtp_server, deliver)
    link = check_link(smtp_server)
    withdraw(session, people["author"], session.get(Story, story.id))
    session.commit()
    browser = app.test_client()
    response = browser.get(link)
    assert response.status_code == 400 and "no longer published" in response.get_data(as_text=True)
    assert browser.post(link, data={"verdict": "confirmed"}).status_code == 400
    assert change(session, change_id).verdict is None


def test_the_link_dies_when_the_account_is_erased_or_its_sessions_end(app, staff, story, session, smtp_server,
                                                                      deliver, people):
    from app.accounts.models import User
    from app.accounts.services import erase

    change_id = made_change(app, staff, story, session, smtp_server, deliver)
    link = check_link(smtp_server)
    author = session.get(User, people["author"].id)
    author.session_version = (author.session_version or 0) + 1  # a password change, say
    session.commit()
    response = app.test_client().post(link, data={"verdict": "confirmed"})
    assert response.status_code == 400 and "no longer valid" in response.get_data(as_text=True)
    erase(session, session.get(User, people["author"].id))
    session.commit()
    assert app.test_client().get(link).status_code == 400
    assert change(session, change_id).verdict is None


def test_a_tampered_link_or_one_for_another_change_is_refused(app, staff, story, session, smtp_server, deliver):
    first = made_change(app, staff, story, session, smtp_server, deliver)
    link = check_link(smtp_server)
    browser = app.test_client()
    assert browser.get(link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]).status_code == 400
    second = change_id_from(make_it(staff, story.id, description="We also changed the reception desk hours."))
    other = link.replace(f"/changes/{first}/", f"/changes/{second}/")
    assert browser.post(other, data={"verdict": "confirmed"}).status_code == 400
    assert browser.get(f"/changes/999999/check/{link.rsplit('/', 1)[1]}").status_code == 400
    assert change(session, second).verdict is None and change(session, first).verdict is None


# ---------------------------------------------------------------- who may act

def test_only_staff_of_the_service_can_plan_mark_made_or_say_not_about_us(app, staff, story, session, people):
    change_id = change_id_from(plan(staff, story.id))
    posts = [
        lambda c: plan(c, story.id),
        lambda c: mark_made(c, story.id, change_id),
        lambda c: c.post(f"/stories/{story.id}/not-about-us", data={"provider": "G1"}),
    ]
    for email, expected in ((None, 302), ("other@example.org", 403), ("author@example.org", 403),
                            ("mod@example.org", 403)):
        client = signed_in(app, email)
        for post in posts:
            response = post(client)
            assert response.status_code == expected, (email, response.status_code)
            if expected == 302:
                assert "/account/login" in response.headers["Location"]
        shown = client.get(f"/stories/{story.id}").get_data(as_text=True)
        assert f"/changes/{change_id}/made" not in shown and "/not-about-us" not in shown
    assert change(session, change_id).kind == CHANGE_PLANNED
    assert "not_about_us" not in kinds(session, story.id)
    assert len([k for k, _ in events(session, story.id) if k == "change_planned"]) == 1
