"""`demo load`: the directory, the people, stories taken through the response loop by the site's own services, and
N stories in every state, keeping the stories' invariants."""
from __future__ import annotations

import csv
import re

from sqlalchemy import func, select

from app.accounts.models import Membership, User
from app.audit import AuditEvent
from app.demo.loop import AUTHOR, FOLLOWERS, SCENES
from app.directory.models import Provider
from app.extensions import clock as app_clock
from app.extensions import db, utcnow
from app.following.models import Follow
from app.insight.changes import overdue
from app.mail.models import OutboxMessage
from app.moderation.models import REROUTE_MOVED, RerouteRequest
from app.replies.models import AWAITING_MODERATION, VISIBLE, Change, Reply
from app.replies.verdicts import waiting_verdicts
from app.stories.models import AWAITING_CONFIRMATION, HIDDEN, PUBLISHED, STATUSES, WITHDRAWN, Story
from app.stories.tags import ensure_tags
from app.stories.timeline import StoryEvent
from app.workdays import working_days_between
from tests.conftest import login
from tests.demo.conftest import STORIES

DEMO_PASSWORD = "storyloop demo password"
SCENE = {scene.key: scene for scene in SCENES}


def load(app, *args: str):
    result = app.test_cli_runner().invoke(args=["demo", "load", *args])
    assert result.exit_code == 0, result.output
    return result


def loop_stories():
    return select(Story).join(User, User.id == Story.author_id).where(User.email.like(AUTHOR.format("%")))


def story_of(session, key: str) -> Story:
    return session.scalar(loop_stories().where(Story.title == SCENE[key].title))


def timeline(session, story: Story) -> list[tuple[str, int | None, str | None, int | None]]:
    """(kind, step, provider code, count), oldest first."""
    rows = session.scalars(select(StoryEvent).where(StoryEvent.story_id == story.id)
                           .order_by(StoryEvent.at, StoryEvent.id))
    return [(e.kind, e.step, e.provider.code if e.provider else None, e.count) for e in rows]


def kinds(session, story: Story) -> list[str]:
    return [kind for kind, *_ in timeline(session, story)]


def mail(session, kind: str, to: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.kind == kind)
    if to is not None:
        stmt = stmt.where(OutboxMessage.to_addr == to)
    return list(session.scalars(stmt))


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return " ".join(response.get_data(as_text=True).split())


def progress(html: str) -> str:
    """The story page's Progress list as text."""
    start = html.index('id="timeline-title"')
    return re.sub(r"<[^>]+>", "", html[start:html.index("</ol>", start)])


def test_demo_load_makes_a_directory_people_and_stories_in_every_state(demo, loaded_demo, client):
    session = demo
    assert f"{STORIES} stories added" in loaded_demo.output
    assert f"{len(SCENES)} stories taken through the response loop" in loaded_demo.output
    assert session.scalar(select(func.count(Provider.id))) >= 30
    assert session.scalar(select(func.count(Membership.id))) >= 3
    looped = {story.id for story in session.scalars(loop_stories())}
    assert len(looped) == len(SCENES)
    statuses = dict(session.execute(select(Story.status, func.count()).where(Story.id.not_in(looped))
                                    .group_by(Story.status)).all())
    assert set(statuses) == set(STATUSES)
    assert sum(statuses.values()) == STORIES
    for story in session.scalars(select(Story)):
        assert 50 <= len(story.body) <= 10_000
        if story.status in (PUBLISHED, HIDDEN):
            assert story.published_at is not None and story.criticality is not None
        if story.status == AWAITING_CONFIRMATION:
            assert story.queued_at is None and story.published_at is None
        if story.status == WITHDRAWN:
            assert story.withdrawn_at is not None
    # Some published stories have replies, changes and answers, and their status says so.
    assert session.scalar(select(func.count(Reply.id)).where(Reply.kind == "staff")) > 0
    assert session.scalar(select(func.count(Reply.id)).where(Reply.kind == "author")) > 0
    assert session.scalar(select(func.count(Change.id))) > 0
    for story in session.scalars(select(Story).where(Story.first_reply_at.isnot(None))):
        assert story.status in (PUBLISHED, HIDDEN, WITHDRAWN) and story.response_status != "awaiting_response"
        assert story.first_reply_at > story.published_at
    # The demo people can log in with the documented password.
    login(client, "moderator@example.org", DEMO_PASSWORD)
    assert client.get("/moderation/").status_code == 200


