"""The Whoosh backend's writing half: updates by the worker, and rebuilds into a fresh folder swapped in
atomically. Only the worker and `flask search rebuild` write; Whoosh lets one writer at a time hold the lock."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import index as whoosh_index

from app.search.documents import StoryDocument
from app.search.whoosh_schema import IndexFolder, document_fields, schema

REBUILD_BATCH = 20_000  # stories per commit of a rebuild: a segment per process and batch
REBUILD_LIMIT_MB = 512  # each writing process's posting buffer: a batch's postings fit in it


def merge_segments(ix) -> float:
    """Merge the index's segments into one (Whoosh's optimize), before a rebuilt index is swapped in.

    A rebuild writes a segment per process and batch (70 at 700,000 stories), and every search reads every
    segment: at 1,000,000 stories a search took 2.5 s p50 on the 70 segments (docs/benchmarks.md). The merge
    costs a single-process pass over the postings, once per rebuild, while readers still use the old index.
    Returns the seconds it took (0 when there was at most one segment)."""
    if len(ix._segments()) <= 1:
        return 0.0
    started = time.perf_counter()
    ix.writer(limitmb=REBUILD_LIMIT_MB).commit(optimize=True)
    return time.perf_counter() - started


class WhooshWriter(IndexFolder):
    """Writes an index folder: in place for the worker's small updates, beside it for a rebuild."""

    def index(self, documents: Iterable[StoryDocument]) -> None:
        """Add or replace these stories' entries, in one commit (none: the index is not opened)."""
        documents = list(documents)
        if documents:
            self.update(documents, deleted=())

    def remove(self, story_ids: Iterable[int]) -> None:
        """Take these stories out, in one commit; ids the index does not hold are ignored."""
        story_ids = list(story_ids)
        if story_ids:
            self.update((), deleted=story_ids)

    def update(self, documents: Iterable[StoryDocument], deleted: Iterable[int]) -> None:
        """Delete and add-or-replace in one commit (what index and remove each do alone)."""
        ix = self._open()
        try:
            writer = ix.writer(timeout=30)
            try:
                for story_id in deleted:
                    writer.delete_by_term("id", str(story_id))
                for doc in documents:
                    writer.update_document(**document_fields(doc))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        finally:
            ix.close()

    def rebuild(self, documents: Iterable[StoryDocument], progress: Callable[[int], None] = lambda n: None,
                procs: int = 2) -> int:
        """Build a fresh index beside the live one, then swap it in atomically (readers never see a gap)."""
        parent = self.path.parent
        parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f"{self.path.name}.{time.strftime('%Y%m%d%H%M%S')}.", dir=parent))
        ix = whoosh_index.create_in(str(fresh), schema())
        count, writer = 0, None
        try:
            for doc in documents:
                if writer is None:
                    # The multiprocessing writer uses both cores. Each batch is committed as segments of its
                    # own, small enough for its postings to be sorted in memory: past `limitmb` Whoosh pickles
                    # every posting to disk and back, which costs more than the indexing itself.
                    writer = ix.writer(procs=procs, limitmb=REBUILD_LIMIT_MB, multisegment=True) if procs > 1 \
                        else ix.writer(limitmb=REBUILD_LIMIT_MB)
                writer.add_document(**document_fields(doc))
                count += 1
                progress(1)
                if count % REBUILD_BATCH == 0:
                    writer.commit(merge=False)
                    writer = None
            if writer is not None:
                writer.commit(merge=False)
            merge_segments(ix)
        except BaseException:
            if writer is not None:
                writer.cancel()
            ix.close()
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        ix.close()
        self._swap(fresh)
        return count

    def _swap(self, fresh: Path) -> None:
        link = self.path
        old_target = link.resolve() if link.is_symlink() else None
        if link.exists() and not link.is_symlink():
            # A real folder (an older layout, or made by hand): move it aside once.
            link.rename(link.with_name(f"{link.name}.old.{os.getpid()}"))
        # Unique per call: two workers (threads of one process, too) may finish a rebuild at the same moment.
        tmp_link = link.with_name(f"{link.name}.swap.{os.getpid()}.{uuid.uuid4().hex}")
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        os.symlink(fresh.name, tmp_link)
        os.replace(tmp_link, link)  # atomic: readers see the old index or the new one
        if old_target is not None and old_target != fresh.resolve():
            shutil.rmtree(old_target, ignore_errors=True)
