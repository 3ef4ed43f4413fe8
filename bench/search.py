"""Search benchmark: rebuild speed and query latency for /search's backend, beside a bare Whoosh query.

    .venv/bin/python bench/search.py --stories 100000

Builds a throwaway SQLite database of demo stories, rebuilds the Whoosh index with the project's own
code, then times the search service (query, snippets, facets, did-you-mean) for words of different
frequencies, each beside a bare Whoosh top-20 query for the same word on the same index, measured in
the same run: the ratio is the figure that counts. Nothing here is asserted; tests never time.
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
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args()

    from whoosh import index as whoosh_index
    from whoosh.query import Term

    from app import create_app
    from app.demo.cli import load_demo
    from app.demo.stories import load_stories
    from app.extensions import db
    from app.search import services
    from app.search.query import SearchRequest

    work = Path(tempfile.mkdtemp(prefix="storyloop-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}", "SECRET_KEY": "bench",
                      "SEARCH_INDEX_DIR": str(work / "search-index"), "TESTING": True})
    with app.app_context():
        db.create_all()
        load_demo()
        started = time.perf_counter()
        load_stories(db.session, args.stories)
        print(f"corpus: {args.stories} stories in {time.perf_counter() - started:.1f} s ({work})")
        published = services.published_count(db.session)
        started = time.perf_counter()
        services.rebuild(db.session, procs=args.procs)
        seconds = time.perf_counter() - started
        print(f"rebuild: {published} published stories in {seconds:.1f} s = {published / seconds:.0f} stories/s "
              f"(procs={args.procs})")

        ix = whoosh_index.open_dir(str(work / "search-index"))
        with ix.searcher() as searcher:
            terms = sorted(((searcher.doc_frequency("body", t), t.decode() if isinstance(t, bytes) else t)
                            for t in searcher.lexicon("body")), reverse=True)
        words = {f"rank {r}": terms[min(r, len(terms) - 1)][1] for r in (0, 10, 50)}
        words["rare"] = terms[-1][1]
        print(f"\n{'query':<22}{'docs':>8}{'bare p50':>10}{'bare p95':>10}{'site p50':>10}{'site p95':>10}{'ratio':>8}")
        for label, word in words.items():
            with ix.searcher() as searcher:
                bare = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    list(searcher.search(Term("body", word), limit=20))
                    bare.append((time.perf_counter() - t0) * 1000)
                docs = searcher.doc_frequency("body", word)
            site = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                services.search(SearchRequest(text=word))
                site.append((time.perf_counter() - t0) * 1000)
            print(f"{label + ' ' + word:<22}{docs:>8}{statistics.median(bare):>9.1f}ms{percentile(bare, 95):>9.1f}ms"
                  f"{statistics.median(site):>9.1f}ms{percentile(site, 95):>9.1f}ms"
                  f"{percentile(site, 95) / max(percentile(bare, 95), 0.001):>8.1f}")
        ix.close()


if __name__ == "__main__":
    main()
