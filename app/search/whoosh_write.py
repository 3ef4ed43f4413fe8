"""The Whoosh backend's writing half: updates by the worker, and rebuilds into a fresh folder swapped in
atomically. Only the worker and `flask search rebuild` write; Whoosh lets one writer at a time hold the lock."""
from __future__ import annotations

import heapq
import itertools
import multiprocessing
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from app.search.documents import StoryDocument
from app.search.whoosh_schema import IndexFolder, document_fields, schema

REBUILD_BATCH = 20_000  # stories per commit of a rebuild: a segment per process and batch
REBUILD_LIMIT_MB = 512  # each writing process's posting buffer: a batch's postings fit in it


def merge_segments(ix, procs: int = 1) -> float:
    """Merge the index's segments into one per process, before a rebuilt index is swapped in.

    A rebuild writes a segment per process and batch (100 at 1,000,000 stories), and every search reads every
    segment: at 1,000,000 stories a search took 2.5 s p50 on 70 segments (docs/benchmarks.md). The merge is one
    streamed pass over the postings (`_streamed_merge`), once per rebuild, while readers still use the old
    index. With `procs` over 1, consecutive runs of segments are merged side by side, each in a process of its
    own, into `procs` segments: the pass is pure Python, so a second core halves it, and a search then reads
    `procs` segments (at 1,000,000 stories: 2 segments, p50 91 ms, against 2.5 s on 70; docs/benchmarks.md).
    Returns the seconds it took (0 when there were no more segments than `procs`)."""
    segments = ix._segments()
    if len(segments) <= max(1, procs):
        return 0.0
    started = time.perf_counter()
    writer = ix.writer(limitmb=REBUILD_LIMIT_MB)
    readers: list = []
    try:
        if any(segment.has_deletions() for segment in segments):
            writer.commit(optimize=True)  # Whoosh's own merge, which renumbers around deleted documents
        elif len(runs := _runs(segments, procs)) == 1:
            writer.commit(mergetype=lambda w, segs: _streamed_merge(w, segs, readers))
        else:
            writer.commit(mergetype=lambda w, segs: _merged_apart(ix, runs))
    except BaseException:
        if not writer.is_closed:
            writer.cancel()  # releases the lock; the index keeps the segments it had
        raise
    finally:
        for reader in readers:
            reader.close()
    return time.perf_counter() - started


