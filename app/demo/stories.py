"""Realistic demo stories in every state, written in batches so a million fit in flat memory."""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.directory.models import Provider
from app.extensions import utcnow
from app.flags import flag_kinds
from app.insight.aggregates import rebuild
from app.replies.models import Change, Reply
from app.stories.models import (
    AUTHOR_ROLES,
    AWAITING_CONFIRMATION,
    HIDDEN,
    PENDING,
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

OPENINGS = [
    "I was admitted through A&E late on a Friday night with chest pain.",
    "My mother spent three weeks on the ward after a fall at home.",
    "I took my son to the children's clinic for his asthma review.",
    "I had a planned operation on my knee and stayed two nights.",
    "My dad has dementia and moved into the home last spring.",
    "I went to the practice because of a rash that would not go away.",
    "We were sent for a scan after months of tummy pain.",
    "I gave birth to our second baby in the maternity unit.",
    "I work here, and I want to say something about how a patient was treated.",
    "My husband had his cancer treatment at the day unit.",
]
MIDDLES = [
    "The nurses were kind and took time to explain what was happening at every step.",
    "Nobody told us what the plan was, and we had to ask again and again.",
    "We waited nearly six hours before anyone saw us, with no updates at all.",
    "The doctor listened properly and did not rush me, which I really appreciated.",
    "The ward was clean, but it was very noisy at night and I hardly slept.",
    "Pain relief came late more than once, and the call bell was not answered.",
    "Reception staff were friendly and found us an earlier appointment.",
    "The food was cold most days and there was little choice for his diet.",
    "Staff clearly cared, but they were stretched and there were not enough of them.",
    "The discharge was arranged in a hurry and the medicines were not ready for hours.",
    "Everything was explained in plain words and I was given a leaflet to take home.",
    "The physiotherapist made a real difference and kept my spirits up.",
    "It took four phone calls to book a follow-up, and the letter came after the date.",
    "They treated her with dignity and always drew the curtains before helping her wash.",
    "Parking was a nightmare and we nearly missed the appointment.",
]
ENDINGS = [
    "Thank you to everyone who looked after us.",
    "I hope sharing this helps someone change how things are done.",
    "Overall a good experience, with a few things that could be better.",
    "I would like to know what will be done so this does not happen to others.",
    "I would recommend this service to my friends and family.",
    "Please listen to families: we know our loved ones best.",
]
TITLES = [
    "Kind staff, long wait", "Could not fault the care", "Nobody explained anything", "Cold food, warm people",
    "Excellent physiotherapy", "Discharge was chaotic", "Treated with dignity", "Hard to get an appointment",
    "The night staff were wonderful", "Felt rushed and unheard", "A difficult week made easier",
    "Clean ward, noisy nights", "Thank you to the maternity team", "Lost in the system",
]
RESPONDERS = [("Priya Shah", "Head of Patient Experience"), ("Tom Evans", "Ward Manager"),
              ("Dr Ama Owusu", "Clinical Director"), ("Jo Brown", "Practice Manager"), ("Lee Chen", "Matron")]
REPLIES = [
    "Thank you for taking the time to tell us about your experience. I am sorry that {issue}. "
    "I have shared your story with the team so that we can learn from it.",
    "Thank you for your kind words. I have passed them on to the team, who were delighted to read them.",
    "I am sorry to read this. I would like to talk to you about what happened: please contact our patient "
    "experience team on the number on our website and mention this story.",
]
ISSUES = ["you had to wait so long", "nobody explained the plan", "your pain relief came late",
          "the discharge felt rushed", "the food was not what it should be"]
CHANGES_PLANNED = ["We will add an evening huddle so that every patient hears the plan for the next day.",
                   "We are reviewing night staffing on the ward and will report back.",
                   "We will give every patient a written discharge checklist."]
CHANGES_MADE = ["We now run an evening huddle on the ward, and patients are told the plan each day.",
                "Pain relief rounds now happen every two hours overnight.",
                "Discharge medicines are now ordered the day before people go home."]
ANSWERS = ["Thank you for replying. It means a lot to know this will change.",
           "I appreciate the reply, but I am still waiting for someone to call me."]
PSEUDONYMS = ["Anonymous", "Anonymous", "Anonymous", "A grateful patient", "Worried daughter", "Sam", "J.", "A carer",
              "Proud mum", "Retired nurse"]


def _story_text(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(1, 3)):
        sentences = rng.sample(MIDDLES, rng.randint(2, 4))
        paragraphs.append(" ".join(sentences))
    return "\n\n".join([rng.choice(OPENINGS) + " " + paragraphs[0], *paragraphs[1:], rng.choice(ENDINGS)])


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


def _rows(rng: random.Random, count: int, provider_ids: list[int], author_ids: list[int],
          tag_ids: list[int], batch: int) -> Iterator[tuple[list[dict], list[list[int]]]]:
    states = [s for s, weight in STATES for _ in range(weight)]
    now = utcnow()
    rows: list[dict] = []
    tags: list[list[int]] = []
    for i in range(count):
        status = rng.choice(states)
        body = _story_text(rng)
        title = rng.choice(TITLES)
        age = timedelta(minutes=rng.randint(0, 60 * 24 * 730))
        submitted = now - age - timedelta(hours=rng.randint(1, 72))
        happened = (submitted - timedelta(days=rng.randint(0, 120))).date().replace(day=1)
        published = status in (PUBLISHED, HIDDEN) or (status == WITHDRAWN and rng.random() < 0.7)
        rows.append({
            "provider_id": rng.choice(provider_ids), "author_id": rng.choice(author_ids), "title": title,
            "body": body, "experienced_on": happened, "author_role": rng.choice(list(AUTHOR_ROLES)),
            "on_behalf": rng.random() < 0.2, "public_name": rng.choice(PSEUDONYMS), "status": status,
            "response_status": "awaiting_response", "criticality": rng.randint(0, 5) if published else None,
            "flags": flag_kinds(title, body, []), "submission_key": None, "submitted_at": submitted,
            "queued_at": None if status == AWAITING_CONFIRMATION else submitted,
            "published_at": now - age if published else None, "updated_at": now - age,
            "withdrawn_at": now - age / 2 if status == WITHDRAWN else None,
            "read_count": rng.randint(0, 400) if published else 0, "version": 1,
        })
        tags.append(rng.sample(tag_ids, rng.randint(0, 3)) if tag_ids else [])
        if len(rows) == batch or i == count - 1:
            yield rows, tags
            rows, tags = [], []


def _plan_responses(rng: random.Random, rows: list[dict]) -> list[tuple[int, list[dict], list[dict]]]:
    """About 40% of published stories get a reply; some of those a change planned or made, and an answer.

    Sets each story row's first_reply_at and response_status before it is inserted, and returns the
    replies and changes (without their story id, which comes with the insert) by row index.
    """
    plans = []
    for index, row in enumerate(rows):
        row.setdefault("first_reply_at", None)
        if row["published_at"] is None or rng.random() >= 0.4:
            continue
        replied_at = row["published_at"] + timedelta(hours=rng.randint(1, 240))
        name, title = rng.choice(RESPONDERS)
        replies = [{"author_id": None, "kind": "staff", "provider_id": row["provider_id"], "responder_name": name,
                    "responder_title": title, "status": "visible", "created_at": replied_at,
                    "body": rng.choice(REPLIES).format(issue=rng.choice(ISSUES)), "published_at": replied_at,
                    "version": 1}]
        changes = []
        status = "responded"
        roll = rng.random()
        if roll < 0.35:
            made = roll < 0.15
            changes.append({"provider_id": row["provider_id"], "reported_by_id": None, "reporter_name": name,
                            "reporter_title": title, "kind": "made" if made else "planned",
                            "description": rng.choice(CHANGES_MADE if made else CHANGES_PLANNED),
                            "made_on": replied_at.date() if made else None, "status": "visible",
                            "created_at": replied_at + timedelta(hours=1)})
            status = "change_made" if made else "change_planned"
        if rng.random() < 0.15:
            answered = replied_at + timedelta(days=1)
            replies.append({"author_id": row["author_id"], "kind": "author", "provider_id": None,
                            "responder_name": "", "responder_title": "", "status": "visible",
                            "body": rng.choice(ANSWERS), "created_at": answered, "published_at": answered,
                            "version": 1})
        row["first_reply_at"], row["response_status"] = replied_at, status
        plans.append((index, replies, changes))
    return plans


def load_stories(session: Session, count: int, progress: Callable[[int], None] = lambda n: None,
                 seed: int = 2026, batch: int = 5000) -> int:
    """Add `count` stories over the active providers, committing batch by batch."""
    if count <= 0:
        return 0
    provider_ids = list(session.scalars(select(Provider.id).where(Provider.active.is_(True))))
    if not provider_ids:
        raise RuntimeError("load the demo directory (or import providers) before stories")
    tag_ids = list(session.scalars(select(Tag.id)))
    author_ids = _authors(session, max(1, min(count // 3, 50_000)))
    session.commit()
    rng = random.Random(seed + (session.scalar(select(func.count(Story.id))) or 0))
    made = 0
    for rows, tags in _rows(rng, count, provider_ids, author_ids, tag_ids, batch):
        plans = _plan_responses(rng, rows)
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



