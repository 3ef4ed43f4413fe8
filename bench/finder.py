"""Service finder benchmark: what a person types against a directory of 50,000 providers.

    .venv/bin/python bench/finder.py                        # SQLite, a throwaway database
    .venv/bin/python bench/finder.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_finder

Builds a directory shaped like England's (trusts with hospitals and their wards and departments, GP
practices, care homes, services; names from common place words, so many share words), then times
`finder.find` for each kind of query people type (a typo, "St" for "Saint", an abbreviation, a full
postcode, a hospital's name that brings its wards, a common word). The floor is measured in the same run:
the same session looking one provider up by its code (`find_by_code`), what no search can beat. It prints
each kind's median and p95 in milliseconds and the median as a ratio of the floor. Nothing is asserted:
tests never time. The budget is a median of at most 20 ms for each kind.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PLACES = ["Riverside", "Hillside", "Northfield", "Southgate", "Westbrook", "Eastleigh", "Oakwood", "Ashford",
          "Kingsbury", "Millbrook", "Fairview", "Greenbank", "Highcliffe", "Lakeside", "Meadowvale", "Norbury",
          "Parkway", "Queensway", "Redhill", "Stonebridge", "Thornbury", "Upton", "Valley", "Whitchurch",
          "Yarmouth", "Brampton", "Clifton", "Denholme", "Elmswell", "Foxley", "Garston", "Harwood"]
SAINTS = ["St Anne's", "St Mary's", "St George's", "St Luke's", "St John's", "St Peter's", "St Helen's"]
WARDS = ["Accident and Emergency", "Ward {n} (Acute Medicine)", "Ward {n} (Surgery)", "Maternity Unit",
         "Children's Ward", "Intensive Care Unit", "Outpatients", "Cardiology", "Radiology", "Oncology Day Unit",
         "Physiotherapy", "Minor Injuries Unit", "Rehabilitation Ward", "Eye Casualty", "Ward {n}"]
QUERIES = {
    "typo": ["rivrside genral", "hilside royl infirmry", "nortfield comunity", "oakwod general"],
    "saint": ["saint annes hospital", "st marys", "saint georges general"],
    "abbreviation": ["a&e riverside", "ED hillside", "icu oakwood", "riverside gp"],
    "postcode": ["RD1 2BB", "HL12 5EE", "ab3 4cd"],
    "parent brings wards": ["riverside general hospital", "ward 7 kingsbury"],
    "common word": ["ward", "hospital", "medical centre"],
}


def _postcode(rng: random.Random) -> str:
    area = rng.choice(["RD", "HL", "CM", "AB", "NW", "SE", "B", "M"])
    return f"{area}{rng.randint(1, 30)} {rng.randint(0, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"


def directory(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    code = 0

    def add(name: str, kind: str, parent: int | None, postcode: str | None) -> int:
        nonlocal code
        code += 1
        rows.append({"id": code, "code": f"B{code:06d}", "name": name, "kind": kind, "parent_id": parent,
                     "postcode": postcode})
        return code

    while len(rows) < count * 0.6:
        place = rng.choice(PLACES)
        trust = add(f"{place} {rng.choice(['Health', 'Hospitals', 'Care'])} NHS Foundation Trust", "trust", None,
                    _postcode(rng))
        for _ in range(rng.randint(1, 4)):
            name = rng.choice([f"{place} General Hospital", f"{rng.choice(SAINTS)} Hospital",
                               f"{rng.choice(PLACES)} Community Hospital", f"{place} Royal Infirmary"])
            postcode = _postcode(rng)
            hospital = add(name, "hospital", trust, postcode)
            for ward in rng.sample(WARDS, rng.randint(5, 12)):
                add(ward.format(n=rng.randint(1, 40)), "department", hospital, postcode)
    while len(rows) < count:
        place = rng.choice(PLACES)
        kind, name = rng.choice([
            ("gp_practice", f"{place} {rng.choice(['Surgery', 'Medical Centre', 'Health Centre', 'Practice'])}"),
            ("care_home", f"{rng.choice(['Willow', 'Beacon', 'Rose', 'Cedar'])} {rng.choice(['Court', 'House'])} "
                          f"{rng.choice(['Care Home', 'Nursing Home'])}, {place}"),
            ("service", f"{place} Community Dental Service")])
        add(name, kind, None, _postcode(rng))
    return rows


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", help="a database URL (emptied and filled); default a throwaway SQLite file")
    args = parser.parse_args()

    from sqlalchemy import insert

    from app import create_app
    from app.directory import finder
    from app.directory.matching import match_name
    from app.directory.models import Provider
    from app.directory.services import find_by_code
    from app.extensions import db

    work = Path(tempfile.mkdtemp(prefix="storyloop-bench-finder-"))
    url = args.database or f"sqlite:///{work / 'finder.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        rows = directory(args.providers)
        for row in rows:
            row["match_name"] = match_name(row["name"])
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Provider), rows[start:start + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE providers"))
            db.session.commit()
        print(f"{len(rows):,} providers on {db.engine.dialect.name} in {time.perf_counter() - started:.1f} s")
        finder.find(db.session, "warm up")  # the in-process index (SQLite), the trigram check (PostgreSQL)
        floor = timed(lambda: (find_by_code(db.session, "B000123"), db.session.rollback()), args.repeat * 4)
        floor_ms = statistics.median(floor)
        print(f"floor (find_by_code): median {floor_ms:.2f} ms")
        print(f"{'kind':22} {'median ms':>10} {'p95 ms':>8} {'× floor':>8}  within 20 ms")
        for kind, queries in QUERIES.items():
            times = []
            for q in queries:
                times += timed(lambda q=q: (finder.find(db.session, q), db.session.rollback()), args.repeat)
            median = statistics.median(times)
            p95 = sorted(times)[int(0.95 * (len(times) - 1))]
            print(f"{kind:22} {median:10.2f} {p95:8.2f} {median / floor_ms:8.1f}  {'yes' if median <= 20 else 'NO'}")
        for q in ("rivrside genral", "saint annes hospital", "RD1 2BB", "ward 7 kingsbury"):
            best = finder.find(db.session, q, limit=3)
            print(f"  {q!r}: " + "; ".join(f"{m.chain_text} ({m.score:.2f})" for m in best))


if __name__ == "__main__":
    main()
