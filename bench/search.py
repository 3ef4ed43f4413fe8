"""Search benchmark: index build speed and /search's query latency on a Zipf corpus, beside a bare Whoosh query.

    .venv/bin/python bench/search.py --stories 100000            # build an index, then time queries
    .venv/bin/python bench/search.py --stories 100000 --keep DIR # keep (or reuse) the index in DIR
    .venv/bin/python bench/search.py --database postgresql+psycopg://…/bench_1m   # the PostgreSQL backend

With --database, the PostgreSQL backend instead: the database must hold a corpus from bench/corpus.py
(which writes the search vectors); each query of the mix is timed through the search service beside a
bare ranked top-20 query (`ts_rank` over every match, through the GIN index) for the same words.

Generates stories of 60–220 words drawn from a 30,000-word vocabulary with a Zipf distribution (a few
words such as "staff" or "care" are in almost every story, most words are rare: the shape of real text),
builds the Whoosh index with the project's own backend (the multi-process writer), then times the search
service the /search page calls (query, snippets, facets, did-you-mean) for a mix of queries, each beside a
bare Whoosh top-20 query for the same words on the same index, measured in the same run: the ratio is the
figure that counts. Nothing here is asserted; tests never time. `bench/run.py` measures `search rebuild`
end to end (database included) on the corpus of the benchmarks.
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COMMON = ("staff care nurse ward doctor time told waiting appointment hospital treatment pain help felt "
          "really family mother father patient day night team kind thank room bed medication surgery "
          "clinic reception phone call letter discharge visit test results scan operation food water "
          "toilet clean dirty rude caring friendly explained listened ignored late cancelled hours weeks "
          "months home service manager complaint worried scared safe").split()
SYLLABLES = ("ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no "
             "pa pe pi po ra re ri ro ru sa se si so ta te ti to va ve vi wa we ya zo cha sho thi").split()
TAGS = ("kindness communication waiting-times cleanliness food staffing dignity pain-management discharge "
        "appointments parking medication information privacy").split()


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words, seen = list(COMMON), set(COMMON)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def corpus(count: int, seed: int = 7):
    """StoryDocuments, newest first (the order the rebuild writes them in: app/search/documents.py)."""
    from app.search.documents import StoryDocument

    rng = random.Random(seed)
    words = vocabulary(30_000, rng)
    cum = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
    total = cum[-1]

    def text(n: int) -> str:
        picks = [words[bisect.bisect_left(cum, rng.random() * total)] for _ in range(n)]
        sentences, i = [], 0
        while i < len(picks):
            step = rng.randint(8, 18)
            sentences.append(" ".join(picks[i:i + step]).capitalize() + ".")
            i += step
        return " ".join(sentences)

    trusts = [(1000 + t, f"Trust {t}") for t in range(20)]
    hospitals = [(2000 + h, f"Hospital {h}", trusts[h % 20]) for h in range(100)]
    wards = [(3000 + w, f"Ward {w}", hospitals[w % 100]) for w in range(1000)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for story_id in range(count, 0, -1):
        ward = wards[rng.randrange(len(wards))]
        hospital, trust = ward[2], ward[2][2]
        tags = rng.sample(TAGS, rng.randint(0, 3))
        yield StoryDocument(
            id=story_id, title=text(rng.randint(3, 9)).rstrip("."), body=text(rng.randint(60, 220)),
            replies=text(rng.randint(30, 90)) if rng.random() < 0.4 else "",
            providers=f"{ward[1]} {hospital[1]} {trust[1]}", provider_code=f"W{ward[0]}",
            within=[ward[0], hospital[0], trust[0]], tags=tags, tags_text=" ".join(t.replace("-", " ") for t in tags),
            month=(start + timedelta(minutes=10 * story_id)).strftime("%Y-%m"), criticality=rng.randint(0, 4),
            response_status=rng.choice(("awaiting", "replied", "change_planned", "change_made")),
            published_at=start + timedelta(minutes=10 * story_id),
        )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def postgres(url: str, repeat: int) -> None:
    """The query mix against a bench/corpus.py database with the PostgreSQL backend, beside bare ranked queries."""
    import os

    os.environ.update(DATABASE_URL=url, SEARCH_BACKEND="postgres", SECRET_KEY=os.environ.get("SECRET_KEY", "bench"))
    from sqlalchemy import func, select, text

    from app import create_app
    from app.directory.models import Provider
    from app.extensions import db
    from app.search import services
    from app.search.query import SearchRequest
    from app.stories.models import PUBLISHED, Story
    from bench.corpus import vocabulary

    app = create_app()
    words, _ = vocabulary()  # most common first
    bare_sql = text("SELECT id FROM stories, websearch_to_tsquery('english', :q) AS q "
                    "WHERE status = 'published' AND search_vector @@ q "
                    "ORDER BY ts_rank(search_vector, q) DESC, id DESC LIMIT 20")
    with app.app_context():
        # Stop words ("your") are not indexed: rank the words PostgreSQL keeps.
        words = list(db.session.scalars(text(
            "SELECT w FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS u(w, n) "
            "WHERE to_tsvector('english', w) <> ''::tsvector ORDER BY n"), {"words": words}))
        published = db.session.scalar(select(func.count(Story.id)).where(Story.status == PUBLISHED))
        trust = db.session.scalar(select(Provider.id).where(Provider.kind == "trust").order_by(Provider.id))
        body = db.session.scalar(select(Story.body).where(Story.status == PUBLISHED).order_by(Story.id.desc()))
        pair = [w.strip(".,").lower() for w in body.split()[3:5]]
        queries = {f"rank {r}": (words[r], {}) for r in (0, 50, 500, 3000)}
        queries["rank 0 newest"] = (words[0], {"sort": "newest"})
        queries["rank 0 + rank 500"] = (f"{words[0]} {words[500]}", {})
        queries["rank 5 + rank 50"] = (f"{words[5]} {words[50]}", {})
        queries["phrase"] = (f'"{pair[0]} {pair[1]}"', {})
        queries["rank 0, page 5"] = (words[0], {"page": 5})
        queries["rank 50, a trust"] = (words[50], {"provider_id": trust})
        queries["misspelt"] = (words[300][:-1] + "x", {})
        print(f"PostgreSQL, {published:,} published stories\n")
        print(f"{'query':<20}{'matches':>9}{'bare p50':>10}{'bare p95':>10}{'site p50':>10}{'site p95':>10}")
        every_site: list[float] = []
        for label, (words_text, extra) in queries.items():
            matches = db.session.execute(text(
                "SELECT count(*) FROM stories WHERE status = 'published' "
                "AND search_vector @@ websearch_to_tsquery('english', :q)"), {"q": words_text}).scalar()
            bare = timed(lambda q=words_text: db.session.execute(bare_sql, {"q": q}).all(), max(3, repeat // 4))
            request = SearchRequest(text=words_text, **extra)
            services.search(request)  # warm
            site = timed(lambda r=request: services.search(r), repeat)
            db.session.rollback()
            every_site.extend(site)
            print(f"{label:<20}{matches:>9}{statistics.median(bare):>9.1f}ms{percentile(bare, 95):>9.1f}ms"
                  f"{statistics.median(site):>9.1f}ms{percentile(site, 95):>9.1f}ms", flush=True)
        print(f"\nall queries: site p50 {statistics.median(every_site):.1f} ms, "
              f"p95 {percentile(every_site, 95):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--keep", help="index folder to build into, or to reuse when it already holds an index")
    parser.add_argument("--merge", action="store_true",
                        help="merge the kept index's segments into one first (what a rebuild does since 2026-11-28)")
    parser.add_argument("--database", help="a PostgreSQL URL holding a bench/corpus.py corpus: time that backend")
    parser.add_argument("--no-bare", action="store_true",
                        help="time the site's searches only (Whoosh): the bare top-20 over every match takes 10 s "
                             "a query for a common word at 1,000,000 stories")
    args = parser.parse_args()
    if args.database:
        postgres(args.database, args.repeat)
        return

    from tqdm import tqdm
    from whoosh.query import And, Or, Term

    from app.search.query import SearchRequest, parse
    from app.search.whoosh_backend import WhooshBackend
    from app.search.whoosh_schema import TEXT_FIELDS, term

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="storyloop-search-bench-")) / "index"
    backend = WhooshBackend(str(folder))
    if not backend.available():
        started = time.perf_counter()
        with tqdm(total=args.stories, unit="story", desc="index") as bar:
            count = backend.rebuild(corpus(args.stories), progress=bar.update, procs=args.procs)
        seconds = time.perf_counter() - started
        print(f"index build: {count} stories in {seconds:.1f} s = {count / seconds:.0f} stories/s "
              f"(procs={args.procs}; documents generated in memory, no database)")
    if args.merge:
        from app.search.whoosh_write import merge_segments

        ix = backend._open()
        before = len(ix._segments())
        seconds = merge_segments(ix, args.procs)
        ix.close()
        print(f"merged {before} segments into {len(ix._segments())} in {seconds:.1f} s")
    ix = backend._open()
    with ix.searcher() as searcher:
        doc_count = searcher.doc_count()
        ranked = sorted(((searcher.doc_frequency("body", t), t.decode()) for t in searcher.lexicon("body")),
                        reverse=True)
    print(f"index: {doc_count} stories in {len(ix._segments())} segments in {folder}")

    def word(rank: int) -> str:
        return ranked[min(rank, len(ranked) - 1)][1]

    queries = {f"rank {r}": (word(r), {}) for r in (0, 50, 500, 5000)}
    queries["rank 0 newest"] = (word(0), {"sort": "newest"})
    queries["rank 0 + rank 500"] = (f"{word(0)} {word(500)}", {})
    queries["rank 5 + rank 50"] = (f"{word(5)} {word(50)}", {})
    with ix.searcher() as searcher:
        pair = [w.strip(".").lower() for w in searcher.stored_fields(0)["body"].split()[3:5]]
    queries["phrase"] = (f'"{pair[0]} {pair[1]}"', {})
    queries["rank 0, page 5"] = (word(0), {"page": 5})
    queries["rank 50, provider"] = (word(50), {"provider_id": 1003})
    queries["misspelt"] = (word(300)[:-1] + "x", {})

    print(f"\n{'query':<20}{'docs':>8}{'bare p50':>10}{'bare p95':>10}{'site p50':>10}{'site p95':>10}{'ratio':>7}")
    every_site: list[float] = []
    from app.search import services  # noqa: F401  (search() below needs no app for the Whoosh backend)

    for label, (text, extra) in queries.items():
        parsed = parse(text)
        with ix.searcher() as searcher:
            stems = [term(ix.schema, "body", w) for w in parsed.words]
            bare_q = And([Or([Term(f, s) for f in TEXT_FIELDS]) for s in stems]) if stems else None
            docs = min((searcher.doc_frequency("body", s) for s in stems), default=0)
            timed_bare = bare_q is not None and not args.no_bare
            bare = timed(lambda q=bare_q: list(searcher.search(q, limit=20)), args.repeat) if timed_bare else [0.0]
        request = SearchRequest(text=text, **extra)
        backend.search(parse(text), request)  # warm: the first search after a change reads its new segments
        site = timed(lambda t=text, r=request: backend.search(parse(t), r), args.repeat)
        every_site.extend(site)
        bare_cols = (f"{statistics.median(bare):>9.1f}ms{percentile(bare, 95):>9.1f}ms" if timed_bare
                     else f"{'-':>11}{'-':>11}")
        ratio = f"{percentile(site, 95) / max(percentile(bare, 95), 0.001):.1f}" if timed_bare else "-"
        print(f"{label:<20}{docs:>8}{bare_cols}{statistics.median(site):>9.1f}ms{percentile(site, 95):>9.1f}ms"
              f"{ratio:>7}")
    print(f"\nall queries: site p50 {statistics.median(every_site):.1f} ms, p95 {percentile(every_site, 95):.1f} ms")
    ix.close()


if __name__ == "__main__":
    main()