def test_demo_load_if_empty_leaves_a_database_with_data_alone(app, session, make_provider):
    make_provider(code="X1")
    result = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0 and "not loaded" in result.output
    assert session.scalar(select(func.count(Provider.id))) == 1
    assert session.scalar(select(func.count(User.id))) == 0


# ---------------------------------------------------------------- the response loop in the demo
# `demo` (tests/demo/conftest.py) is this test's own copy of one `demo load --stories 400`.

def test_a_story_nobody_answered_reminded_its_staff_and_waits_for_the_escalation(demo, client):
    story = story_of(demo, "reminded")
    assert story.response_status == "awaiting_response" and story.first_reply_at is None
    assert kinds(demo, story) == ["published", "alerted", "reminded"]
    assert timeline(demo, story)[2] == ("reminded", 1, "RDM01-W02", 1)  # the ward's one member of staff
    reminder = demo.scalar(select(StoryEvent).where(StoryEvent.story_id == story.id, StoryEvent.kind == "reminded"))
    assert working_days_between(story.published_at, reminder.at) == 5  # REMINDER_WORKING_DAYS, to the day
    assert any(story.title in m.subject for m in mail(demo, "reminder.story", "ward7@example.org"))
    assert "Staff of Ward 7 (Acute Medicine) reminded (1 person)" in progress(page(client, f"/stories/{story.id}"))


def test_a_story_nobody_answered_escalated_up_the_tree_to_its_top(demo, client):
    story = story_of(demo, "escalated")
    assert story.response_status == "awaiting_response" and story.first_read_at is not None
    steps = [row for row in timeline(demo, story) if row[0] in ("reminded", "escalated")]
    # The ward's staff, then the hospital (nobody registered: its contact address, invited), then the trust's
    # manager; the trust is the top of the tree, so the chain ends there.
    assert steps == [("reminded", 1, "RDM01-W02", 1), ("escalated", 2, "RDM01", 1), ("escalated", 3, "RDM", 1)]
    assert any(story.title in m.subject for m in mail(demo, "reminder.contact", "feedback+rdm01@example.org"))
    assert any(story.title in m.subject for m in mail(demo, "reminder.escalation", "pxlead@example.org"))
    words = progress(page(client, f"/stories/{story.id}"))
    assert "Read by staff of Ward 7" in words
    assert "Escalated to Riverside General Hospital: 1 person told" in words
    assert "Escalated to Riverside Health NHS Foundation Trust: 1 person told" in words
    assert words.index("reminded") < words.index("Escalated to Riverside General") < words.index(
        "Escalated to Riverside Health")


def test_a_change_planned_made_and_confirmed_by_its_author(demo, client):
    story = story_of(demo, "confirmed")
    assert kinds(demo, story) == ["published", "alerted", "reminded", "escalated", "first_read", "replied",
                                  "change_planned", "change_due_reminded", "change_made", "confirmed"]
    change = demo.scalar(select(Change).where(Change.story_id == story.id))
    assert (change.kind, change.verdict, change.verdict_status) == ("made", "confirmed", VISIBLE)
    assert change.due_on and change.owner == "Ward 7 manager" and change.evidence and change.evidence_url
    assert change.made_on < change.due_on and story.response_status == "change_made"
    # The author was asked by the signed link, and answered through it (no password).
    assert mail(demo, "change.check", story.author.email)
    html = page(client, f"/stories/{story.id}")
    assert "The author confirms this matches what they see." in html
    assert "The author confirmed the change matches what they see" in progress(html)
    assert SCENE["confirmed"].title in page(client, "/providers/RDM/changes")  # "You said, we did"


def test_a_planned_change_past_its_due_date_is_overdue(demo, client):
    story = story_of(demo, "overdue")
    change = demo.scalar(select(Change).where(Change.story_id == story.id))
    assert change.kind == "planned" and change.status == VISIBLE and change.due_on < utcnow().date()
    assert kinds(demo, story)[-3:] == ["change_due_reminded", "change_due_reminded", "change_overdue"]
    assert len(mail(demo, "reminder.change", "ward7@example.org")) >= 2  # a week before and on the day
    ward = demo.scalar(select(Provider).where(Provider.code == "RDM01-W02"))
    assert overdue(demo, [ward.id], utcnow().date()) == 1
    assert "Overdue" in page(client, f"/stories/{story.id}")
    for code in ("RDM01-W02", "RDM"):  # the ward, and rolled up at its trust
        html = page(client, f"/providers/{code}")
        shown = re.search(r"Planned changes past their due date</dt> ?<dd>(\d+)</dd>", html)
        assert shown and int(shown.group(1)) >= 1


