"""Demo stories in every state, each one a whole unit of app/demo/corpus.py (its title, text, tags, criticality and
reply agree), written in batches so a million fit in flat memory. Nothing is dated after the moment of loading, and
each story's updated_at is its last change, as on a live site."""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.demo.corpus import GOOD, MADE, POOR, SERVICES, UNITS, Unit, responders
from app.directory.models import Provider
from app.extensions import utcnow
from app.flags import flag_kinds
from app.insight.aggregates import rebuild
from app.replies.models import Change, Reply
from app.stories.models import (
    ASSISTED,
    AUTHOR_ROLES,
    AWAITING_CONFIRMATION,
    HIDDEN,
    PAPER,
    PENDING,
    PHONE,
    PUBLISHED,
    REJECTED,
    RETURNED,
    WITHDRAWN,
    Story,
    Tag,
    story_tags,
)

# Share of each state among demo stories (most are published, as on a live site).
STATES = [(PUBLISHED, 70), (PENDING, 10), (AWAITING_CONFIRMATION, 4), (RETURNED, 3), (REJECTED, 5), (HIDDEN, 2),
          (WITHDRAWN, 6)]
# Stories still with their author or the moderators were sent lately, not two years ago.
QUEUE_STATES = {PENDING, AWAITING_CONFIRMATION, RETURNED}
PSEUDONYMS = ["Anonymous", "Anonymous", "Anonymous", "Sam", "J.", "A carer", "Retired nurse"]
NAMES_BY_TONE = {GOOD: ["A grateful patient", "Proud mum"], POOR: ["Worried daughter"]}
REPLY_CHANCE = 0.45
# Published stories are spread over this span, newest drawn first.
SPAN = timedelta(days=730)
# A unit drawn near the end of one pass of the deck is not drawn again near the start of the next: more draws apart
# than one page of /stories (20 published stories, about 28 draws) holds.
APART = 40
# A story's first reply comes between an hour and ten days after publication.
REPLY_AFTER_HOURS = (1, 240)

# For rows without a unit (bench/corpus.py writes its own text): words that fit any story.
GENERIC_REPLY = ("Thank you for taking the time to tell us about your experience. I have shared your story with the "
                 "team so that we can learn from it.")
GENERIC_RESPONDERS = (("Priya Shah", "Head of Patient Experience"), ("Lee Chen", "Matron"))
GENERIC_CHANGE = {"planned": "We will share what we learn from your story with the team and report back here.",
                  "made": "We have shared what we learned from your story with the whole team."}
GENERIC_ANSWER = "Thank you for replying."


def _authors(session: Session, wanted: int) -> list[int]:
    have = list(session.scalars(select(User.id).where(User.email.like("demo-author-%@example.org"))))
    if len(have) >= wanted:
        return have[:wanted]
    start = len(have)
    now = utcnow()
    for offset in range(start, wanted, 5000):
        rows = [{"email": f"demo-author-{i}@example.org", "display_name": "", "email_confirmed_at": now,
                 "session_version": 1, "is_moderator": False, "is_admin": False, "created_at": now}
                for i in range(offset, min(offset + 5000, wanted))]
        session.execute(insert(User), rows)
    session.flush()
    return list(session.scalars(select(User.id).where(User.email.like("demo-author-%@example.org"))))


def _pick_tags(rng: random.Random, unit: Unit) -> list[str]:
    """Some of the unit's own tags: a mixed story keeps both its kinds, so its criticality still fits."""
    if unit.tone not in (GOOD, POOR):
        return list(unit.tags)
    return rng.sample(unit.tags, rng.randint(1, len(unit.tags)))


