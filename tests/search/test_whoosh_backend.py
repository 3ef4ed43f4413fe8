"""The Whoosh backend's fast paths: snippets, facets from columns, searching among the newest, spelling, reopening."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.search import whoosh_read, whoosh_schema, whoosh_write
from app.search.documents import StoryDocument
from app.search.query import SearchRequest, parse
from app.search.snippets import snippet
from app.search.whoosh_backend import WhooshBackend

START = datetime(2026, 1, 1, tzinfo=UTC)


def doc(story_id: int, body: str, *, title: str = "A story", provider: str = "W1", tags=(), criticality: int = 1):
    return StoryDocument(
        id=story_id, title=title, body=body, replies="", providers="Heron Ward", provider_code=provider,
        within=[1], tags=list(tags), tags_text=" ".join(tags), month="2026-01", criticality=criticality,
        response_status="awaiting_response", published_at=START + timedelta(days=story_id),
    )


@pytest.fixture
def backend(tmp_path):
    return WhooshBackend(str(tmp_path / "index"))


def search(backend, text, **kwargs):
    return backend.search(parse(text), SearchRequest(text=text, **kwargs))


# ---------------------------------------------------------------- snippets

def test_snippet_marks_stemmed_variants_and_escapes_the_rest():
    html = snippet("The <b>nurses</b> were kind. Parking was hard. A nurse came back.", {"nurs"})
    assert html == ('The &lt;b&gt;<mark class="match">nurses</mark>&lt;/b&gt; were kind. … '
                    'A <mark class="match">nurse</mark> came back.')


def test_snippet_of_a_long_sentence_is_cut_around_the_first_match():
    body = " ".join(["filler"] * 200) + " the pharmacist helped " + " ".join(["filler"] * 200)
    html = snippet(body, {"pharmacist"})
    assert '<mark class="match">pharmacist</mark>' in html
    assert html.startswith("…") and html.endswith("…") and len(html) < 400


def test_snippet_without_a_match_is_the_escaped_opening():
    assert snippet("<script>alert(1)</script> " + "x" * 300, {"absent"}).startswith("&lt;script&gt;")


# ---------------------------------------------------------------- facets, windows, spelling

def test_facets_count_providers_and_every_tag_of_each_match(backend):
    backend.rebuild([doc(1, "kind staff", provider="W1", tags=["kindness", "food"]),
                     doc(2, "kind staff", provider="W1", tags=["kindness"]),
                     doc(3, "kind staff", provider="G1"),
                     doc(4, "rude staff", provider="G2", tags=["food"])], procs=1)
    results = search(backend, "kind")
    assert results.total == 3 and not results.total_is_lower_bound
    assert results.facets == {"provider": [("W1", 2), ("G1", 1)], "tags": [("kindness", 2), ("food", 1)]}


def test_a_very_common_word_is_searched_among_the_newest_stories(backend, monkeypatch):
    backend.rebuild([doc(i, f"staff story number {i}") for i in range(1, 9)], procs=1)
    monkeypatch.setattr(whoosh_read, "WINDOW_FROM", 3)
    monkeypatch.setattr(whoosh_read, "FACET_MIN", 2)
    results = search(backend, "staff", sort="newest", per_page=2)
    assert [hit.story_id for hit in results.hits] == [8, 7]
    assert results.total_is_lower_bound and results.total == 8  # every story holds the word: a true bound
    assert any("most recent" in note for note in results.notes)
    ranked = search(backend, "staff", per_page=2)
    assert {hit.story_id for hit in ranked.hits} <= {6, 7, 8}


def test_a_narrow_filter_never_hides_older_matches(backend, monkeypatch):
    stories = [doc(i, f"staff story number {i}", criticality=4 if i <= 2 else 1) for i in range(1, 9)]
    backend.rebuild(stories, procs=1)
    monkeypatch.setattr(whoosh_read, "WINDOW_FROM", 3)
    monkeypatch.setattr(whoosh_read, "FACET_MIN", 2)
    results = search(backend, "staff", sort="newest", per_page=2, criticality=4)
    assert [hit.story_id for hit in results.hits] == [2, 1]
    assert results.total == 2 and not results.total_is_lower_bound


def test_spelling_suggestions_are_whole_words_from_every_segment(backend):
    from whoosh import index

    backend.rebuild([doc(1, "The ward was clean.")], procs=1)
    ix = index.open_dir(str(backend.path))
    writer = ix.writer()
    writer.add_document(**whoosh_schema.document_fields(doc(2, "Both hospitals were busy.")))
    writer.commit(merge=False)  # a second segment, as the worker's small commits leave
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) == 2
    assert search(backend, "hospitalz").suggestion == "hospitals"  # the word, not its stem "hospit"
    assert search(backend, "wrd").suggestion == "ward"


def test_an_open_searcher_sees_deletions_and_a_swapped_index(backend):
    backend.rebuild([doc(1, "heronry"), doc(2, "heronry")], procs=1)
    assert search(backend, "heronry").total == 2
    backend.update([], deleted=[1])
    assert [hit.story_id for hit in search(backend, "heronry").hits] == [2]
    backend.rebuild([doc(3, "kingfisher")], procs=1)
    assert search(backend, "heronry").total == 0 and search(backend, "kingfisher").total == 1


@pytest.mark.parametrize("procs", [1, 2])
def test_a_rebuild_in_several_batches_holds_every_story(backend, monkeypatch, procs):
    monkeypatch.setattr(whoosh_write, "REBUILD_BATCH", 2)
    assert backend.rebuild([doc(i, f"kingfisher number {i}") for i in range(1, 6)], procs=procs) == 5
    results = search(backend, "kingfisher", sort="newest")
    assert [hit.story_id for hit in results.hits] == [5, 4, 3, 2, 1] and results.total == 5
    # Written as a segment per batch (and process), merged into one per process before the swap.
    assert len(backend._searcher().leaf_searchers()) == procs


def test_a_rebuild_writes_segments_per_batch_and_merges_them(backend, monkeypatch):
    monkeypatch.setattr(whoosh_write, "REBUILD_BATCH", 2)
    seen = []
    real = whoosh_write.merge_segments

    def counting(ix, procs):
        seen.append(len(ix._segments()))
        return real(ix, procs)

    monkeypatch.setattr(whoosh_write, "merge_segments", counting)
    backend.rebuild([doc(i, f"heron number {i}") for i in range(1, 8)], procs=1)
    assert seen == [4]  # four batches written, then merged
    assert len(backend._searcher().leaf_searchers()) == 1
    backend.update([doc(9, "heron number 9")], deleted=[1])  # the worker's small updates still work after
    assert search(backend, "heron").total == 7


def test_a_story_inserted_already_published_is_queued_for_the_index(session, make_provider, make_story):
    from sqlalchemy import select

    from app.search.models import SearchQueue

    ward = make_provider(code="W1", name="Heron Ward", kind="department")
    story = make_story(ward, status="published", title="Imported", body="An imported story about a kingfisher.")
    session.commit()
    assert session.scalars(select(SearchQueue.story_id)).all() == [story.id]


def test_a_searcher_reads_the_merged_index_from_its_file_not_a_copy_in_memory(backend):
    """A merged index is one compound segment; opened memory-mapped, Whoosh copied each of its parts into a
    BytesIO, so every web process held the whole index in its own memory (240 MB at 100,000 stories)."""
    import tracemalloc
    from pathlib import Path

    body = " ".join(f"word{n}" for n in range(400))
    backend.rebuild([doc(i, f"{body} story{i}") for i in range(1, 401)], procs=2)
    on_disk = sum(f.stat().st_size for f in Path(backend.path).iterdir() if f.is_file())
    assert on_disk > 200_000
    tracemalloc.start()
    try:
        searcher = backend._searcher()
        assert search(backend, "word7").total == 400
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert searcher is not None and held < on_disk / 4


def test_a_common_word_is_searched_among_the_newest_without_walking_its_postings(backend, monkeypatch):
    """A rebuild writes the newest stories first (documents()), so a search for a word in nearly every story, which
    looks among the newest only, reads the first blocks of its postings, not every block up to the last."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    monkeypatch.setattr(whoosh_read, "WINDOW_FROM", 50)
    backend.rebuild([doc(i, f"The staff were kind, visit {i}.") for i in range(3000, 0, -1)], procs=1)
    blocks = []
    real = W3LeafMatcher._goto

    def counting(self, position):
        blocks.append(position)
        return real(self, position)

    monkeypatch.setattr(W3LeafMatcher, "_goto", counting)
    results = search(backend, "staff")
    assert results.total == 3000 and results.total_is_lower_bound
    assert {hit.story_id for hit in results.hits} <= set(range(2700, 3001))  # from the newest stories
    assert len(blocks) < 10  # of the 24 blocks (128 postings each) of "staff" in the text