def test_a_dispute_a_moderator_checked_shows_and_reopened_the_story(demo, client):
    story = story_of(demo, "disputed")
    change = demo.scalar(select(Change).where(Change.story_id == story.id))
    assert (change.verdict, change.verdict_status) == ("disputed", VISIBLE)
    assert kinds(demo, story)[-3:] == ["change_made", "disputed", "reopened"]
    assert story.response_status == "responded"  # no longer counted as made
    assert demo.scalar(select(AuditEvent.id).where(AuditEvent.action == "change.verdict_published",
                                                   AuditEvent.story_id == story.id))
    html = page(client, f"/stories/{story.id}")
    assert "The author disputes this change." in html and "partners were still asked to leave at nine" in html
    assert "Reopened by the author" in progress(html)


def test_a_dispute_still_waits_in_the_moderation_queue_and_is_not_public(demo, client):
    story = story_of(demo, "dispute-waiting")
    change = demo.scalar(select(Change).where(Change.story_id == story.id))
    assert (change.verdict, change.verdict_status) == ("disputed", AWAITING_MODERATION)
    assert change in waiting_verdicts(demo)
    assert "disputed" not in kinds(demo, story) and story.response_status == "change_made"
    words = "the old beds are still there"
    assert words not in page(client, f"/stories/{story.id}")
    login(client, "moderator@example.org", DEMO_PASSWORD)
    queue = page(client, "/moderation/")
    assert f'id="dispute-{change.id}"' in queue and words in queue


def test_a_story_not_about_its_service_was_moved_and_the_new_service_alerted(demo, client):
    story = story_of(demo, "rerouted")
    assert story.provider.code == "RDM01-W05"
    assert timeline(demo, story)[:4] == [("published", 0, None, None), ("alerted", None, "Y10001", 1),
                                         ("first_read", 0, "Y10001", None), ("not_about_us", None, "Y10001", None)]
    assert timeline(demo, story)[4:] == [("rerouted", None, "RDM01-W05", None), ("alerted", None, "RDM01-W05", 1),
                                         ("replied", 0, "RDM", None)]
    request = demo.scalar(select(RerouteRequest).where(RerouteRequest.story_id == story.id))
    assert request.outcome == REROUTE_MOVED and request.decided_by.email == "moderator@example.org"
    assert any(story.title in m.subject for m in mail(demo, "alert.story", "pxlead@example.org"))
    assert mail(demo, "reroute.decided", "practice@example.org")
    words = progress(page(client, f"/stories/{story.id}"))
    assert "Market Street Surgery said the story is not about them" in words
    assert "Moved to Outpatients" in words and "Outpatients alerted: 1 person told" in words


def test_no_change_planned_is_an_outcome_of_its_own(demo, client):
    story = story_of(demo, "no-change")
    assert story.response_status == "no_change_planned"
    assert kinds(demo, story)[-1] == "no_change_planned"
    html = page(client, f"/stories/{story.id}")
    assert "No change planned" in html and "Market Street Surgery plans no change, and said why" in progress(html)


def test_an_author_who_does_not_see_the_change_yet_reopened_the_story(demo, client):
    story = story_of(demo, "reopened")
    change = demo.scalar(select(Change).where(Change.story_id == story.id))
    assert (change.kind, change.verdict, change.verdict_status) == ("made", "not_yet", VISIBLE)
    assert kinds(demo, story)[-3:] == ["change_made", "not_yet", "reopened"]
    assert story.response_status == "responded"
    assert "The author does not see this change yet." in page(client, f"/stories/{story.id}")


def test_readers_said_me_too_and_addresses_follow_services(demo, client):
    for scene in SCENES:
        assert story_of(demo, scene.key).me_too_count == scene.me_too
    story = story_of(demo, "escalated")
    assert f"<strong>{SCENE['escalated'].me_too}</strong> people said this happened to them too" in \
        page(client, f"/stories/{story.id}")
    follows = {(f.provider.code, f.email): f.confirmed_at is not None for f in demo.scalars(select(Follow))}
    assert follows == {(code, email): confirmed for code, email, confirmed in FOLLOWERS}
    assert len(mail(demo, "follow.confirm")) == len(FOLLOWERS)
    assert "follower-1@example.org" not in page(client, "/providers/RDM01-W02")


