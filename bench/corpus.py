"""Bench corpus: 10,000 providers in a hierarchy and N stories in every state, written in Core batches.

    .venv/bin/python bench/corpus.py --stories 100000 [--database URL]

The database must already have its tables (`flask --app wsgi db upgrade`). Stories are added to what is
there, so a run can grow a corpus. Text comes from a Zipf-weighted vocabulary (Faker's words, the words
of care, and a long tail of names and places), so search sees common, middling and rare words as on a
real site. Rows go in with SQLAlchemy Core executemany, keeping what the services keep: a story's
response status and first reply time follow its replies and changes (as `refresh_response` derives
them), stories awaiting moderation carry `flag_kinds`, and on PostgreSQL a published story gets the same weighted
search vector the PostgreSQL search backend writes.
"""
from __future__ import annotations

import argparse
import itertools
import math
import random
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

PROVIDER_PREFIX = "BX"  # bench provider codes start with it, so a second run finds them
TRUSTS, HOSPITALS_PER_TRUST, DEPARTMENTS_PER_HOSPITAL = 150, 3, 10
STANDALONE = [("gp_practice", 3000), ("care_home", 1500), ("service", 400)]  # with the above: 10,000
DEPARTMENTS = ["Accident and Emergency", "Acute Medicine", "Maternity", "Children's Ward", "Outpatients",
               "Cardiology", "Surgery", "Intensive Care", "Oncology", "Radiology", "Orthopaedics",
               "Rehabilitation", "Eye Clinic", "Renal Unit", "Stroke Unit", "Endoscopy"]
# How often stories land on each kind of provider, before each provider's own popularity.
KIND_WEIGHT = {"trust": 0.05, "hospital": 0.3, "department": 1.0, "gp_practice": 1.0, "care_home": 0.5,
               "service": 0.4}
CARE_WORDS = (
    "nurse nurses doctor doctors ward staff waiting wait appointment pain care caring kind rude discharge "
    "medication medicines receptionist consultant surgery operation scan results bed night hours listened "
    "explained dignity respect food clean noisy parking clinic midwife baby mother father son daughter "
    "husband wife dementia physiotherapy ambulance emergency referral letter phone called booked cancelled "
    "delayed treatment diagnosis cancer heart blood test ward sister matron porter toilet shower visiting "
    "family carer compassion thank grateful frightened anxious confused hospital practice home"
).split()


def vocabulary(seed: int = 2026) -> tuple[list[str], list[float]]:
    """Words and their cumulative Zipf weights: a few very common words and a long tail of rare ones."""
    from faker import Faker
    from faker.providers.lorem.en_US import Provider as Lorem

    fake = Faker("en_GB")
    fake.seed_instance(seed)
    head = list(dict.fromkeys(CARE_WORDS + list(Lorem.word_list)))
    random.Random(seed).shuffle(head)
    tail: dict[str, None] = {}
    while len(tail) < 4000:
        for word in (fake.last_name(), fake.city().split()[-1], fake.first_name()):
            word = word.lower()
            if word.isalpha() and word not in tail:
                tail[word] = None
    words = head + [w for w in tail if w not in head]
    cumulative = list(itertools.accumulate(1 / (rank ** 1.07) for rank in range(1, len(words) + 1)))
    return words, cumulative


class Writer:
    """Text from the vocabulary: sentences of 5-18 words, bodies whose length is log-normal."""

    def __init__(self, rng: random.Random, seed: int = 2026) -> None:
        self.rng = rng
        self.words, self.cumulative = vocabulary(seed)

    def sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=self.rng.randint(5, 18))
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def title(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=self.rng.randint(3, 8))
        return (words[0].capitalize() + " " + " ".join(words[1:]))[:150]

    def body(self) -> str:
        # Median about 120 words; one story in a hundred passes 600 (real stories run from a line to pages).
        target = max(15, min(1500, int(self.rng.lognormvariate(math.log(120), 0.65))))
        paragraphs, count = [], 0
        while count < target:
            sentences = [self.sentence() for _ in range(self.rng.randint(2, 6))]
            count += sum(s.count(" ") + 1 for s in sentences)
            paragraphs.append(" ".join(sentences))
        return "\n\n".join(paragraphs)[:10_000]


