"""The response loop in the demo: a few stories taken through it step by step by the services the site uses.

Each story is told and confirmed through its author's emailed link, published by the demo moderator, then read,
answered, reminded, escalated, moved, changed and checked as on the live site: by the same service functions, with
the app's clock (app.extensions.clock, which every service reads) set back to the moment of each step, and the
scheduled job "reminders" run each working day at 07:00 over the weeks the stories cover. Their timeline events, audit
rows, outbox mail and monthly figures are therefore the ones the site itself writes. Dates count back from today in
working days, so each story is at the same stage of its loop whatever day the demo is loaded (with the default
REMINDER_WORKING_DAYS and ESCALATE_WORKING_DAYS); nothing is random.

The steps of all the stories run in time order, so the daily job sees them as the worker would have.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.directory.services import find_by_code
from app.extensions import clock
from app.following import services as following
from app.mail.models import OutboxMessage
from app.moderation import conversation, disputes, reroutes
from app.moderation.services import Publication, publish
from app.replies import services as replies
from app.replies.changes import add_change, mark_made
from app.replies.models import (
    AWAITING_MODERATION,
    CHANGE_MADE,
    CHANGE_PLANNED,
    CONFIRMED,
    DISPUTED,
    NO_CHANGE,
    NOT_YET,
    Change,
)
from app.replies.reminders import send_due
from app.replies.verdicts import change_from_link, record_verdict
from app.stories import services as stories
from app.stories.assisted import enter_story
from app.stories.models import ASSISTED, EASY_READ, PAPER, PHONE, WEB, Story
from app.stories.queries import count_me_too
from app.workdays import add_working_days, is_working_day, region_code

MODERATOR = "moderator@example.org"
TOM = "ward7@example.org"        # responder at Ward 7 (RDM01-W02)
PRIYA = "pxlead@example.org"     # manager at the trust (RDM), so for every ward of it
JO = "practice@example.org"      # manager at Market Street Surgery (Y10001)
CARYS = "cwmgwyrdd@example.org"  # manager at the Cwm Gwyrdd health board (CGW), in Wales
TAKER = "storytaker@example.org"  # a story taker: enters stories people tell her, by phone or in person
AUTHOR = "loop-author-{}@example.org"
# The reminders job runs every five minutes on a live site; here once each working day, at 07:00, which writes the
# same steps (a story waits only on working days, and every due date here falls on one).
JOB_HOUR = time(7, 0)
MODERATED_AFTER = timedelta(minutes=20)  # a moderator lets a waiting reply or change through this much later

# Kinds of step. A staff step's reply or change waits for a moderator while its writer is new
# (RESPONDER_MODERATED_REPLIES): the demo moderator lets it through MODERATED_AFTER later.
READ, REPLY, PLAN, MADE, MARK_MADE, NONE = "read", "reply", "plan", "made", "mark_made", "none"
VERDICT, UPHOLD, NOT_ABOUT_US, MOVE = "verdict", "uphold", "not_about_us", "move"


@dataclass(frozen=True)
class Act:
    """One step of a story, `day` working days after its publication, at `at` (UTC)."""

    day: int
    kind: str
    who: str = ""          # the staff member acting
    text: str = ""         # reply, change, evidence, the author's words or the moderator's reason
    say: str = ""          # a verdict: confirmed, not_yet or disputed
    at: time = time(10, 0)
    due: int = 0           # a planned change: due this many working days after publication
    owner: str = ""
    url: str = ""          # evidence link of a change made
    code: str = ""         # not about us: the service the story is about


@dataclass(frozen=True)
class Scene:
    """A story and what happens to it. `age`: working days from its publication to today."""

    key: str
    provider: str
    title: str
    body: str
    age: int
    acts: tuple[Act, ...] = ()
    role: str = "patient"
    public_name: str = "Anonymous"
    tags: tuple[str, ...] = ()
    criticality: int = 2
    me_too: int = 0
    language: str = "en"
    route: str = WEB       # how it came: a story taker or a moderator enters the assisted, paper and phone ones


SCENES: tuple[Scene, ...] = (
    Scene("reminded", "RDM01-W02", "Waited all night for a bed on the ward",
          "I was sent up to Ward 7 from A&E at ten in the evening and spent the whole night on a trolley in the "
          "corridor. Nobody could tell me when a bed would be free, and I did not sleep at all. The nurses were "
          "kind when they had a moment, but they clearly had far too many patients.",
          age=7, tags=("improve-waiting", "improve-staffing"), criticality=3, me_too=3),
    Scene("escalated", "RDM01-W02", "Nobody answered the call bell",
          "My father pressed the call bell for forty minutes one night because he needed the toilet. In the end he "
          "tried to get up on his own and nearly fell. It took away his dignity. When I raised it the next day, "
          "the nurse in charge said they were two staff short. I want to know what will be done so this does not "
          "happen to someone else.",
          age=20, role="relative", public_name="Worried daughter", tags=("improve-staffing", "improve-dignity"),
          criticality=4, me_too=11,
          acts=(Act(2, READ, TOM, at=time(8, 40)),)),
    Scene("confirmed", "RDM01-W02", "Nobody told us the plan for the day",
          "Mum was on the ward for nine days. Every morning we asked what the plan was and every morning the answer "
          "was that the doctors had not been round yet. We only found out she was going home when the transport "
          "arrived. The nurses were kind, but the not knowing was exhausting.",
          age=30, role="relative", public_name="A carer", tags=("improve-communication", "good-kindness"),
          criticality=2, me_too=2,
          acts=(Act(11, READ, TOM, at=time(9, 10)),
                Act(11, REPLY, TOM, "Thank you for telling us, and I am sorry your family spent nine days not "
                    "knowing the plan. You are right that this is exhausting. I have shared your story with the "
                    "whole ward team.", at=time(9, 30)),
                Act(11, PLAN, TOM, "We will hold a short huddle at four every afternoon so that every patient and "
                    "their family hears the plan for the next day.", at=time(11, 0), due=25,
                    owner="Ward 7 manager"),
                Act(23, MARK_MADE, TOM, "The four o'clock huddle now happens every day, and the plan for each "
                    "patient is written on the board by their bed.", at=time(15, 0),
                    url="https://rdm.example.org/ward-7/daily-plan"),
                Act(24, VERDICT, say=CONFIRMED, at=time(19, 30)))),
    Scene("overdue", "RDM01-W02", "Medicines took five hours at discharge",
          "I was told I could go home at eleven in the morning, then waited until after four for my tablets to come "
          "up from pharmacy. My lift had to leave and come back. Everyone was apologetic but nobody could speed it "
          "up.",
          age=24, tags=("improve-discharge", "improve-waiting"), criticality=2, me_too=6,
          acts=(Act(1, REPLY, TOM, "I am sorry you waited so long for your medicines. We are looking at how we "
                    "order them so they are ready when people are told they can go home.", at=time(10, 0)),
                Act(1, PLAN, TOM, "Discharge medicines will be ordered the day before a planned discharge, so they "
                    "are on the ward in the morning.", at=time(11, 0), due=12, owner="Ward 7 pharmacist lead"))),
    Scene("disputed", "RDM01-W03", "Partners sent home at night",
          "After our daughter was born my partner was sent home at nine in the evening and I was left alone with a "
          "newborn after a long labour. I could barely stand. The midwives were lovely but there were so few of "
          "them on the postnatal ward at night.",
          age=22, role="patient", public_name="Proud mum", tags=("improve-staffing", "good-kindness"),
          criticality=3, me_too=4,
          acts=(Act(1, READ, PRIYA, at=time(9, 0)),
                Act(1, REPLY, PRIYA, "Congratulations on your daughter, and thank you for telling us about your "
                    "first night. I am sorry you felt alone, and that there were so few midwives at night.",
                    at=time(9, 30)),
                Act(2, MADE, PRIYA, "Partners can now stay overnight on the postnatal ward, with a reclining chair "
                    "by every bed.", at=time(14, 0),
                    url="https://rdm.example.org/maternity/partners"),
                Act(4, VERDICT, say=DISPUTED, text="I went back for my six-week check: partners were still asked "
                    "to leave at nine, and there were no chairs by the beds.", at=time(20, 15)),
                Act(5, UPHOLD, at=time(10, 30)))),
    Scene("dispute-waiting", "RDM01-W04", "No bed for parents on the children's ward",
          "Our son was in for three nights with a chest infection. There was nowhere for a parent to sleep except "
          "a hard chair, and we were told the fold-out beds were all broken. The nurses were kind and brilliant "
          "with him.",
          age=9, role="parent", public_name="Sam", tags=("good-kindness", "improve-cleanliness"),
          criticality=1, me_too=1,
          acts=(Act(1, REPLY, PRIYA, "Thank you for your story, and I am glad your son is better. Parents should "
                    "be able to rest beside their child, and the broken beds should have been replaced long ago.",
                    at=time(10, 0)),
                Act(2, MADE, PRIYA, "We have bought twelve new fold-out beds for the children's ward.",
                    at=time(13, 0)),
                Act(6, VERDICT, say=DISPUTED, text="A friend's child was on the ward this week and she slept on "
                    "a chair again: the old beds are still there.", at=time(21, 0)))),
    Scene("reopened", "RDM01-W02", "Cold food on the ward every day",
          "The food on the ward arrived cold at almost every meal for the week I was there. By the time the "
          "trolley reached the far bay it had been standing for half an hour. Staff did their best to reheat it.",
          age=28, tags=("improve-food",), criticality=2, me_too=5,
          acts=(Act(2, REPLY, TOM, "Thank you for this. Cold food is not acceptable and I have raised it with our "
                    "catering team.", at=time(10, 0)),
                Act(2, PLAN, TOM, "A second heated trolley will serve the far bays, so no meal stands waiting.",
                    at=time(11, 0), due=12, owner="Ward 7 housekeeper"),
                Act(10, MARK_MADE, TOM, "The second heated trolley has been in use since Monday.", at=time(16, 0)),
                Act(12, VERDICT, say=NOT_YET, at=time(18, 45)))),
    Scene("rerouted", "Y10001", "Lost referral letter",
          "My GP referred me to the hospital outpatient clinic in the spring and I heard nothing for four months. "
          "When I rang, the clinic said they had never received the letter, and the referral had to start again.",
          age=25, tags=("improve-appointments", "improve-information"), criticality=2,
          acts=(Act(1, READ, JO, at=time(9, 0)),
                Act(1, NOT_ABOUT_US, JO, "Our records show the referral was sent and received; the letters are "
                    "handled by the hospital's outpatient booking.", at=time(9, 20), code="RDM01-W05"),
                Act(2, MOVE, text="The referral letters are handled by the outpatient booking team.",
                    at=time(11, 0)),
                Act(3, REPLY, PRIYA, "I am sorry your referral was lost and you waited four months. Our outpatient "
                    "team now confirms each referral it receives by text.", at=time(14, 0)))),
    Scene("no-change", "Y10001", "Could not get through on the phone at eight",
          "Every morning at eight the line is engaged, and by the time I get through all the appointments are gone. "
          "I work shifts and cannot keep ringing.",
          age=18, tags=("improve-appointments",), criticality=2,
          acts=(Act(2, REPLY, JO, "Thank you for telling us. I understand how frustrating the eight o'clock rush "
                    "for appointments is.", at=time(10, 0)),
                Act(2, NONE, JO, "We are not changing the phone system this year: we moved to a new one in "
                    "January. Appointments can also be booked online at any time, and a third of ours now are.",
                    at=time(11, 0)))),
    Scene("welsh", "CGW01-W01", "Cefais fy ngweld yn gyflym ac yn garedig",
          "Es i i'r Adran Achosion Brys gyda phoen yn fy mrest yn hwyr un nos Sul. Ces i fy ngweld o fewn ugain "
          "munud, ac fe esboniodd y nyrs bob prawf cyn ei wneud. Roedd pawb yn garedig ac yn dawel, er bod yr "
          "adran yn brysur iawn. Diolch o galon i chi i gyd.",
          age=12, tags=("good-quick", "good-kindness"), criticality=0, language="cy", public_name="Gwyn",
          acts=(Act(2, REPLY, CARYS, "Diolch yn fawr am eich geiriau caredig. Mae'n dda clywed eich bod wedi cael "
                    "eich gweld yn gyflym, ac rydw i wedi rhannu eich neges gyda'r nyrsys yn yr adran.",
                    at=time(10, 15)),)),
    Scene("assisted", "CH0001", "Dad's lunch left out of reach",
          "My dad cannot feed himself since his stroke. Three times when I visited at lunchtime his tray had been "
          "left on the table out of his reach and then taken away untouched. The carers say there are not enough "
          "staff at lunchtime to help everyone who needs it. A volunteer helped me tell this, as I find forms "
          "hard.",
          age=6, role="relative", public_name="His son", tags=("improve-food", "improve-staffing"),
          criticality=3, route=ASSISTED),
    Scene("paper", "Y10001", "The nurse who spotted my blood pressure",
          "I went in for a routine check and the practice nurse listened when I said I had been getting "
          "headaches. She took my blood pressure twice, saw it was very high and got a doctor to see me the same "
          "morning. I am on tablets now and feel much better. Thank you.",
          age=16, role="patient", public_name="A grateful patient", tags=("good-listened", "good-quick"),
          criticality=0, route=PAPER,
          acts=(Act(3, REPLY, JO, "Thank you for your kind letter. I am glad our nurse listened and that you "
                    "were seen quickly, and I have passed your thanks to her.", at=time(12, 0)),)),
    Scene("phone", "CMH01-W02", "Kind crisis team, but we waited all night",
          "I rang about my wife late one evening because she was talking about ending her life. The person on "
          "the phone was kind and stayed on the line, but the team could not visit until the next afternoon, and "
          "we waited all night. When they came they were gentle and made a plan with her.",
          age=10, role="relative", public_name="A husband", tags=("good-kindness", "improve-waiting"),
          criticality=2, route=PHONE),
    Scene("easy-read", "RDM01-W05", "Good care at Outpatients",
          "I went for my blood test. The nurse said hello to me. She was kind. She told me what she would do. "
          "It did not hurt much. I got a sticker. I was happy.",
          age=14, tags=("good-kindness", "good-explained"), criticality=0, route=EASY_READ,
          acts=(Act(2, REPLY, PRIYA, "Thank you for telling us. We are happy the nurse was kind to you and told "
                    "you what she would do. We will tell her what you said.", at=time(11, 30)),)),
)

# Who follows which service: (code, address, confirmed). The one not confirmed asked a couple of hours ago (an
# address that never confirms is forgotten after seven days).
FOLLOWERS: tuple[tuple[str, str, bool], ...] = (
    ("RDM01-W02", "follower-1@example.org", True),
    ("RDM01-W02", "follower-2@example.org", True),
    ("RDM", "follower-3@example.org", True),
    ("Y10001", "follower-4@example.org", False),
)


def _days_back(today: date, n: int, region: str) -> date:
    """The working day with exactly n working days from it (itself included) to today (excluded)."""
    day, counted = today, 0
    while counted < n:
        day -= timedelta(days=1)
        if is_working_day(day, region):
            counted += 1
    return day


def _moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=UTC)


def _token(session: Session, to: str, kind: str, path: str) -> str:
    """The token of the link `path...` in the latest mail of this kind to this address: the demo follows the
    link the service sent, as the person would."""
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == to, OutboxMessage.kind == kind)
                             .order_by(OutboxMessage.id.desc()).limit(1))
    found = re.search(re.escape(path) + r"([A-Za-z0-9_.\-]+)", message.body_text if message else "")
    if found is None:
        raise RuntimeError(f"demo: no {kind} mail with a {path} link to {to}")
    return found.group(1)


@dataclass
class _Play:
    """The state of one story while its steps run."""

    scene: Scene
    author: str
    published_on: date
    story: Story | None = None
    change: Change | None = None


@dataclass
class Loop:
    """Runs the steps of every scene, the daily job and the follows in time order, one commit per step."""

    session: Session
    now: datetime
    region: str
    steps: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)

    def person(self, email: str) -> User:
        user = self.session.scalar(select(User).where(User.email == email))
        if user is None:
            raise RuntimeError(f"demo: {email} is missing; load the demo people first")
        return user

    def at(self, when: datetime, step: Callable[[], None]) -> None:
        if when > self.now:
            raise ValueError(f"demo: a step at {when} is in the future")
        self.steps.append((when, len(self.steps), step))

    def run(self) -> None:
        for when, _, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            clock.set(when)
            step()
            self.session.commit()

    # ------------------------------------------------------------ a story

    def plan_scene(self, index: int, scene: Scene) -> _Play:
        today = self.now.date()
        play = _Play(scene, AUTHOR.format(index + 1), _days_back(today, scene.age, self.region))
        if scene.acts and max(a.day for a in scene.acts) >= scene.age:
            raise ValueError(f"demo: the {scene.key} story's steps must end before today")
        stagger = timedelta(minutes=3 * index)  # stories acting on the same day do so a few minutes apart
        self.at(_moment(play.published_on, time(8, 0)) + stagger, lambda: self.tell(play))
        self.at(_moment(play.published_on, time(9, 30)) + stagger, lambda: self.publish(play))
        for act in scene.acts:
            day = add_working_days(play.published_on, act.day, self.region)
            self.at(_moment(day, act.at) + stagger, lambda act=act: self.act(play, act))
        return play

    def tell(self, play: _Play) -> None:
        """The author tells the story from the form and follows the confirmation link in the email."""
        scene = play.scene
        month = (clock.now().date().replace(day=1) - timedelta(days=1)).replace(day=1)  # it happened last month
        draft = stories.Draft(provider_code=scene.provider, title=scene.title, body=scene.body, month=month.month,
                              year=month.year, author_role=scene.role, tags=list(scene.tags),
                              public_name=scene.public_name, email=play.author, consent=True,
                              language=scene.language)
        if scene.route in (ASSISTED, PAPER, PHONE):
            # Entered for the person by a story taker (or, on paper, a moderator), with the person's own address:
            # they confirm it through the same link as anyone.
            taker = self.person(MODERATOR if scene.route == PAPER else TAKER)
            play.story, _ = enter_story(self.session, taker, draft, scene.route, agreed=True)
        else:
            play.story, _ = stories.tell(self.session, draft, None)
            if scene.route == EASY_READ:
                play.story.route = EASY_READ  # as the easy-read pages do after the same tell()
        self.session.commit()
        clock.advance(timedelta(minutes=10))
        stories.confirm(self.session, _token(self.session, play.author, "story.confirm", "/stories/confirm/"))

    def publish(self, play: _Play) -> None:
        story, scene = play.story, play.scene
        publish(self.session, self.person(MODERATOR), story, story.version,
                Publication(scene.criticality, list(scene.tags), story.title, story.body))

    def act(self, play: _Play, act: Act) -> None:
        session, story = self.session, play.story
        staff = self.person(act.who) if act.who else None
        today = clock.now().date()
        item = None
        if act.kind == READ:
            replies.note_first_read(session, staff, story)
        elif act.kind == REPLY:
            item = replies.add_reply(session, staff, story, act.text)
        elif act.kind in (PLAN, MADE, NONE):
            kind = {PLAN: CHANGE_PLANNED, MADE: CHANGE_MADE, NONE: NO_CHANGE}[act.kind]
            due = add_working_days(play.published_on, act.due, self.region) if act.kind == PLAN else None
            item = play.change = add_change(
                session, staff, story, kind, act.text, made_on=today if act.kind == MADE else None, due_on=due,
                owner=act.owner, evidence="", evidence_url=act.url)
        elif act.kind == MARK_MADE:
            item = mark_made(session, staff, play.change, today, act.text, act.url)
        elif act.kind == VERDICT:
            # The author opens the signed link in the "change made" email: no password.
            change = play.change
            token = _token(session, play.author, "change.check", f"/changes/{change.id}/check/")
            author = change_from_link(session, change, token)
            record_verdict(session, author, change, act.say, act.text)
        elif act.kind == UPHOLD:
            disputes.publish(session, self.person(MODERATOR), play.change, play.change.version)
        elif act.kind == NOT_ABOUT_US:
            reroutes.request_reroute(session, staff, story, find_by_code(session, act.code), act.text)
        elif act.kind == MOVE:
            request = reroutes.open_request(session, story)
            reroutes.confirm(session, self.person(MODERATOR), request, story.version, request.to_provider, act.text)
        else:
            raise ValueError(f"demo: unknown step {act.kind!r}")
        if item is not None and item.status == AWAITING_MODERATION:
            # A new responder's words wait for a moderator, who lets them through a little later.
            session.commit()
            clock.advance(MODERATED_AFTER)
            conversation.publish(session, self.person(MODERATOR), item, item.version)

    # ------------------------------------------------------------ the daily job, follows, "me too"

    def plan_jobs(self, first: date) -> None:
        day = first
        while (when := _moment(day, JOB_HOUR)) <= self.now:
            if is_working_day(day, self.region):
                self.at(when, lambda: send_due(self.session))
            day += timedelta(days=1)

    def plan_follows(self) -> None:
        for i, (code, address, confirmed) in enumerate(FOLLOWERS):
            asked = self.now - (timedelta(hours=2) if not confirmed else timedelta(days=30 - 5 * i, hours=3))
            self.at(asked, lambda code=code, address=address: following.ask_to_follow(
                self.session, find_by_code(self.session, code), address))
            if confirmed:
                self.at(asked + timedelta(minutes=15), lambda address=address: following.confirm(
                    self.session, _token(self.session, address, "follow.confirm", "/follow/confirm/")))

    def me_too(self, plays: list[_Play]) -> None:
        """Readers say "this happened to me too" (one atomic count each, as the story's button does)."""
        for play in plays:
            for _ in range(play.scene.me_too):
                count_me_too(self.session, play.story.id)
        self.session.commit()


def loaded(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.email == AUTHOR.format(1))) is not None


def load_loop(session: Session) -> int:
    """Take the demo's loop stories through their steps, once (a second load leaves them as they are). Needs the
    demo directory and people. Returns how many stories it added."""
    if loaded(session):
        return 0
    started_frozen, started_at = clock.frozen, clock.now()
    now = started_at.replace(microsecond=0)
    loop = Loop(session, now, region_code(current_app.config["BANK_HOLIDAYS_REGION"]))
    try:
        plays = [loop.plan_scene(i, scene) for i, scene in enumerate(SCENES)]
        loop.plan_jobs(min(p.published_on for p in plays))
        loop.plan_follows()
        loop.run()
        clock.set(now)
        loop.me_too(plays)
    finally:
        # Back to the time it was: real time, or the moment a test had stopped it at.
        if started_frozen:
            clock.set(started_at)
        else:
            clock.reset()
    return len(plays)
