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
from app.moderation.flags import flag_kinds
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
        ids = list(session.scalars(insert(Story).returning(Story.id, sort_by_parameter_order=True), rows))
        links = [{"story_id": sid, "tag_id": tid} for sid, chosen in zip(ids, tags, strict=True) for tid in chosen]
        if links:
            session.execute(insert(story_tags), links)
        session.commit()
        made += len(rows)
        progress(len(rows))
    return made