def providers(session: Session, seed: int = 2026) -> list[tuple[int, str, int | None, str]]:
    """The 10,000 bench providers (made on the first run): (id, kind, parent id, name) for each."""
    from faker import Faker

    from app.directory.models import Provider
    from app.extensions import utcnow

    def existing():
        return list(session.execute(select(Provider.id, Provider.kind, Provider.parent_id, Provider.name)
                                    .where(Provider.code.like(PROVIDER_PREFIX + "%")).order_by(Provider.id)))

    if have := existing():
        return [tuple(r) for r in have]
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    now = utcnow()
    serial = itertools.count(1)

    def row(kind: str, name: str, parent_id: int | None, postcode: str | None = None) -> dict:
        code = f"{PROVIDER_PREFIX}{next(serial):05d}"
        return {"code": code, "name": name[:200], "kind": kind, "parent_id": parent_id,
                "postcode": postcode or fake.postcode(), "email": f"feedback+{code.lower()}@example.org",
                "website": f"https://{code.lower()}.example.org/", "active": True, "contact_alerts": True,
                "created_at": now, "updated_at": now}

    def add(rows: list[dict]) -> list[int]:
        return list(session.scalars(insert(Provider).returning(Provider.id, sort_by_parameter_order=True), rows))

    trust_kinds = ["Health", "Teaching Hospitals", "Community Health"]
    hospital_kinds = ["General Hospital", "Royal Infirmary", "Community Hospital"]
    trust_ids = add([row("trust", f"{fake.city()} {fake.random_element(trust_kinds)} NHS Trust", None)
                     for _ in range(TRUSTS)])
    hospitals = [row("hospital", f"{fake.city()} {fake.random_element(hospital_kinds)}", t)
                 for t in trust_ids for _ in range(HOSPITALS_PER_TRUST)]
    hospital_ids = add(hospitals)
    add([row("department", name, h, hospital["postcode"])
         for h, hospital in zip(hospital_ids, hospitals, strict=True)
         for name in random.Random(h).sample(DEPARTMENTS, DEPARTMENTS_PER_HOSPITAL)])
    suffix = {"gp_practice": ["Surgery", "Medical Centre", "Health Centre"],
              "care_home": ["Care Home", "Nursing Home", "House"], "service": ["Community Dental Service",
                                                                            "Patient Transport", "Hospice"]}
    add([row(kind, f"{fake.street_name()} {fake.random_element(suffix[kind])}", None)
         for kind, n in STANDALONE for _ in range(n)])
    session.commit()
    return [tuple(r) for r in existing()]


def authors(session: Session, wanted: int) -> list[int]:
    """Confirmed accounts without passwords, as stories told without signing up make."""
    from app.accounts.models import User
    from app.extensions import utcnow

    pattern = "bench-author-%@example.org"
    have = session.scalar(select(func.count(User.id)).where(User.email.like(pattern))) or 0
    now = utcnow()
    for offset in range(have, wanted, 10_000):
        session.execute(insert(User), [
            {"email": f"bench-author-{i}@example.org", "display_name": "", "email_confirmed_at": now,
             "session_version": 1, "is_moderator": False, "is_admin": False, "created_at": now}
            for i in range(offset, min(offset + 10_000, wanted))])
    session.commit()
    return list(session.scalars(select(User.id).where(User.email.like(pattern))))


