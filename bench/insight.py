"""Insight benchmark: page times for /providers/<code>/insight and /compare over a large demo corpus.

    .venv/bin/python bench/insight.py --stories 1000000

Builds a throwaway SQLite database of demo stories (the demo loader rebuilds the monthly aggregates at
the end, as `insight rebuild` does), then times whole requests through the WSGI app, and the cost of
one event (publishing a story) that keeps the aggregates up to date. Nothing is asserted; tests never time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", help="an existing database URL to reuse instead of building one")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from app import create_app
    from app.demo.cli import load_demo
    from app.demo.stories import load_stories
    from app.extensions import db
    from app.insight.models import ProviderMonth
    from app.stories.models import Story

    work = Path(tempfile.mkdtemp(prefix="storyloop-bench-"))
    url = args.database or f"sqlite:///{work / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "RATELIMIT_ENABLED": False, "SEARCH_INDEX_DIR": str(work / "search-index")})
    with app.app_context():
        if not args.database:
            db.create_all()
            load_demo()
            started = time.perf_counter()
            load_stories(db.session, args.stories)
            print(f"corpus and aggregates: {args.stories} stories in {time.perf_counter() - started:.1f} s ({work})")
        stories = db.session.scalar(select(func.count(Story.id)))
        rows = db.session.scalar(select(func.count()).select_from(ProviderMonth))
        print(f"{stories} stories, {rows} provider-month rows")
    client = app.test_client()
    pages = ["/providers/RDM/insight", "/providers/RDM01-W02/insight", "/compare?kind=hospital",
             "/compare?kind=department&sort=median_reply", "/compare?parent=RDM01", "/providers/RDM/insight.csv",
             "/api/v1/providers/RDM/insight"]
    print(f"\n{'page':<46}{'p50':>9}{'p95':>9}")
    for page in pages:
        client.get(page)  # templates compiled, caches warm
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            assert client.get(page).status_code == 200
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{page:<46}{statistics.median(times):>7.1f}ms{percentile(times, 95):>7.1f}ms")


if __name__ == "__main__":
    main()
