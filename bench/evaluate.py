"""Recall at 5 and mean reciprocal rank of the service finder and of story search, on the labelled sets in
tests/search/eval_services.tsv and tests/search/eval_stories.tsv (written from the demo directory and stories).

    .venv/bin/python bench/evaluate.py                       # SQLite, Whoosh
    .venv/bin/python bench/evaluate.py --database postgresql+psycopg://postgres@127.0.0.1:5432/NAME  # + postgres

Builds a throwaway database with the demo directory and 200 demo stories (the same seed as the tests), then
prints each measure and the queries that missed.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a database URL (emptied and filled); default a throwaway SQLite file")
    parser.add_argument("--stories", type=int, default=200)
    args = parser.parse_args()

    from app import create_app
    from app.demo.cli import load_demo
    from app.demo.stories import load_stories
    from app.extensions import db
    from app.search import services
    from tests.search.evaluation import evaluate_finder, evaluate_search

    work = Path(tempfile.mkdtemp(prefix="storyloop-evaluate-"))
    url = args.database or f"sqlite:///{work / 'evaluate.db'}"
    backends = ["whoosh"] + (["postgres"] if url.startswith("postgresql") else [])
    for backend in backends:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "evaluate", "TESTING": True,
                          "SEARCH_INDEX_DIR": str(work / "index"), "SEARCH_BACKEND": backend})
        with app.app_context():
            db.drop_all()
            db.create_all()
            load_demo()
            load_stories(db.session, args.stories)
            services.rebuild(db.session, procs=1)
            finder_measured = evaluate_finder(db.session)
            print(finder_measured.line(f"service finder ({db.engine.dialect.name})"))
            for query, top in finder_measured.misses:
                print(f"  missed {query!r}: {top}")
            search_measured, empty = evaluate_search(db.session)
            print(search_measured.line(f"story search ({backend})"))
            for query, top in search_measured.misses:
                print(f"  below full recall {query!r}: {top}")
            if empty:
                print(f"  queries with no relevant story: {empty}")
            db.session.remove()


if __name__ == "__main__":
    main()
