"""A rebuild's segments merged in one streamed pass (whoosh_write.merge_segments): the index it leaves reads exactly
as the one Whoosh's own optimize leaves, in one process or two, and a merge that fails leaves the index as it was."""
from __future__ import annotations

import shutil

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.qparser import QueryParser

from app.search import whoosh_write
from app.search.query import SearchRequest, parse
from app.search.whoosh_backend import WhooshBackend
from app.search.whoosh_schema import TEXT_FIELDS
from tests.search.test_whoosh_backend import doc

WORDS = ("ward nurse kind clean waiting parking food pain discharge night staff doctor heron kingfisher "
         "pharmacist letter hospitals appointment").split()


def story(i: int):
    words = [WORDS[(i * 7 + k * k) % len(WORDS)] for k in range(3 + i % 11)]
    return doc(i, " ".join(words) + f" number{i}.", title=f"Story {WORDS[i % len(WORDS)]}",
               provider=f"W{i % 3}", tags=["kindness"] if i % 4 == 0 else [], criticality=i % 5)


def opened(path):
    return FileStorage(str(path), supports_mmap=False).open_index()


@pytest.fixture
def segmented(tmp_path, monkeypatch):
    """An index of 150 stories in many segments (a rebuild with its merge left out), as a folder path."""
    monkeypatch.setattr(whoosh_write, "REBUILD_BATCH", 10)
    monkeypatch.setattr(whoosh_write, "merge_segments", lambda ix, procs=1: 0.0)
    backend = WhooshBackend(str(tmp_path / "built"))
    backend.rebuild([story(i) for i in range(1, 151)], procs=1)
    monkeypatch.undo()
    folder = (tmp_path / "built").resolve()
    assert len(opened(folder)._segments()) == 15
    return folder


def postings(reader, fieldname, text):
    return list(reader.postings(fieldname, text).all_items())


@pytest.mark.parametrize("procs", [1, 2])
def test_the_streamed_merge_reads_exactly_as_whooshs_own(segmented, tmp_path, procs):
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    shutil.copytree(segmented, theirs)
    shutil.copytree(segmented, ours)
    opened(theirs).writer().commit(optimize=True)
    assert whoosh_write.merge_segments(opened(ours), procs=procs) > 0

    a, b = opened(theirs), opened(ours)
    assert len(b._segments()) == procs
    ra, rb = a.reader(), b.reader()
    assert rb.doc_count_all() == ra.doc_count_all() == 150
    assert list(rb.all_terms()) == list(ra.all_terms())
    for fieldname, text in ra.all_terms():
        if fieldname.startswith("spell_"):
            continue  # Whoosh's spelling field holds words, not postings: its terms are compared above
        assert rb.doc_frequency(fieldname, text) == ra.doc_frequency(fieldname, text)
        assert rb.frequency(fieldname, text) == ra.frequency(fieldname, text)
        assert postings(rb, fieldname, text) == postings(ra, fieldname, text), (fieldname, text)
        mine, theirs_ = rb.term_info(fieldname, text), ra.term_info(fieldname, text)
        # The bounds the scorer skips blocks by (BM25F's best case for a term) are the same.
        assert ((mine.min_length(), mine.max_length(), mine.max_weight(), mine.min_id(), mine.max_id())
                == (theirs_.min_length(), theirs_.max_length(), theirs_.max_weight(), theirs_.min_id(),
                    theirs_.max_id()))
    for docnum in range(150):
        assert rb.stored_fields(docnum) == ra.stored_fields(docnum)
        for fieldname in TEXT_FIELDS:
            assert rb.doc_field_length(docnum, fieldname) == ra.doc_field_length(docnum, fieldname)
    for fieldname in TEXT_FIELDS:
        assert rb.field_length(fieldname) == ra.field_length(fieldname)
    for fieldname in ("title", "body"):  # (Whoosh cannot tell the longest of a field no story filled in)
        assert rb.max_field_length(fieldname) == ra.max_field_length(fieldname)
        assert rb.min_field_length(fieldname) == ra.min_field_length(fieldname)
    for column in ("tagset", "published", "provider"):
        assert list(rb.column_reader(column)) == list(ra.column_reader(column))
    with a.searcher() as sa, b.searcher() as sb:
        for text in ("kingfisher", "nurse kind", '"waiting parking"', "number77", "ward OR heron"):
            query = QueryParser("body", a.schema).parse(text)
            assert ([(h["id"], round(h.score, 5)) for h in sb.search(query, limit=20)]
                    == [(h["id"], round(h.score, 5)) for h in sa.search(query, limit=20)])
    # The spelling words every segment held are there: a misspelt word is still put right.
    backend = WhooshBackend(str(ours))
    assert backend.search(parse("kingfishr"), SearchRequest(text="kingfishr")).suggestion == "kingfisher"


def test_segments_with_deleted_stories_are_merged_by_whooshs_own_optimize(segmented):
    writer = opened(segmented).writer()
    writer.delete_by_term("id", "12")
    writer.commit(merge=False)
    whoosh_write.merge_segments(opened(segmented), procs=2)
    ix = opened(segmented)
    assert len(ix._segments()) == 1 and ix.doc_count_all() == 149
    with ix.searcher() as searcher:
        assert searcher.document(id="12") is None and searcher.document(id="13")["id"] == "13"


def test_no_more_segments_than_processes_is_left_alone(segmented):
    whoosh_write.merge_segments(opened(segmented), procs=2)
    assert whoosh_write.merge_segments(opened(segmented), procs=2) == 0.0
    assert len(opened(segmented)._segments()) == 2


@pytest.mark.parametrize("procs", [1, 2])
def test_a_merge_that_fails_leaves_the_index_as_it_was_and_unlocked(segmented, monkeypatch, procs):
    def broken(writer, segments, readers):
        raise OSError("disk full")

    monkeypatch.setattr(whoosh_write, "_streamed_merge", broken)  # a forked child sees it too
    with pytest.raises(OSError, match="disk full"):
        whoosh_write.merge_segments(opened(segmented), procs=procs)
    ix = opened(segmented)
    assert len(ix._segments()) == 15 and ix.doc_count_all() == 150
    writer = ix.writer(timeout=0)  # the lock was released
    writer.cancel()


def test_a_rebuild_on_two_processes_ends_with_a_segment_each(tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh_write, "REBUILD_BATCH", 20)
    backend = WhooshBackend(str(tmp_path / "index"))
    assert backend.rebuild([story(i) for i in range(1, 151)], procs=2) == 150
    assert len(backend._searcher().leaf_searchers()) == 2
    results = backend.search(parse("number77"), SearchRequest(text="number77"))
    assert [hit.story_id for hit in results.hits] == [77]
    assert backend.search(parse("kingfishr"), SearchRequest(text="kingfishr")).suggestion == "kingfisher"
