"""Read counts out of the request: each view of a story page is counted in memory (this web process) or in Redis
(READ_COUNT_STORAGE_URI=redis://…) and written to `stories.read_count` in batches, one statement per story.

Writing the count in the request cost an UPDATE and a commit on every view, even of a kept page (on PostgreSQL a
row lock, and a WAL write), and it was the largest cost of the most-read page (docs/benchmarks.md). Now:

* in memory, each web process adds its views up and writes them every READ_COUNT_FLUSH_SECONDS from a thread of
  its own, and once more as the process stops in an orderly way (gunicorn's graceful stop, Ctrl-C);
* in Redis, a view is one HINCRBY, and the outbox worker's `read-counts` job writes the totals at the same
  interval, so web processes hold nothing.

A process (or Redis) that dies without stopping loses the views counted since the last write: at most a few
seconds' worth. The README says so. A read count moves no content version and queues nothing for search (a plain
UPDATE of that column alone: app/web/models.py, app/stories/models.py).
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterable

from flask import Flask, current_app
from sqlalchemy import bindparam, text, update
from sqlalchemy.orm import Session

from app import jobs
from app.errors import one_line
from app.extensions import db
from app.stories.models import Story

log = logging.getLogger(__name__)
REDIS_KEY = "storyloop:read-counts"


def write_counts(session: Session, counts: dict[int, int]) -> int:
    """Add each story's views to its read count, in id order (two writers never lock rows in opposite orders),
    and commit. A story deleted meanwhile simply matches no row. Returns the number of views written."""
    if not counts:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        # A read count may lose its last few increments in a crash: not worth waiting for a disk flush.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    stmt = (update(Story).where(Story.id == bindparam("story_id"))
            .values(read_count=Story.read_count + bindparam("views")))
    session.connection().execute(stmt, [{"story_id": k, "views": v} for k, v in sorted(counts.items())])
    session.commit()
    return sum(counts.values())


class MemoryCounter:
    """Views counted in this process, written by a timer thread and at exit."""

    def __init__(self, app: Flask, interval: float, background: bool = True) -> None:
        self.app = app
        self.interval = interval
        # Off in the tests, which write with flush() themselves (one app per test: no timers left behind).
        self.background = background
        self.counts: Counter[int] = Counter()
        self.lock = threading.Lock()
        self.flush_lock = threading.Lock()  # one write at a time: the timer's and the exit's never overlap
        self.pid: int | None = None  # the process whose timer runs (gunicorn forks after the app is made)
        self.stopping = threading.Event()

    def add(self, story_id: int) -> None:
        with self.lock:
            self.counts[story_id] += 1
            if self.pid != os.getpid():
                self._start()

    def pending(self) -> dict[int, int]:
        with self.lock:
            return dict(self.counts)

    def _take(self) -> dict[int, int]:
        with self.lock:
            taken, self.counts = dict(self.counts), Counter()
        return taken

    def _give_back(self, counts: dict[int, int]) -> None:
        with self.lock:
            self.counts.update(counts)

    def flush(self) -> int:
        """Write what was counted; on a database error the views are kept for the next write."""
        with self.flush_lock:
            counts = self._take()
            if not counts:
                return 0
            try:
                with self.app.app_context(), Session(bind=db.engine) as session:
                    return write_counts(session, counts)
            except Exception as exc:  # noqa: BLE001 — the database is away: keep counting, try again later
                self._give_back(counts)
                log.error("read counts not written (%d views kept for the next try): %s",
                          sum(counts.values()), one_line(exc))
                return 0

    def _start(self) -> None:
        # Called with self.lock held, in a process that has no timer yet (the first view after a fork).
        self.pid = os.getpid()
        self.stopping = threading.Event()
        if not self.background:
            return
        if self.interval > 0:
            threading.Thread(target=self._run, name="read-counts", daemon=True).start()
        atexit.register(self.flush)

    def _run(self) -> None:
        while not self.stopping.wait(self.interval):
            self.flush()

    def stop(self) -> None:
        self.stopping.set()
        self.flush()


class RedisCounter:
    """Views counted in one Redis hash; the worker's job writes them."""

    def __init__(self, url: str, prefix: str = "") -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.key = prefix + REDIS_KEY

    def add(self, story_id: int) -> None:
        try:
            self.client.hincrby(self.key, str(story_id), 1)
        except Exception as exc:  # noqa: BLE001 — a read count is never worth a failed page
            log.error("read count not kept (Redis): %s", one_line(exc))

    def pending(self) -> dict[int, int]:
        return {int(k): int(v) for k, v in self.client.hgetall(self.key).items()}

    def flush_into(self, session: Session) -> int:
        """Move the hash aside (one atomic RENAME, so views counted meanwhile go to a new hash), write it, drop it.
        A batch left aside by a worker that died before its commit is written by the next run."""
        aside = f"{self.key}:writing:{uuid.uuid4().hex}"
        try:
            self.client.rename(self.key, aside)
        except Exception as exc:  # noqa: BLE001 — redis.ResponseError "no such key": nothing was counted
            if "no such key" not in str(exc).lower():
                raise
        written = 0
        for batch in sorted(self.client.scan_iter(f"{self.key}:writing:*")):
            counts = {int(k): int(v) for k, v in self.client.hgetall(batch).items()}
            written += write_counts(session, counts)
            self.client.delete(batch)
        return written

    def flush(self) -> int:
        with Session(bind=db.engine) as session:
            return self.flush_into(session)

    def stop(self) -> None:
        pass  # nothing is held in the process


def counter(app: Flask | None = None) -> MemoryCounter | RedisCounter:
    return (app or current_app).extensions["read_counts"]


def count_view(story_id: int) -> None:
    """One view of a published story's page: counted, written later."""
    counter().add(story_id)


def flush(app: Flask | None = None) -> int:
    """Write every view counted so far (the tests, a stopping process, the worker's job)."""
    app = app or current_app
    with app.app_context():
        return counter(app).flush()


def _worker_job(session: Session) -> int:
    """The worker writes Redis's counts; with counting in memory, each web process writes its own."""
    found = counter()
    return found.flush_into(session) if isinstance(found, RedisCounter) else 0


def init_app(app: Flask) -> None:
    url = app.config["READ_COUNT_STORAGE_URI"]
    if url.startswith(("redis://", "rediss://", "unix://")):
        app.extensions["read_counts"] = RedisCounter(url, app.config.get("RATELIMIT_KEY_PREFIX", ""))
    else:
        app.extensions["read_counts"] = MemoryCounter(app, app.config["READ_COUNT_FLUSH_SECONDS"],
                                                      background=not app.testing)
    jobs.register(app, "read-counts", _worker_job, every="READ_COUNT_FLUSH_SECONDS")


def pending_views(app: Flask | None = None) -> Iterable[tuple[int, int]]:
    """Views counted and not yet written, by story (for the admin page and the tests)."""
    return sorted(counter(app).pending().items())
