"""Read counts leave the request: a view is counted in memory (or Redis) and written in batches, never lost on an
orderly stop (app/stories/readcounts.py)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import event

from app.extensions import db
from app.stories import readcounts
from app.stories.models import PUBLISHED, Story

ROOT = Path(__file__).resolve().parents[2]
WRITES = ("INSERT", "UPDATE", "DELETE")


def _read_count(session, story_id: int) -> int:
    session.expire_all()
    return session.get(Story, story_id).read_count


class Writes:
    """The writing statements the engine runs while it is watched."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            self.statements.append(statement)


@pytest.fixture
def writes(app):
    watcher = Writes()
    event.listen(db.engine, "before_cursor_execute", watcher)
    yield watcher
    event.remove(db.engine, "before_cursor_execute", watcher)


def test_a_view_writes_nothing_to_the_database_in_the_request(app, client, tree, make_story, session, writes):
    story = make_story(tree["ward"], status=PUBLISHED)
    session.commit()
    writes.statements.clear()
    for _ in range(3):  # rendered once, then the kept page
        assert client.get(f"/stories/{story.id}").status_code == 200
    assert writes.statements == []
    assert dict(readcounts.pending_views(app)) == {story.id: 3}
    assert _read_count(session, story.id) == 0


def test_flushing_writes_every_storys_total_in_one_batch(app, client, tree, make_story, session, writes):
    first, second = make_story(tree["ward"], status=PUBLISHED), make_story(tree["ward"], status=PUBLISHED)
    first.read_count = 10
    session.commit()
    writes.statements.clear()
    for story, views in ((first, 4), (second, 2)):
        for n in range(views):
            assert client.get(f"/stories/{story.id}?n={n % 2}").status_code == 200
    assert writes.statements == []
    assert readcounts.flush(app) == 6
    assert [s for s in writes.statements if "read_count" in s]  # the batch, outside any request
    assert (_read_count(session, first.id), _read_count(session, second.id)) == (14, 2)
    assert list(readcounts.pending_views(app)) == []
    assert readcounts.flush(app) == 0  # nothing written twice
    assert (_read_count(session, first.id), _read_count(session, second.id)) == (14, 2)


def test_views_during_a_flush_are_kept_for_the_next(app, client, tree, make_story, session, monkeypatch):
    story = make_story(tree["ward"], status=PUBLISHED)
    client.get(f"/stories/{story.id}")
    real = readcounts.write_counts

    def write_while_someone_reads(s, counts):
        readcounts.counter(app).add(story.id)  # a view arriving mid-write, from another thread's request
        return real(s, counts)

    monkeypatch.setattr(readcounts, "write_counts", write_while_someone_reads)
    assert readcounts.flush(app) == 1
    monkeypatch.setattr(readcounts, "write_counts", real)
    assert readcounts.flush(app) == 1
    assert _read_count(session, story.id) == 2


def test_a_failed_write_keeps_the_views_for_the_next_try(app, client, tree, make_story, session, monkeypatch):
    story = make_story(tree["ward"], status=PUBLISHED)
    client.get(f"/stories/{story.id}")

    def database_away(s, counts):
        raise RuntimeError("connection refused")

    monkeypatch.setattr(readcounts, "write_counts", database_away)
    assert readcounts.flush(app) == 0
    assert dict(readcounts.pending_views(app)) == {story.id: 1}
    monkeypatch.undo()
    assert readcounts.flush(app) == 1
    assert _read_count(session, story.id) == 1


def test_the_authors_own_views_and_unpublished_stories_are_not_counted(app, client, tree, make_story, session):
    from app.stories.models import PENDING

    pending = make_story(tree["ward"], status=PENDING)
    assert client.get(f"/stories/{pending.id}").status_code == 404
    assert list(readcounts.pending_views(app)) == []


def test_the_timer_thread_writes_the_counts_by_itself(app, tree, make_story, session):
    story = make_story(tree["ward"], status=PUBLISHED)
    counter = readcounts.MemoryCounter(app, interval=0.05, background=True)
    written = threading.Event()
    real_flush = counter.flush

    def flush_and_tell():
        n = real_flush()
        if n:
            written.set()
        return n

    counter.flush = flush_and_tell
    for _ in range(5):
        counter.add(story.id)
    assert written.wait(10), "the timer never wrote the counts"
    counter.stop()
    assert _read_count(session, story.id) == 5


def test_an_orderly_stop_writes_what_was_counted(app, database_url, tmp_path, tree, make_story, session):
    """A real process, not the tests' app: it counts three views, never reaches its timer, and exits normally."""
    story = make_story(tree["ward"], status=PUBLISHED)
    session.commit()
    script = textwrap.dedent(f"""
        from app import create_app
        app = create_app({{"SQLALCHEMY_DATABASE_URI": {database_url!r}, "SECRET_KEY": "x" * 40,
                          "READ_COUNT_FLUSH_SECONDS": 3600, "RATELIMIT_ENABLED": False,
                          "SEARCH_INDEX_DIR": {str(tmp_path / "index")!r}}})
        assert not app.testing
        client = app.test_client()
        for _ in range(3):
            assert client.get("/stories/{story.id}").status_code == 200
        print("counted", dict(app.extensions["read_counts"].pending()))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "STORYLOOP_INSTANCE_DIR": str(tmp_path / "instance")})
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"counted {{{story.id}: 3}}" in done.stdout
    assert _read_count(session, story.id) == 3


@pytest.fixture
def redis_counts(app_overrides):
    app_overrides.update(READ_COUNT_STORAGE_URI="redis://127.0.0.1:6379/0",
                         RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}:")


def test_with_redis_views_are_counted_there_and_the_worker_writes_them(redis_counts, app, client, tree, make_story,
                                                                     session, writes):
    counter = readcounts.counter(app)
    assert isinstance(counter, readcounts.RedisCounter)
    try:
        counter.client.ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at 127.0.0.1:6379")
    try:
        story = make_story(tree["ward"], status=PUBLISHED)
        session.commit()
        writes.statements.clear()
        for _ in range(4):
            assert client.get(f"/stories/{story.id}").status_code == 200
        assert writes.statements == []
        assert dict(readcounts.pending_views(app)) == {story.id: 4}
        # A batch set aside by a worker that died before its commit is written by the next run too.
        counter.client.hset(f"{counter.key}:writing:dead", str(story.id), 2)
        assert readcounts._worker_job(session) == 6
        assert _read_count(session, story.id) == 6
        assert list(readcounts.pending_views(app)) == []
        assert readcounts._worker_job(session) == 0
        assert list(counter.client.scan_iter(f"{counter.key}*")) == []
    finally:
        for key in counter.client.scan_iter(f"{counter.key}*"):
            counter.client.delete(key)


def test_the_worker_job_is_registered_and_harmless_when_counting_in_memory(app, client, tree, make_story, session):
    from app import jobs

    assert "read-counts" in {job.name for job in jobs.registered(app)}
    story = make_story(tree["ward"], status=PUBLISHED)
    client.get(f"/stories/{story.id}")
    assert readcounts._worker_job(session) == 0  # each web process writes its own
    assert dict(readcounts.pending_views(app)) == {story.id: 1}