def test_every_step_went_through_the_services_with_its_audit_rows_and_mail(demo):
    looped = [story.id for story in demo.scalars(loop_stories())]
    actions = set(demo.scalars(select(AuditEvent.action).where(AuditEvent.story_id.in_(looped))))
    assert {"story.told", "story.confirmed", "story.published", "reply.added", "reply.published", "change.planned",
            "change.published", "change.made", "change.marked_made", "change.none", "change.verdict",
            "change.verdict_published", "story.not_about_us", "story.reroute_confirmed"} <= actions
    # Every loop story was told, confirmed through its emailed link and published.
    for story in demo.scalars(loop_stories()):
        # Staff are alerted; a service with no staff registered at it or above it (the care home, the crisis team)
        # has its contact address invited to respond.
        assert story.status == PUBLISHED and kinds(demo, story)[0] == "published"
        staffed = story.provider.code.startswith(("RDM", "Y10001", "CGW"))
        assert kinds(demo, story)[1] == ("alerted" if staffed else "invited"), story.title
        assert story.author.email_confirmed_at is not None
    assert len(mail(demo, "story.confirm")) == len(SCENES)
    # Every step lies in the past, in order; the clock runs again after the load.
    now = utcnow()
    assert not app_clock.frozen
    assert demo.scalar(select(func.max(StoryEvent.at))) <= now
    # The aggregates were kept by the services: the trust's figures count the loop's changes.
    from app.insight.services import insight
    figures = insight(demo, demo.scalar(select(Provider).where(Provider.code == "RDM"))).this_year
    assert figures.changes_made >= 3


def test_public_pages_of_the_demo_answer(demo, client):
    for story in demo.scalars(loop_stories()):
        html = page(client, f"/stories/{story.id}")
        assert story.author.email not in html
    for path in ("/", "/stories", "/providers/RDM", "/providers/RDM01-W02", "/providers/Y10001",
                 "/providers/RDM/changes", "/compare?kind=department", f"/api/v1/stories/{story.id}"):
        assert client.get(path).status_code == 200, path


def test_the_dataset_of_the_demo_is_valid_and_carries_the_loop(demo, app, tmp_path):
    from frictionless import Package

    out = tmp_path / "ds"
    result = app.test_cli_runner().invoke(args=["dataset", "export", str(out)])
    assert result.exit_code == 0, result.output
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    with open(out / "changes.csv", encoding="utf-8", newline="") as f:
        described = {row["description"] for row in csv.DictReader(f)}
    for key in ("confirmed", "overdue", "disputed", "reopened", "no-change"):
        story = story_of(demo, key)
        assert demo.scalar(select(Change.description).where(Change.story_id == story.id)) in described
    # story_events.csv comes with the loop's open data (the `events` branch): once it is in the package, it carries
    # every step the demo took.
    if (out / "story_events.csv").exists():
        with open(out / "story_events.csv", encoding="utf-8", newline="") as f:
            exported = {row["kind"] for row in csv.DictReader(f)}
        assert {"reminded", "escalated", "rerouted", "change_overdue", "confirmed", "disputed", "not_yet",
                "reopened", "no_change_planned"} <= exported
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8") if path.suffix in (".csv", ".json", ".ndjson", ".md") else ""
        assert "@example.org" not in text, path.name  # no author, staff or follower address


def test_a_second_load_adds_stories_but_not_the_loop_again(demo, app):
    before = demo.scalar(select(func.count(Story.id)))
    result = load(app, "--stories", "5")
    assert "taken through the response loop" not in result.output
    assert demo.scalar(select(func.count(Story.id))) == before + 5
    assert len(list(demo.scalars(loop_stories()))) == len(SCENES)


def test_the_loop_is_the_same_on_every_load_and_leaves_a_stopped_clock_where_it_was(app, session, clock):
    stopped = clock.now()

    def snapshot() -> list:
        rows = []
        for story in session.scalars(loop_stories().order_by(Story.id)):
            rows.append((story.title, story.provider.code, story.response_status, story.me_too_count,
                         story.published_at, [(e.kind, e.step, e.provider_id, e.count, e.at) for e in session.scalars(
                             select(StoryEvent).where(StoryEvent.story_id == story.id).order_by(StoryEvent.id))]))
        return rows

    load(app, "--stories", "0")
    assert clock.now() == stopped
    first = snapshot()
    assert len(first) == len(SCENES)
    session.remove()
    db.drop_all()
    db.create_all()
    ensure_tags(db.session)
    db.session.commit()
    load(app, "--stories", "0")
    assert snapshot() == first
