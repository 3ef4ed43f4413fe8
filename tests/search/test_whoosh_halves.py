"""The Whoosh backend's two halves over one folder: a writer alone and a reader alone, and an index format on
disk that names no module of ours (so moving code never stops an existing index from opening)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.search.documents import StoryDocument
from app.search.query import SearchRequest, SearchUnavailable, parse
from app.search.whoosh_backend import WhooshBackend
from app.search.whoosh_read import WhooshReader
from app.search.whoosh_schema import IndexUnavailable
from app.search.whoosh_write import WhooshWriter

START = datetime(2026, 1, 1, tzinfo=UTC)


def doc(story_id: int, body: str) -> StoryDocument:
    return StoryDocument(
        id=story_id, title=f"Story {story_id}", body=body, replies="", providers="Heron Ward", provider_code="W1",
        within=[1], tags=["food"], tags_text="Food", month="2026-01", criticality=1,
        response_status="awaiting_response", published_at=START + timedelta(days=story_id),
    )


def ids(reader: WhooshReader, text: str) -> list[int]:
    return [hit.story_id for hit in reader.search(parse(text), SearchRequest(text=text, sort="newest")).hits]


def test_a_reader_alone_sees_what_a_writer_alone_wrote(tmp_path):
    folder = str(tmp_path / "index")
    writer, reader = WhooshWriter(folder), WhooshReader(folder)
    with pytest.raises(SearchUnavailable):  # nothing written yet
        ids(reader, "kingfisher")
    assert writer.rebuild([doc(1, "A kingfisher by the window.")], procs=1) == 1
    assert ids(reader, "kingfisher") == [1]
    writer.index([doc(2, "Another kingfisher."), doc(1, "An egret by the window.")])
    assert ids(reader, "kingfisher") == [2] and ids(reader, "egret") == [1]
    writer.remove([2])
    assert ids(reader, "kingfisher") == []
    assert not hasattr(reader, "rebuild") and not hasattr(writer, "search")


def test_writing_to_a_folder_without_an_index_says_so(tmp_path):
    writer = WhooshWriter(str(tmp_path / "missing"))
    writer.index([])  # nothing to write: the folder is not even opened
    writer.remove([])
    with pytest.raises(IndexUnavailable):
        writer.index([doc(1, "A kingfisher.")])
    with pytest.raises(IndexUnavailable):
        writer.remove([1])


def test_the_index_on_disk_names_only_whooshs_own_classes(tmp_path):
    backend = WhooshBackend(str(tmp_path / "index"))
    backend.rebuild([doc(1, "A kingfisher.")], procs=1)
    backend.index([doc(2, "A heron.")])
    [toc] = backend.path.resolve().glob("_MAIN_*.toc")
    pickled = toc.read_bytes()
    assert b"whoosh.fields" in pickled  # the schema is pickled here…
    assert b"app.search" not in pickled and b"storyloop" not in pickled  # …and nothing of ours with it


def test_health_counts_the_stories_and_names_a_missing_index(tmp_path):
    backend = WhooshBackend(str(tmp_path / "index"))
    missing = backend.health()
    assert not missing.available and "index" in missing.detail and missing.documents is None
    assert not backend.available()
    backend.rebuild([doc(1, "A kingfisher."), doc(2, "A heron.")], procs=1)
    backend.remove([1])
    health = backend.health()
    assert health.available and health.documents == 1 and backend.available()