class Deck:
    """The units in a shuffled order, each drawn once before any is drawn again; the next pass is shuffled afresh,
    and keeps the units drawn last in the pass before out of its first `apart` draws. Stories made in draw order
    then never show one text twice in a run of `apart` stories."""

    def __init__(self, rng: random.Random, units: list[Unit], apart: int = APART) -> None:
        self.rng, self.units = rng, units
        self.apart = min(apart, len(units) // 2)
        self.order: list[int] = []
        self.recent: list[int] = []  # the last `apart` draws, oldest first

    def _refill(self) -> None:
        order = list(range(len(self.units)))
        self.rng.shuffle(order)
        recent = set(self.recent)
        early = [i for i in range(self.apart) if order[i] in recent]
        later = [j for j in range(self.apart, len(order)) if order[j] not in recent]
        for i, j in zip(early, self.rng.sample(later, len(early)), strict=True):
            order[i], order[j] = order[j], order[i]
        self.order = order[::-1]  # drawn from the end

    def draw(self) -> Unit:
        if not self.order:
            self._refill()
        index = self.order.pop()
        self.recent = [*self.recent, index][-self.apart:] if self.apart else []
        return self.units[index]


def _rows(rng: random.Random, count: int, services: dict[str, list[tuple[int, str]]], author_ids: list[int],
          tag_ids: dict[str, int], entered_by: dict[str, int | None], batch: int,
          ) -> Iterator[tuple[list[dict], list[list[int]], list[Unit]]]:
    states = [s for s, weight in STATES for _ in range(weight)]
    units = [u for u in UNITS if services.get(u.service)]
    if not units:
        raise RuntimeError("no demo service for the demo stories: load the demo directory first")
    deck = Deck(rng, units)
    # Dates follow the draws (the first drawn is the newest), so a unit's repeats lie a deck's length apart in time.
    slot = SPAN.total_seconds() / count
    now = utcnow()
    rows: list[dict] = []
    tags: list[list[int]] = []
    chosen: list[Unit] = []
    for i in range(count):
        unit = deck.draw()
        provider_id, place = rng.choice(services[unit.service])
        status = rng.choice(states)
        title = rng.choice(unit.titles).format(place=place)
        if status in QUEUE_STATES:
            age = timedelta(minutes=rng.randint(30, 60 * 24 * 14))
        else:
            age = timedelta(minutes=30, seconds=int(slot * i + rng.random() * slot))
        submitted = now - age - timedelta(hours=rng.randint(1, 72))
        happened = (submitted - timedelta(days=rng.randint(0, 120))).date().replace(day=1)
        published = status in (PUBLISHED, HIDDEN) or (status == WITHDRAWN and rng.random() < 0.7)
        published_at = now - age if published else None
        withdrawn_at = now - age / 2 if status == WITHDRAWN else None
        if status == WITHDRAWN and published_at is None:
            withdrawn_at = submitted + (now - submitted) / 2
        rows.append({
            "provider_id": provider_id, "author_id": rng.choice(author_ids), "title": title, "body": unit.body,
            "experienced_on": happened, "author_role": unit.role if unit.role in AUTHOR_ROLES else "patient",
            "on_behalf": unit.role != "patient" and rng.random() < 0.5,
            "public_name": rng.choice(PSEUDONYMS + NAMES_BY_TONE.get(unit.tone, [])), "status": status,
            "response_status": "awaiting_response",
            "criticality": rng.choice(unit.criticality) if published else None,
            "flags": flag_kinds(title, unit.body, []), "submission_key": None, "submitted_at": submitted,
            "queued_at": None if status == AWAITING_CONFIRMATION else submitted,
            "published_at": published_at, "updated_at": published_at or submitted, "withdrawn_at": withdrawn_at,
            "read_count": rng.randint(0, 400) if published else 0, "version": 1,
            "language": unit.language, "route": unit.route, "entered_by_id": entered_by.get(unit.route),
        })
        tags.append([tag_ids[slug] for slug in _pick_tags(rng, unit) if slug in tag_ids])
        chosen.append(unit)
        if len(rows) == batch or i == count - 1:
            yield rows, tags, chosen
            rows, tags, chosen = [], [], []


def _plan_responses(rng: random.Random, rows: list[dict], units: list[Unit] | None = None,
                    now: datetime | None = None) -> list[tuple[int, list[dict], list[dict]]]:
    """About 45% of published stories get their unit's reply; those whose unit has one, its change; some, the
    author's answer. Nothing is dated after `now` (the moment of loading): a story published too lately for its
    reply still waits for one.

    Sets each story row's first_reply_at, response_status and updated_at (its last change) before it is inserted,
    and returns the replies and changes (without their story id, which comes with the insert) by row index. Rows
    without a unit (bench/corpus.py's) get words that fit any story.
    """
    now = now or utcnow()
    plans = []
    for index, row in enumerate(rows):
        row.setdefault("first_reply_at", None)
        unit = units[index] if units else None
        if row["published_at"] is None or row["status"] not in (PUBLISHED, HIDDEN, WITHDRAWN) \
                or rng.random() >= REPLY_CHANCE:
            continue
        replied_at = row["published_at"] + timedelta(hours=rng.randint(*REPLY_AFTER_HOURS),
                                                     minutes=rng.randint(0, 59))
        # A withdrawn story was answered before it was withdrawn, or not at all.
        last = row["withdrawn_at"] or now
        if replied_at > min(last, now):
            continue
        name, title = rng.choice(responders(unit) if unit else GENERIC_RESPONDERS)
        replies = [{"author_id": None, "kind": "staff", "provider_id": row["provider_id"], "responder_name": name,
                    "responder_title": title, "status": "visible", "created_at": replied_at,
                    "body": unit.reply if unit else GENERIC_REPLY, "published_at": replied_at, "version": 1}]
        changes = []
        status = "responded"
        has_change = bool(unit.change) if unit else rng.random() < 0.35
        changed_at = replied_at + timedelta(hours=1)
        if has_change and changed_at <= min(last, now) and rng.random() < 0.8:
            made = (unit.change_kind == MADE) if unit else rng.random() < 0.4
            kind = "made" if made else "planned"
            changes.append({"provider_id": row["provider_id"], "reported_by_id": None, "reporter_name": name,
                            "reporter_title": title, "kind": kind,
                            "description": unit.change if unit else GENERIC_CHANGE[kind],
                            "made_on": changed_at.date() if made else None, "status": "visible",
                            "created_at": changed_at})
            status = "change_made" if made else "change_planned"
        answered = replied_at + timedelta(days=1)
        answer = unit.answer if unit else GENERIC_ANSWER
        wants_answer = rng.random() < (0.5 if unit else 0.15)
        if answer and wants_answer and answered <= min(last, now):
            replies.append({"author_id": row["author_id"], "kind": "author", "provider_id": None,
                            "responder_name": "", "responder_title": "", "status": "visible",
                            "body": answer, "created_at": answered, "published_at": answered, "version": 1})
        row["first_reply_at"], row["response_status"] = replied_at, status
        # What a reader sees changed last: the story, a reply or a change, and then a withdrawal or hiding.
        row["updated_at"] = max([row["updated_at"], *(r["created_at"] for r in replies),
                                 *(c["created_at"] for c in changes)])
        plans.append((index, replies, changes))
    for row in rows:
        if row.get("withdrawn_at") is not None:
            row["updated_at"] = max(row["updated_at"], row["withdrawn_at"])
    return plans


def _services(session: Session) -> dict[str, list[tuple[int, str]]]:
    """Each kind of story's active demo services, (id, name); with an imported directory instead of the demo's,
    every kind falls back on every active service."""
    active = {code: (pid, name) for pid, code, name in session.execute(
        select(Provider.id, Provider.code, Provider.name).where(Provider.active.is_(True)))}
    if not active:
        raise RuntimeError("load the demo directory (or import providers) before stories")
    found = {kind: [active[c] for c in codes if c in active] for kind, codes in SERVICES.items()}
    if not any(found.values()):
        everything = list(active.values())
        found = {kind: everything for kind in SERVICES if not kind.endswith("_wales")}
    return found


def load_stories(session: Session, count: int, progress: Callable[[int], None] = lambda n: None,
                 seed: int = 2026, batch: int = 5000) -> int:
    """Add `count` stories over the demo's services, committing batch by batch."""
    if count <= 0:
        return 0
    services = _services(session)
    tag_ids = {slug: tid for tid, slug in session.execute(select(Tag.id, Tag.slug))}
    author_ids = _authors(session, max(1, min(count // 3, 50_000)))
    people = dict(session.execute(select(User.email, User.id).where(
        User.email.in_(("storytaker@example.org", "moderator@example.org")))).all())
    taker, moderator = people.get("storytaker@example.org"), people.get("moderator@example.org")
    entered_by = {ASSISTED: taker, PHONE: taker or moderator, PAPER: moderator}
    session.commit()
    rng = random.Random(seed + (session.scalar(select(func.count(Story.id))) or 0))
    now = utcnow()
    made = 0
    for rows, tags, units in _rows(rng, count, services, author_ids, tag_ids, entered_by, batch):
        plans = _plan_responses(rng, rows, units, now)
        ids = list(session.scalars(insert(Story).returning(Story.id, sort_by_parameter_order=True), rows))
        links = [{"story_id": sid, "tag_id": tid} for sid, chosen in zip(ids, tags, strict=True) for tid in chosen]
        if links:
            session.execute(insert(story_tags), links)
        replies = [{**r, "story_id": ids[i]} for i, rs, _ in plans for r in rs]
        changes = [{**c, "story_id": ids[i]} for i, _, cs in plans for c in cs]
        if replies:
            session.execute(insert(Reply), replies)
        if changes:
            session.execute(insert(Change), changes)
        session.commit()
        made += len(rows)
        progress(len(rows))
    # The bulk inserts above bypass the ORM events that keep the insight figures up to date.
    rebuild(session)
    return made