def _runs(segments: list, parts: int) -> list[list]:
    """The segments cut into at most `parts` consecutive runs of about as many documents each (none empty)."""
    parts = max(1, min(parts, len(segments)))
    total = sum(segment.doc_count_all() for segment in segments)
    runs, run, held = [], [], 0
    for segment in segments:
        run.append(segment)
        held += segment.doc_count_all()
        if len(runs) < parts - 1 and held >= total * (len(runs) + 1) / parts:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def _merged_apart(ix, runs: list[list]) -> list:
    """A merge policy: each run of segments merged into one segment in a process of its own (forked, as Whoosh's
    multi-process writer is); the index then lists those segments, in order, and nothing else. The parent holds
    the index's write lock throughout, so no other writer starts meanwhile."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(runs), mp_context=context) as pool:
        return list(pool.map(_merge_run, [(ix.storage.folder, ix.indexname, run) for run in runs]))


def _merge_run(job) -> object:
    """In a child process: merge one run of segments into a new segment and return it (not yet in the index)."""
    folder, indexname, run = job
    ix = FileStorage(folder, supports_mmap=False).open_index(indexname)
    writer = SegmentWriter(ix, _lk=False, limitmb=REBUILD_LIMIT_MB)  # the parent holds the lock
    readers: list = []
    try:
        _streamed_merge(writer, run, readers)
        segment = writer._finalize_segment()
    except BaseException:
        writer._close_segment()  # its files are left for the next commit to clear; the index never listed them
        raise
    finally:
        for reader in readers:
            reader.close()
    # Neither writer._finish() nor writer.cancel(): they remove the index's temporary folder, which the parent's
    # writer shares (its stored columns are buffered there until it closes).
    return segment


def _streamed_merge(writer, segments, readers: list) -> list:
    """A merge policy for Whoosh's writer: every segment into the one it is writing, in a single streamed pass.

    Whoosh's optimize adds every posting of every segment to its posting pool, one Python call each, which sorts
    them all again, pickling sorted runs to disk past its memory limit: at 1,000,000 stories it had written
    8.9 GB of runs after 23 minutes. But each segment's postings are already sorted by (field, term, document),
    and a rebuild's segments hold consecutive documents: so the terms of all segments are merged in order, and
    each term's postings are copied segment after segment, a block of up to 128 at a time, their document
    numbers shifted by the documents before their segment. Only for segments without deletions (merge_segments
    checks): a deleted document would leave a gap in the numbering."""
    schema = writer.schema
    bases = []
    for segment in segments:
        reader = SegmentReader(writer.storage, schema, segment)
        readers.append(reader)
        bases.append(writer.docnum)
        fieldnames = set(schema.names()) | {name for name in reader.indexed_field_names() if name in schema}
        writer.write_per_doc(fieldnames, reader)  # stored fields, lengths, columns: document by document

    fields = writer.fieldwriter
    terms = heapq.merge(*(_numbered_terms(reader, n) for n, reader in enumerate(readers)))
    current = None
    for (fieldname, text), holders in itertools.groupby(terms, key=lambda t: (t[0], t[1])):
        if fieldname not in schema:
            continue  # as Whoosh's own merge: a field the schema no longer has is dropped
        if fieldname != current:
            if current is not None:
                fields.finish_field()
            fields.start_field(fieldname, schema[fieldname])
            current = fieldname
        fields.start_term(text)
        for _, _, n, info in holders:  # segment order: documents ascending
            _copy_postings(fields, readers[n], fieldname, text, info, bases[n])
        fields.finish_term()
    if current is not None:
        fields.finish_field()
    writer._added = True  # the segment is written at commit; Whoosh's posting pool stays empty
    return []  # every old segment is replaced by the one written


def _copy_postings(fields, reader, fieldname: str, text: bytes, info, base: int) -> None:
    """Append a segment's postings of one term to the term the field writer is writing, documents shifted by
    `base`: block by block from Whoosh 3's block matcher (ids, weights, values and the block's length range, as
    its own add_posting keeps them), one by one from any other matcher."""
    terms = reader._terms
    matcher = terms._codec.postings_reader(terms._postfile, info, fields._format)
    out = fields._postwriter
    if type(matcher) is not W3LeafMatcher or out._byteids:
        while matcher.is_active():
            docnum = matcher.id()
            fields.add(base + docnum, matcher.weight(), matcher.value() or b"",
                       reader.doc_field_length(docnum, fieldname))
            matcher.next()
        return
    limit = out._blocklimit
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        matcher._read_values()
        ids, weights, values = matcher._ids, matcher._weights, matcher._values
        low, high = matcher._minlength, matcher._maxlength
        start, count = 0, len(ids)
        while start < count:
            if len(out._ids) >= limit:
                out._write_block()
            stop = min(count, start + limit - len(out._ids))
            out._ids.extend(base + docnum for docnum in ids[start:stop])
            chunk = weights[start:stop]
            out._weights.extend(chunk)
            out._maxweight = max(out._maxweight, max(chunk))
            out._values.extend(value for value in values[start:stop] if value)
            if low and (out._minlength is None or low < out._minlength):
                out._minlength = low
            if high > out._maxlength:
                out._maxlength = high
            start = stop
        matcher._next_block()


def _numbered_terms(reader, n: int):
    """The segment's terms in order, each as (field, term, the segment's number, its term info): read in one pass
    over the terms table, not looked up term by term."""
    for (fieldname, text), info in reader._terms.items():
        yield fieldname, text, n, info


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
                writer = None
            merge_segments(ix, procs)
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
