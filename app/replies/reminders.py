"""Reminders and escalation in working days for stories nobody has answered, and due-date reminders for planned
changes: the scheduled job "reminders" (registered in app.replies, every five minutes).

A published story with no reply is a chain of steps, each one written once as a story event in the same
transaction as its outbox mail:

* step 1 (REMINDED), REMINDER_WORKING_DAYS after publication: the staff of the story's own service;
* step 2 (ESCALATED), ESCALATE_WORKING_DAYS after publication: the managers of the provider above it;
* step n > 2, one interval (ESCALATE_WORKING_DAYS - REMINDER_WORKING_DAYS working days) after step n - 1: the
  managers of the provider n - 1 levels above the story's, until the top of the tree ends the chain.

Who is told: everyone registered at that provider (step 1) or its managers (later steps; its staff when it has no
manager), except those who turned their alerts off entirely ("none": the unsubscribe link in every alert and
reminder does that). A reminder is not an alert, so the alert frequency and minimum criticality are otherwise
ignored. A provider with nobody registered is told at its contact address, with an invitation to register.
Nobody to tell is still a step: the event says 0 people, and the chain moves on to the next level in time.

The chain stops as soon as the story is answered: a staff reply or change that is public or waiting for a
moderator (a responder who answered is not nagged while a moderator checks it), or a "not about us" that no
later move has settled. Hidden and withdrawn stories are never reminded.

Catching up: a story first seen when several steps are overdue (the job was off, or the story is older than
this feature) gets only the step due now, or the top of its tree when that is further than the tree goes. The
steps it skipped are not recorded: nobody was told, and the timeline shows only what happened. The chain never
goes back: a step is sent only when it is above every step already recorded.

Planned changes: a visible planned change on a published story reminds the staff of the provider that planned it
a week (7 calendar days) before its due date and on the day; the day after, a change still planned is overdue
(one CHANGE_OVERDUE event, no email). Each reminder is claimed with a conditional UPDATE of its column (so of two
workers, one sends it). The story events' unique key is per story, and a story may carry several changes, so
their step is change_id * 10 + n: n = 1 a week before, 2 on the day, 3 overdue. A reminder whose day passed
while the job was not running is claimed without being sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, contains_eager, load_only

from app.accounts.models import Invitation, Membership, User
from app.accounts.services import external_url
from app.accounts.staff import invitation_link
from app.accounts.tokens import make_token
from app.directory.models import Provider
from app.extensions import utcnow
from app.mail.services import queue_email
from app.replies.alerts import _unsubscribe_headers, contact_invitation, open_invitations
from app.replies.models import AWAITING_MODERATION, CHANGE_PLANNED, STAFF_REPLY, VISIBLE, Change, Reply
from app.stories.models import PUBLISHED, Story
from app.stories.timeline import (
    CHANGE_DUE_REMINDED,
    CHANGE_OVERDUE,
    ESCALATED,
    NOT_ABOUT_US,
    REMINDED,
    REROUTED,
    StoryEvent,
    record_event,
)
from app.workdays import is_working_day, region_code, working_days_between

MANAGER = "manager"
# The steps of a planned change's reminders: step = change_id * CHANGE_STEPS + one of these.
CHANGE_STEPS, CHANGE_SOON, CHANGE_DUE, CHANGE_LATE = 10, 1, 2, 3
CHANGE_SOON_DAYS = 7  # calendar days before the due date
ANSWERED = (VISIBLE, AWAITING_MODERATION)  # a staff reply or change in these states has answered the story


@dataclass(frozen=True)
class Schedule:
    """The working days after publication at which each step of the chain falls due."""

    remind: int
    escalate: int

    @classmethod
    def from_config(cls, config) -> Schedule:
        remind = max(0, int(config["REMINDER_WORKING_DAYS"]))
        # Escalation comes after the reminder: a setting at or below it is read as one working day later.
        return cls(remind, max(remind + 1, int(config["ESCALATE_WORKING_DAYS"])))

    @property
    def interval(self) -> int:
        return self.escalate - self.remind

    def days_for(self, step: int) -> int:
        """Working days after publication at which `step` (1, 2, ...) falls due."""
        return self.remind if step == 1 else self.escalate + (step - 2) * self.interval

    def step_due(self, waited: int) -> int:
        """The step due after `waited` working days without a reply (0: none yet)."""
        if waited < self.remind:
            return 0
        if waited < self.escalate:
            return 1
        return 2 + (waited - self.escalate) // self.interval


def latest_start(today: date, days: int, region: str) -> date:
    """The latest day a story may have been published on and have waited `days` working days by today."""
    day, counted = today, 0
    while counted < days:
        if is_working_day(day, region):
            counted += 1
        day -= timedelta(days=1)
    return day


def day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def send_due(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """The job: every reminder and escalation due now, then every change reminder due today.

    Returns (story steps, change steps) written. Commits nothing: the job runner commits the run.
    """
    now = now or utcnow()
    return remind_stories(session, now), remind_changes(session, now)


# ---------------------------------------------------------------- stories without a reply

def _levels():
    """(provider id, levels): how many providers the chain from it to the top of its tree holds."""
    top = select(Provider.id.label("id"), literal(1).label("levels")).where(
        Provider.parent_id.is_(None)).cte("provider_levels", recursive=True)
    return top.union_all(select(Provider.id, top.c.levels + 1).join(top, Provider.parent_id == top.c.id))


def _waiting():
    """What makes a story still wait for its provider: published, nobody on the chain answered it, and no
    'not about us' that a later move has settled."""
    said, moved = aliased(StoryEvent), aliased(StoryEvent)
    return [
        Story.status == PUBLISHED,
        Story.response_status == "awaiting_response",
        Story.published_at.isnot(None),
        ~exists().where(Reply.story_id == Story.id, Reply.kind == STAFF_REPLY, Reply.status.in_(ANSWERED)),
        ~exists().where(Change.story_id == Story.id, Change.status.in_(ANSWERED)),
        ~exists().where(said.story_id == Story.id, said.kind == NOT_ABOUT_US,
                        ~exists().where(moved.story_id == said.story_id, moved.kind == REROUTED, moved.at > said.at)),
    ]


def _due_stories(session: Session, schedule: Schedule, today: date, region: str) -> list[tuple[Story, int, int]]:
    """(story, last step done, levels in its tree) for each story whose next step is due today: one query for
    the tallest tree, one for the stories. Only due stories come back; the database still weighs every unanswered
    story older than the first step (its last step through the story events' unique index), so a story at the
    top of its tree costs an index probe per run, not a row in Python."""
    tallest = session.scalar(select(func.max(_levels().c.levels))) or 0
    if not tallest:
        return []
    levels = _levels()
    done = func.coalesce(select(func.max(StoryEvent.step)).where(
        StoryEvent.story_id == Story.id, StoryEvent.kind.in_((REMINDED, ESCALATED))).scalar_subquery(), 0)
    waiting = (select(Story.id.label("story_id"), done.label("done"), levels.c.levels.label("levels"))
               .join(levels, levels.c.id == Story.provider_id)
               .where(*_waiting(), Story.published_at < _midnight(
                   latest_start(today, schedule.days_for(1), region) + timedelta(days=1)))
               .subquery())
    # The next step is due when the story was published on or before the latest day that step allows.
    next_due = [and_(waiting.c.done == step - 1, Story.published_at < _midnight(
        latest_start(today, schedule.days_for(step), region) + timedelta(days=1))) for step in range(1, tallest + 1)]
    rows = session.execute(
        select(Story, waiting.c.done, waiting.c.levels).join(waiting, waiting.c.story_id == Story.id)
        .where(waiting.c.done < waiting.c.levels, or_(*next_due))
        .options(load_only(Story.id, Story.title, Story.provider_id, Story.published_at, Story.status))
        .order_by(Story.published_at, Story.id))
    return [(story, done, levels) for story, done, levels in rows]


def _chains(session: Session, provider_ids: set[int]) -> dict[int, list[Provider]]:
    """Each provider's chain up to the top of its tree, itself first (one query for them all)."""
    if not provider_ids:
        return {}
    up = select(Provider.id.label("origin"), Provider.id.label("id"), Provider.parent_id.label("parent_id"),
                literal(0).label("depth")).where(Provider.id.in_(provider_ids)).cte("reminder_chain", recursive=True)
    up = up.union_all(select(up.c.origin, Provider.id, Provider.parent_id, up.c.depth + 1)
                      .join(up, Provider.id == up.c.parent_id))
    chains: dict[int, list[Provider]] = {}
    for origin, provider in session.execute(select(up.c.origin, Provider).join(Provider, Provider.id == up.c.id)
                                            .order_by(up.c.origin, up.c.depth)):
        chains.setdefault(origin, []).append(provider)
    return chains


def _registered(session: Session, provider_ids: set[int]) -> dict[int, list[Membership]]:
    """Everyone registered at each provider (active accounts with a confirmed address), by provider id."""
    found: dict[int, list[Membership]] = {pid: [] for pid in provider_ids}
    if not provider_ids:
        return found
    for membership in session.scalars(
            select(Membership).join(User, Membership.user_id == User.id)
            .where(Membership.provider_id.in_(provider_ids), User.disabled_at.is_(None),
                   User.email_confirmed_at.isnot(None))
            .options(contains_eager(Membership.user)).order_by(Membership.id)):
        found[membership.provider_id].append(membership)
    return found


def _to_tell(members: list[Membership], managers: bool) -> list[Membership]:
    """Those of a provider's registered people a step tells: all of them, or its managers (all of them when it has
    no manager), except anyone who turned their alerts off."""
    chosen = [m for m in members if m.role == MANAGER] if managers else members
    return [m for m in (chosen or members) if m.alert_frequency != "none"]


def _membership_unsubscribe(membership: Membership) -> tuple[str, dict[str, str]]:
    return _unsubscribe_headers(make_token("unsubscribe", {"m": membership.id, "k": membership.token_key or ""}))


def _settings_link() -> str:
    return external_url("pages.dashboard", _anchor="alerts")


def _contact_can_be_told(provider: Provider) -> bool:
    return bool(provider.email and provider.contact_alerts and provider.active)


def remind_stories(session: Session, now: datetime) -> int:
    """Write each story's step due now, with its mail; returns how many steps were written."""
    config = current_app.config
    schedule, region, today = Schedule.from_config(config), region_code(config["BANK_HOLIDAYS_REGION"]), now.date()
    due = _due_stories(session, schedule, today, region)
    if not due:
        return 0
    chains = _chains(session, {story.provider_id for story, _, _ in due})
    plans = []
    for story, done, levels in due:
        chain = chains.get(story.provider_id, [])
        waited = working_days_between(story.published_at, today, region)
        step = min(schedule.step_due(waited), levels, len(chain))
        if step > done:  # never a step at or below one already recorded
            plans.append((story, step, chain, waited))
    members = _registered(session, {chain[step - 1].id for _, step, chain, _ in plans})
    nobody = [chain[step - 1] for _, step, chain, _ in plans
              if not members[chain[step - 1].id] and _contact_can_be_told(chain[step - 1])]
    invitations = open_invitations(session, list({p.id: p for p in nobody}.values()))
    written = 0
    for story, step, chain, waited in plans:
        if _remind_story(session, story, step, chain, waited, members, invitations, schedule, now):
            written += 1
    return written


def _remind_story(session: Session, story: Story, step: int, chain: list[Provider], waited: int,
                  members: dict[int, list[Membership]], invitations: dict[int, Invitation], schedule: Schedule,
                  now: datetime) -> bool:
    """One step: its event and its mail in a savepoint. False when another worker wrote the step first."""
    target = chain[step - 1]
    registered = members[target.id]
    people = _to_tell(registered, managers=step > 1)
    contact = not registered and _contact_can_be_told(target)
    context = {
        "story_title": story.title, "story_link": external_url("pages.story", story_id=story.id),
        "service": chain[0].name, "target": target.name, "step": step, "waited": waited,
        "published_on": day_text(story.published_at.date()),
        "next_provider": chain[step].name if step < len(chain) else None, "next_in": schedule.interval,
    }
    if step == 1:
        subject = f"Reminder, {waited} working days without a reply: {story.title}"
    else:
        subject = f"Escalated to {target.name}, {waited} working days without a reply: {story.title}"
    try:
        with session.begin_nested():
            record_event(session, story, REMINDED if step == 1 else ESCALATED, at=now, step=step, provider=target,
                         count=len(people) + (1 if contact else 0))
            session.flush()  # a second worker's step clashes here, before any mail is queued
            for membership in people:
                url, headers = _membership_unsubscribe(membership)
                queue_email(session, membership.user.email, "story_reminder", subject,
                            kind="reminder.story" if step == 1 else "reminder.escalation", headers=headers,
                            audience="manager" if step > 1 and membership.role == MANAGER else "staff",
                            unsubscribe_link=url, settings_link=_settings_link(), invitation_link=None, **context)
            invitation = None
            if contact:
                invitation = contact_invitation(session, target, invitations.get(target.id))
                url, headers = _unsubscribe_headers(make_token("unsubscribe", {"p": target.id, "c": target.code}))
                queue_email(session, target.email, "story_reminder", subject, kind="reminder.contact",
                            headers=headers, audience="contact", unsubscribe_link=url, settings_link=None,
                            invitation_link=invitation_link(invitation), **context)
    except IntegrityError:
        return False
    if invitation is not None:
        invitations[target.id] = invitation  # the next story told at this address reuses it
    return True


# ---------------------------------------------------------------- planned changes falling due

def _step(change_id: int, n: int) -> int:
    return change_id * CHANGE_STEPS + n


def remind_changes(session: Session, now: datetime) -> int:
    """Reminders a week before and on the day a planned change is due, and its overdue event; returns how many
    events were written."""
    today = now.date()
    late_recorded = exists().where(StoryEvent.story_id == Change.story_id, StoryEvent.kind == CHANGE_OVERDUE,
                                   StoryEvent.step == Change.id * CHANGE_STEPS + CHANGE_LATE)
    rows = session.execute(
        select(Change, late_recorded.label("late_recorded"))
        .join(Story, Story.id == Change.story_id).join(Provider, Provider.id == Change.provider_id)
        .where(Change.kind == CHANGE_PLANNED, Change.status == VISIBLE, Change.due_on.isnot(None),
               Story.status == PUBLISHED,
               or_(and_(Change.due_soon_reminded_at.is_(None),
                        Change.due_on <= today + timedelta(days=CHANGE_SOON_DAYS)),
                   and_(Change.due_reminded_at.is_(None), Change.due_on <= today),
                   and_(Change.due_on < today, ~late_recorded)))
        .options(contains_eager(Change.story).load_only(Story.id, Story.title, Story.status),
                 contains_eager(Change.provider))
        .order_by(Change.id)).all()
    if not rows:
        return 0
    members = _registered(session, {change.provider_id for change, _ in rows})
    written = 0
    for change, late in rows:
        people = _to_tell(members[change.provider_id], managers=False)
        if change.due_soon_reminded_at is None and change.due_on - timedelta(days=CHANGE_SOON_DAYS) <= today:
            # "A week before" only for a change planned more than a week ahead: one planned for three days'
            # time would otherwise be "reminded" minutes after it was planned.
            ahead = change.created_at.date() < change.due_on - timedelta(days=CHANGE_SOON_DAYS)
            written += _remind_change(session, change, Change.due_soon_reminded_at, CHANGE_SOON,
                                      ahead and today < change.due_on, people, now)
        if change.due_reminded_at is None and change.due_on <= today:
            written += _remind_change(session, change, Change.due_reminded_at, CHANGE_DUE,
                                      today == change.due_on, people, now)
        if not late and change.due_on < today:
            try:
                with session.begin_nested():
                    record_event(session, change.story, CHANGE_OVERDUE, at=now,
                                 step=_step(change.id, CHANGE_LATE), provider=change.provider,
                                 detail={"change_id": change.id, "due_on": change.due_on.isoformat()})
            except IntegrityError:
                continue
            written += 1
    return written


def _remind_change(session: Session, change: Change, column, n: int, send: bool, people: list[Membership],
                   now: datetime) -> int:
    """Claim one of a change's reminders and, while its day has not passed, send it with its event. 1 when the
    event was written; 0 when another worker had claimed it, or its day passed unsent."""
    try:
        with session.begin_nested():
            claimed = session.execute(update(Change).where(Change.id == change.id, column.is_(None))
                                      .values({column.key: now}).execution_options(synchronize_session=False))
            if claimed.rowcount != 1 or not send:
                return 0
            record_event(session, change.story, CHANGE_DUE_REMINDED, at=now, step=_step(change.id, n),
                         provider=change.provider, count=len(people),
                         detail={"change_id": change.id, "due_on": change.due_on.isoformat()})
            session.flush()
            when = "today" if n == CHANGE_DUE else f"on {day_text(change.due_on)}"
            subject = f"Planned change due {when}: {change.story.title}"
            for membership in people:
                url, headers = _membership_unsubscribe(membership)
                queue_email(session, membership.user.email, "change_due", subject, kind="reminder.change",
                            headers=headers, change=change, when=when, provider=change.provider.name,
                            due_on=day_text(change.due_on),
                            story_title=change.story.title,
                            story_link=external_url("pages.story", story_id=change.story.id),
                            unsubscribe_link=url, settings_link=_settings_link())
    except IntegrityError:
        return 0
    return 1
