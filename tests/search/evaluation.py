"""The labelled evaluation sets of the service finder and of story search, and their measures: recall at 5
(of the results meant, the share found in the first five, up to five) and mean reciprocal rank (1 / the rank
of the first result meant, 0 when none is in the first 20). Used by the evaluation tests and by
bench/evaluate.py, which prints them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
SERVICES = HERE / "eval_services.tsv"
STORIES = HERE / "eval_stories.tsv"
DEPTH = 20


def _lines(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, expected = line.split("\t")
            rows.append((query, expected))
    return rows


def service_queries() -> list[tuple[str, set[str]]]:
    return [(q, set(e.split())) for q, e in _lines(SERVICES)]


def story_queries() -> list[tuple[str, list[list[str]]]]:
    return [(q, [[alt.strip().lower() for alt in group.split("|")] for group in e.split(";")])
            for q, e in _lines(STORIES)]


def relevant(text: str, groups: list[list[str]]) -> bool:
    return all(any(alt in text for alt in group) for group in groups)


@dataclass
class Measured:
    recall_at_5: float
    mrr: float
    misses: list[tuple[str, list]] = field(default_factory=list)  # queries below full recall, with what came

    def line(self, name: str) -> str:
        return f"{name}: recall@5 {self.recall_at_5:.3f}, MRR {self.mrr:.3f} over its queries"


def measure(results: list[tuple[str, list, set]]) -> Measured:
    """(query, ranked result keys, the keys meant) for each query."""
    recall, reciprocal, misses = 0.0, 0.0, []
    for query, ranked, meant in results:
        top = ranked[:5]
        found = len(set(top) & meant) / min(5, len(meant)) if meant else 0.0
        recall += found
        rank = next((i for i, key in enumerate(ranked[:DEPTH], 1) if key in meant), None)
        reciprocal += 1 / rank if rank else 0.0
        if found < 1:
            misses.append((query, top))
    n = max(1, len(results))
    return Measured(recall / n, reciprocal / n, misses)


def evaluate_finder(session) -> Measured:
    from app.directory import finder

    results = []
    for query, codes in service_queries():
        ranked = [m.code for m in finder.find(session, query, limit=DEPTH)]
        # One service meant: found when it is in the first five.
        results.append((query, ranked, codes if len(codes) > 1 else codes))
    return measure([(q, r, {next(iter(c))} if len(c) == 1 else c) for q, r, c in results])


def story_texts(session) -> dict[int, str]:
    from app.search.documents import documents

    return {d.id: f"{d.title}\n{d.body}\n{d.replies}\n{d.providers}".lower() for d in documents(session)}


def evaluate_search(session) -> tuple[Measured, list[str]]:
    """Story search through the search service (the configured backend). Also returns the queries that have
    no relevant story at all (the set must not hold any)."""
    from app.search import services
    from app.search.query import SearchRequest

    texts = story_texts(session)
    results, empty = [], []
    for query, groups in story_queries():
        meant = {sid for sid, text in texts.items() if relevant(text, groups)}
        if not meant:
            empty.append(query)
        found = services.search(SearchRequest(text=query, per_page=DEPTH))
        results.append((query, [hit.story_id for hit in found.hits], meant))
    return measure(results), empty
