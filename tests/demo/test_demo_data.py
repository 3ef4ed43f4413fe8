"""The loaded demo is data a newcomer believes and a pipeline can trust: every story's title, text, tags, criticality,
language and replies agree (tests/demo/coherence.py reads them from the words, not from the corpus), Welsh stories
are told in Welsh about services in Wales, every route appears, and nothing is dated after the moment of loading."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit import AuditEvent
from app.demo.cli import WALES
from app.demo.loop import AUTHOR
from app.directory.services import ancestors
from app.extensions import db
from app.replies.models import Change, Reply
from app.stories.models import ASSISTED, EASY_READ, PAPER, PHONE, PUBLISHED, ROUTES, Story
from tests.demo.coherence import Told, language_of, problems, title_tone, tone


def told(session, story: Story) -> Told:
    replies = list(session.scalars(select(Reply.body).where(Reply.story_id == story.id, Reply.kind == "staff")))
    return Told(story.title, story.body, [(t.slug, t.kind) for t in story.tags], story.criticality, story.language,
                replies)


def all_stories(session) -> list[Story]:
    return list(session.scalars(select(Story).options(selectinload(Story.tags), selectinload(Story.provider))
                                .order_by(Story.id)))


# ---------------------------------------------------------------- the checks themselves fail on incoherent data

def test_the_checks_reject_the_stories_the_old_demo_wrote():
    # Issue #21's examples: a title of praise over hours of waiting, tags drawn at random, a severe rating on thanks,
    # and a reply that thanks for kind words.
    waiting = Told("Could not fault the care",
                   "We waited nearly six hours before anyone saw us, with no updates at all. The discharge was "
                   "arranged in a hurry and the medicines were not ready for hours.",
                   [("good-food", "good"), ("improve-parking", "improve")], 0,
                   replies=["Thank you for your kind words. I have passed them on to the team."])
    found = problems(waiting)
    assert any("good-food" in p for p in found) and any("improve-parking" in p for p in found)
    assert any("reply answers none" in p for p in found)
    thanks = Told("Thank you to the maternity team",
                  "The midwives were kind and took time to explain what was happening at every step.",
                  [("good-kindness", "good")], 5, replies=["I am sorry to read this."])
    found = problems(thanks)
    assert any("criticality 5" in p for p in found) and any("apologises" in p for p in found)
    praised = Told("Excellent care, thank you", "We waited six hours and nobody explained the plan.",
                   [("improve-waiting", "improve")], 4, replies=["Thank you for your kind words about the wait."])
    found = problems(praised)
    assert any("praising title" in p for p in found) and any("thanks for praise" in p for p in found)
    english_as_welsh = Told("Diolch", "The nurses were kind and explained everything to us.",
                            [("good-kindness", "good")], 0, language="cy")
    assert any("told in cy" in p for p in problems(english_as_welsh))
    assert title_tone("Could not fault the care") == "praise" and title_tone("Kind staff, long wait") is None
    assert language_of("Roedd y nyrsys yn garedig iawn ac fe esbonion nhw bopeth.") == "cy"


# ---------------------------------------------------------------- the loaded demo

def test_every_demo_story_holds_together(demo):
    stories = all_stories(demo)
    assert len(stories) > 400
    wrong = {f"{s.id} {s.title!r}": found for s in stories if (found := problems(told(demo, s)))}
    assert not wrong, wrong
    # Each tone is there, and the ratings use the whole scale.
    published = [s for s in stories if s.criticality is not None]
    assert {tone(told(demo, s)) for s in published} == {"good", "mixed", "poor"}
    assert {s.criticality for s in published} == set(range(6))


def test_a_story_keeps_its_own_tags_and_reply_across_a_thousand_more(demo, app):
    """Many stories come from few units: what varies never crosses from one story into another."""
    result = app.test_cli_runner().invoke(args=["demo", "load", "--stories", "1000"])
    assert result.exit_code == 0, result.output
    wrong = Counter(p for s in all_stories(demo) for p in problems(told(demo, s)))
    assert not wrong, wrong.most_common(10)


def test_welsh_stories_are_in_welsh_about_services_in_wales(demo, client):
    welsh = [s for s in all_stories(demo) if s.language == "cy"]
    assert len(welsh) >= 20
    for story in welsh:
        codes = {story.provider.code, *(p.code for p in ancestors(demo, story.provider))}
        assert codes & set(WALES), (story.title, story.provider.code)
        assert language_of(story.body) == "cy" and language_of(story.title + " " + story.body) == "cy"
    replied = [s for s in welsh if s.first_reply_at is not None]
    assert replied, "some Welsh stories have a reply"
    for story in replied:
        for body in demo.scalars(select(Reply.body).where(Reply.story_id == story.id, Reply.kind == "staff")):
            assert language_of(body) == "cy", body
    # The loop's Welsh story was told through the telling service in Welsh, and its author mailed in Welsh.
    loop_welsh = demo.scalar(select(Story).join(User, User.id == Story.author_id)
                             .where(User.email.like(AUTHOR.format("%")), Story.language == "cy"))
    assert loop_welsh is not None and loop_welsh.status == PUBLISHED
    html = client.get(f"/stories/{loop_welsh.id}").get_data(as_text=True)
    assert "Diolch yn fawr am eich geiriau caredig" in html


def test_every_route_appears_and_who_entered_a_story_stays_private(demo, client):
    stories = all_stories(demo)
    assert {s.route for s in stories} == set(ROUTES)
    for story in stories:
        if story.route in (ASSISTED, PHONE, PAPER):
            assert story.entered_by is not None and (story.entered_by.is_story_taker or story.entered_by.is_moderator)
        else:
            assert story.entered_by_id is None
    # The loop's entered stories went through the assisted-telling service, which records who entered them.
    entered = set(demo.scalars(select(AuditEvent.story_id).where(AuditEvent.action == "story.entered_for_someone")))
    looped = {s.id: s for s in demo.scalars(select(Story).join(User, User.id == Story.author_id)
                                             .where(User.email.like(AUTHOR.format("%"))))}
    assert {s.route for s in looped.values()} == set(ROUTES)
    assert {sid for sid, s in looped.items() if s.route in (ASSISTED, PHONE, PAPER)} <= entered
    for story in looped.values():
        if story.route != "web":
            html = client.get(f"/stories/{story.id}").get_data(as_text=True)
            assert str(ROUTES[story.route]) in html
            assert "storytaker@example.org" not in html and "Rhian Hughes" not in html
    assert any(s.route == EASY_READ and s.language == "en" for s in stories)


def _datetime_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            try:
                kind = column.type.python_type
            except NotImplementedError:
                continue
            if kind in (dt.datetime, dt.date):
                yield table, column


def test_nothing_in_any_table_is_dated_after_the_load(demo, loaded_demo):
    """Every datetime and date column of every table, after `demo load` with the app's clock stopped at one
    moment: replies, changes, events, mail, figures, follows, job runs, the stories' own dates."""
    moment = loaded_demo.loaded_at
    checked, late = 0, []
    for table, column in _datetime_columns():
        latest = demo.scalar(select(func.max(column)))
        if latest is None:
            continue
        checked += 1
        limit = moment if isinstance(latest, dt.datetime) else moment.date()
        if latest > limit:
            late.append(f"{table.name}.{column.name} = {latest}")
    assert not late, f"dated after the load at {moment}: {late}"
    assert checked >= 30  # the scan saw the demo's tables, not an empty database