def build(session: Session, count: int, batch: int = 5000, seed: int = 2026, search_vectors: bool | None = None,
          progress: Callable[[int], None] = lambda n: None) -> int:
    """Add `count` stories (and the providers, authors and tags they need). Returns how many were added."""
    from app.demo.stories import STATES, _plan_responses
    from app.extensions import utcnow
    from app.flags import flag_kinds
    from app.replies.models import VISIBLE, Change, Reply
    from app.stories.models import (
        AUTHOR_ROLES,
        AWAITING_CONFIRMATION,
        HIDDEN,
        PENDING,
        PUBLISHED,
        RETURNED,
        WITHDRAWN,
        Story,
        Tag,
        story_tags,
    )
    from app.stories.tags import ensure_tags

    if search_vectors is None:
        search_vectors = session.get_bind().dialect.name == "postgresql"
    ensure_tags(session)
    session.commit()
    tags = {tid: name for tid, name in session.execute(select(Tag.id, Tag.name).where(Tag.active.is_(True)))}
    tag_ids = list(tags)
    provs = providers(session, seed)
    parent = {pid: parent_id for pid, _, parent_id, _ in provs}
    names = {pid: name for pid, _, _, name in provs}
    prov_rng = random.Random(seed)
    # Popularity: a few providers hold many stories (a big A&E), most hold a few.
    prov_ids = [pid for pid, *_ in provs]
    prov_cum = list(itertools.accumulate(KIND_WEIGHT[kind] * prov_rng.paretovariate(1.2) for _, kind, _, _ in provs))
    author_ids = authors(session, max(1, min(count // 3, 200_000)))
    already = session.scalar(select(func.count(Story.id))) or 0
    rng = random.Random(seed + already)
    writer = Writer(rng, seed)
    states = [s for s, weight in STATES for _ in range(weight)]
    # Flags are read only by the moderation queue; scanning every text would double the build time.
    QUEUE_STATES = {PENDING, AWAITING_CONFIRMATION, RETURNED}  # noqa: N806
    roles = list(AUTHOR_ROLES)
    pseudonyms = ["Anonymous"] * 6 + ["A grateful patient", "Worried daughter", "A carer", "Proud mum"]
    vector_sql = None
    if search_vectors:
        from app.search.postgres_backend import VECTOR
        vector_sql = text(f"UPDATE stories SET search_vector = {VECTOR.text} WHERE id = :id")

    def chain_names(pid: int) -> str:
        out, seen = [], set()
        while pid is not None and pid not in seen:
            seen.add(pid)
            out.append(names.get(pid, ""))
            pid = parent.get(pid)
        return " ".join(out)

    now = utcnow()
    made = 0
    while made < count:
        rows, chosen_tags = [], []
        for _ in range(min(batch, count - made)):
            status = rng.choice(states)
            title, body = writer.title(), writer.body()
            age = timedelta(minutes=rng.randint(0, 60 * 24 * 1460))
            submitted = now - age - timedelta(hours=rng.randint(1, 72))
            published = status in (PUBLISHED, HIDDEN) or (status == WITHDRAWN and rng.random() < 0.7)
            rows.append({
                "provider_id": rng.choices(prov_ids, cum_weights=prov_cum)[0],
                "author_id": rng.choice(author_ids), "title": title, "body": body,
                "experienced_on": (submitted - timedelta(days=rng.randint(0, 120))).date().replace(day=1),
                "author_role": rng.choice(roles), "on_behalf": rng.random() < 0.2,
                "public_name": rng.choice(pseudonyms), "status": status, "response_status": "awaiting_response",
                "criticality": rng.randint(0, 5) if published else None,
                "flags": flag_kinds(title, body, []) if status in QUEUE_STATES else [],
                "submission_key": None, "submitted_at": submitted,
                "queued_at": None if status == AWAITING_CONFIRMATION else submitted,
                "published_at": now - age if published else None, "updated_at": now - age,
                "withdrawn_at": now - age / 2 if status == WITHDRAWN else None,
                "read_count": rng.randint(0, 400) if published else 0, "version": 1,
            })
            chosen_tags.append(rng.sample(tag_ids, min(len(tag_ids), rng.choice([0, 1, 1, 2, 2, 3, 4]))))
        plans = _plan_responses(rng, rows)  # sets response_status and first_reply_at as refresh_response would
        # Ids chosen here rather than RETURNING: SQLAlchemy's sorted RETURNING over many small SQLite
        # statements costs more than the inserts themselves. The generator is the only writer meanwhile.
        next_id = (session.scalar(select(func.max(Story.id))) or 0) + 1
        ids = list(range(next_id, next_id + len(rows)))
        for sid, row in zip(ids, rows, strict=True):
            row["id"] = sid
        session.execute(insert(Story.__table__), rows)
        links = [{"story_id": sid, "tag_id": tid} for sid, tids in zip(ids, chosen_tags, strict=True) for tid in tids]
        if links:
            session.execute(insert(story_tags), links)
        replies = [{**r, "story_id": ids[i]} for i, rs, _ in plans for r in rs]
        changes = [{**c, "story_id": ids[i]} for i, _, cs in plans for c in cs]
        if replies:
            session.execute(insert(Reply.__table__), replies)
        if changes:
            session.execute(insert(Change.__table__), changes)
        if vector_sql is not None:
            reply_text: dict[int, list[str]] = {}
            for r in replies:
                if r["status"] == VISIBLE:
                    reply_text.setdefault(r["story_id"], []).append(r["body"])
            params = [{"id": sid, "title": row["title"], "body": row["body"],
                       "replies": "\n\n".join(reply_text.get(sid, [])),
                       "extra": chain_names(row["provider_id"]) + " " + " ".join(tags[t] for t in tids)}
                      for sid, row, tids in zip(ids, rows, chosen_tags, strict=True) if row["status"] == PUBLISHED]
            if params:
                session.execute(vector_sql, params)
        session.commit()
        made += len(rows)
        progress(len(rows))
    if session.get_bind().dialect.name == "postgresql":
        # Explicit ids leave the sequence behind; the site's next story must not collide with them.
        session.execute(text("SELECT setval(pg_get_serial_sequence('stories', 'id'), "
                             "(SELECT coalesce(max(id), 1) FROM stories))"))
        session.commit()
    # The insight aggregates, as `flask insight rebuild` computes them after a bulk load.
    from app.insight.aggregates import rebuild as rebuild_insight

    rebuild_insight(session)
    # Planner statistics, as a maintained database has them (autovacuum on PostgreSQL; ANALYZE by hand or
    # by cron on SQLite). Without them SQLite walks every published story, newest first, to fill a page
    # for a provider with few stories below it (docs/benchmarks.md).
    session.execute(text("ANALYZE"))
    session.commit()
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL, as the site reads it)")
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()

    from tqdm import tqdm

    from app import create_app
    from app.extensions import db

    overrides = {"SQLALCHEMY_DATABASE_URI": args.database} if args.database else {}
    app = create_app(overrides)
    with app.app_context(), tqdm(total=args.stories, unit="stories", smoothing=0.1) as bar:
        made = build(db.session, args.stories, batch=args.batch, progress=bar.update)
    print(f"{made} stories added")


if __name__ == "__main__":
    main()