def test_a_storys_updated_at_is_its_last_change(demo):
    looped = set(demo.scalars(select(Story.id).join(User, User.id == Story.author_id)
                              .where(User.email.like(AUTHOR.format("%")))))
    replies: dict[int, list] = {}
    for sid, created, published in demo.execute(select(Reply.story_id, Reply.created_at, Reply.published_at)):
        replies.setdefault(sid, []).extend(t for t in (created, published) if t)
    changes: dict[int, list] = {}
    for sid, created in demo.execute(select(Change.story_id, Change.created_at)):
        changes.setdefault(sid, []).append(created)
    moved = 0
    for story in demo.scalars(select(Story)):
        moments = [story.published_at or story.submitted_at, *replies.get(story.id, []),
                   *changes.get(story.id, []), *([story.withdrawn_at] if story.withdrawn_at else [])]
        assert story.updated_at >= max(moments), story.id
        if story.id not in looped:
            # Nothing else happens to a bulk story: its last change is exactly one of these.
            assert story.updated_at == max(moments), story.id
        moved += story.updated_at > (story.published_at or story.submitted_at)
        if story.first_reply_at is not None and story.id not in looped:
            # (A loop story's first reply may wait for a moderator: it counts from when it was let through.)
            first = demo.scalar(select(func.min(Reply.created_at)).where(Reply.story_id == story.id,
                                                                         Reply.kind == "staff"))
            assert story.first_reply_at == first, story.id
    assert moved >= 50  # replies and changes did move it, on many stories


def test_every_demo_service_has_the_service_type_an_import_would_give(demo, loaded_demo, client):
    """Found by a black-box check: no demo provider had a service type, so the API's service_type filter and the
    dataset's column were empty on the data an evaluator tries first."""
    from app.directory.models import Provider

    typed = dict(demo.execute(select(Provider.code, Provider.service_type)).all())
    assert all(typed[code] == "gp_practice" for code in ("Y10001", "Y10002", "Y10003", "W10001"))
    assert typed["CH0001"] == typed["CW0001"] == "care_home"
    assert typed["RDM01-W01"] == typed["CGW01-W01"] == "emergency_department"
    assert typed["RDM01-W03"] == typed["CGW01-W03"] == "maternity"
    assert typed["CMH01-W01"] == "mental_health"
    codes = [p["code"] for p in client.get("/api/v1/providers?service_type=gp_practice").get_json()["data"]]
    assert sorted(codes) == ["W10001", "Y10001", "Y10002", "Y10003"]
