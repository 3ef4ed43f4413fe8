"""The job scheduler: domains register their scheduled jobs here; a worker's Scheduler runs each due one alone,
in a thread of its own and within its time limit, so no job waits behind another and mail never waits behind any.

A job is a function of a database session, registered once, from the init_app of the domain that owns it:

    jobs.register(app, "digests", run_due_digests)                       # every pass of the worker
    jobs.register(app, "red-flags", close_lapsed, every=300)             # every five minutes
    jobs.register(app, "dataset", rebuild_if_due, every="DATASET_MIN_INTERVAL_SECONDS", limit=7200)

`every` and `limit` are seconds or the name of the setting that holds them; `limit` defaults to
JOB_TIME_LIMIT_SECONDS (an hour). The outbox worker (`flask --app wsgi outbox work`, app/mail/worker.py) ticks a
Scheduler on a thread beside its mail loop. Each run of a job:

* is claimed by one atomic statement on the job's `job_runs` row, so one run of a job is under way at a time
  across every worker. The claim holds the job (its next_run_at a few minutes ahead, renewed while the run lasts);
  a worker that dies lets go when its hold lapses.
* runs in its own thread, app context and session. What it did is committed when it returns and rolled back when
  it raises. A failure is logged and kept in `job_runs` (its error and its count of failures in a row, shown on
  the admin site page), and the job is tried again after a delay that doubles with each failure
  (JOB_RETRY_BASE_SECONDS, at most JOB_RETRY_MAX_SECONDS).
* is a failure too if it is still going at its limit, with the same backoff. Python cannot kill a thread, so the
  run is abandoned instead: from then on every transaction it begins or commits is refused (and on PostgreSQL no
  statement of it runs past the limit), so nothing it writes after its limit is kept, and the job is not started
  again while that thread lives. A run commits only while its claim is still its own.

`run_soon` asks for a job to run at the next pass whatever its interval (the dataset after a story is withdrawn,
say), in the caller's transaction, so the request holds only if the event it follows commits.
"""
from __future__ import annotations

import logging
import math
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from prometheus_client import Counter
from sqlalchemy import Integer, String, Text, and_, case, event, not_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.errors import one_line
from app.extensions import db, utcnow

log = logging.getLogger(__name__)
# Counted in the worker's process: /metrics adds them up when the worker shares the web's PROMETHEUS_MULTIPROC_DIR
# (one machine); job_runs in the database gives the same story from anywhere (app/admin/metrics.py).
JOB_RUNS = Counter("storyloop_job_runs", "Runs of scheduled jobs by this worker, by job and outcome",
                   ["job", "outcome"])
ERROR_MAX = 4000  # characters of a failure's traceback kept for the admin page
TIME_LIMIT_SETTING = "JOB_TIME_LIMIT_SECONDS"
DEFAULT_TIME_LIMIT = 3600  # seconds, without the setting: a full search rebuild of 700,000 stories takes 700
HOLD_SECONDS = 300  # how far ahead a claim holds its job; renewed while the run lasts, lapses if its worker dies
SHUTDOWN_GRACE_SECONDS = 10.0  # a stopping worker waits this long for the runs under way, then abandons them


class JobRun(db.Model):
    """What became of each scheduled job's last runs: one row per job name, shared by every worker."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    # Set when a worker claims a run; a run is under way while last_finished_at is older (or missing).
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_seconds: Mapped[int | None] = mapped_column(Integer)  # how long the last run took, rounded up
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # in a row, up to now
    # When the job is next due; while a run is under way, until when its worker holds it.
    next_run_at: Mapped[datetime | None]
    # Asked to run at the next pass (run_soon); it is done once a run starts after this time.
    requested_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<JobRun {self.name} failures={self.failures}>"


def _seconds(value: int | str, config) -> int:
    return int(config[value] if isinstance(value, str) else value)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[Session], object]
    # Seconds between runs (0: every pass of the worker), or the name of the setting that holds them.
    every: int | str = 0
    # Seconds a run may take before it counts as failed, or a setting's name; None: JOB_TIME_LIMIT_SECONDS.
    limit: int | str | None = None

    def interval(self, config) -> int:
        return max(0, _seconds(self.every, config))

    def time_limit(self, config) -> int:
        if self.limit is None:
            return max(1, int(config.get(TIME_LIMIT_SETTING, DEFAULT_TIME_LIMIT)))
        return max(1, _seconds(self.limit, config))


def register(app: Flask, name: str, func: Callable[[Session], object], every: int | str = 0,
             limit: int | str | None = None) -> Job:
    """Add a scheduled job (in its domain's init_app). Names are unique and at most 60 characters."""
    jobs: dict[str, Job] = app.extensions.setdefault("jobs", {})
    if name in jobs:
        raise ValueError(f"a job called {name!r} is already registered")
    if len(name) > 60:
        raise ValueError("a job's name is at most 60 characters")
    for setting in (every, limit):
        if isinstance(setting, str) and setting not in app.config:
            raise ValueError(f"job {name!r}: there is no setting called {setting!r}")
    if isinstance(limit, int) and limit < 1:
        raise ValueError(f"job {name!r}: a time limit is at least one second")
    jobs[name] = job = Job(name, func, every, limit)
    return job


def register_presence(app: Flask, beat: Callable[[Session], object], leave: Callable[[Session], object]) -> None:
    """What every worker does at each pass to say it is alive (beat), and as it stops (leave): unlike a job, each
    worker does it itself, so a silent worker is one that stopped or stalled (the heartbeat, app/admin/site.py)."""
    app.extensions.setdefault("jobs.presence", []).append((beat, leave))


def _presence(app: Flask, which: int) -> None:
    for hooks in app.extensions.get("jobs.presence", []):
        try:
            hooks[which](db.session)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 — the database is down: said once a pass, the worker carries on
            db.session.rollback()
            log.error("worker %s failed: %s", "heartbeat" if which == 0 else "leaving", one_line(exc))


def registered(app: Flask | None = None) -> list[Job]:
    app = app or current_app
    return list(app.extensions.get("jobs", {}).values())


def retry_delay(failures: int, config) -> int:
    """Seconds before a job that failed `failures` times in a row is tried again: doubling, bounded."""
    base = max(1, config.get("JOB_RETRY_BASE_SECONDS", 60))
    return min(base * 2 ** (max(failures, 1) - 1), max(base, config.get("JOB_RETRY_MAX_SECONDS", 3600)))


def run_soon(session: Session, name: str) -> None:
    """Ask for the job to run at the worker's next pass, whatever its interval; part of the caller's transaction."""
    session.execute(_upsert(session, {"name": name, "requested_at": utcnow(), "failures": 0}, ["requested_at"]))


def _insert(session: Session):
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _upsert(session: Session, values: dict, update_keys: list[str]):
    stmt = _insert(session)(JobRun.__table__).values(**values)
    return stmt.on_conflict_do_update(index_elements=["name"], set_={k: stmt.excluded[k] for k in update_keys})


# ---------------------------------------------------------------- what the admin page shows

@dataclass
class JobState:
    job: Job
    interval: int
    run: JobRun | None

    @property
    def running(self) -> bool:
        return self.run is not None and _under_way(self.run.last_started_at, self.run.last_finished_at)

    @property
    def failing(self) -> bool:
        return self.run is not None and self.run.failures > 0

    @property
    def error_line(self) -> str | None:
        return self.run.last_error.split("\n", 1)[0] if self.run is not None and self.run.last_error else None


def _under_way(started: datetime | None, finished: datetime | None) -> bool:
    return started is not None and (finished is None or finished < started)


def states(session: Session) -> list[JobState]:
    """Every registered job with what became of its runs (for the admin site page and readiness checks)."""
    runs = {run.name: run for run in session.scalars(select(JobRun))}
    config = current_app.config
    return [JobState(job, job.interval(config), runs.get(job.name)) for job in registered()]


# ---------------------------------------------------------------- claiming a run

_runs = JobRun.__table__.c


def _claimable(now: datetime):
    """The rows a worker may claim at `now`: due and not under way, or held by a worker that let its hold lapse."""
    under_way = and_(_runs.last_started_at.is_not(None),
                     or_(_runs.last_finished_at.is_(None), _runs.last_finished_at < _runs.last_started_at))
    requested = and_(_runs.requested_at.is_not(None),
                     or_(_runs.last_started_at.is_(None), _runs.requested_at >= _runs.last_started_at))
    return or_(_runs.next_run_at.is_(None), _runs.next_run_at <= now, and_(requested, not_(under_way)))


def _due(session: Session, jobs: Iterable[Job], now: datetime) -> list[Job]:
    """The jobs worth trying to claim (a read: the claim itself decides)."""
    claimable = dict(session.execute(select(_runs.name, case((_claimable(now), True), else_=False))).all())
    session.rollback()  # end the read
    return [job for job in jobs if claimable.get(job.name, True)]


def _claim(session: Session, job: Job, now: datetime) -> bool:
    """Make the job's run ours, in one statement (a new row, or the row while still claimable): two workers
    trying at once, one wins. `now` becomes the run's last_started_at, which later writes check is still ours."""
    hold = now + timedelta(seconds=HOLD_SECONDS)
    stmt = _insert(session)(JobRun.__table__).values(name=job.name, last_started_at=now, next_run_at=hold)
    stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"last_started_at": now, "next_run_at": hold},
                                      where=_claimable(now)).returning(_runs.name)
    won = session.execute(stmt).first() is not None
    session.commit()
    return won


def _ours(run: Run):
    return update(JobRun).where(JobRun.name == run.job.name, JobRun.last_started_at == run.started) \
        .execution_options(synchronize_session=False)


# ---------------------------------------------------------------- a run in its thread

class JobAbandoned(Exception):
    """The run went past its time limit, or its worker stopped or lost its claim: nothing more it writes is kept."""


@dataclass(eq=False)
class Run:
    """One run of a job by this worker, from its claim until its thread ends."""

    job: Job
    started: datetime  # the claim: its row's last_started_at
    deadline: datetime
    held_until: datetime
    clock: Callable[[], datetime]
    done: threading.Event = field(default_factory=threading.Event)  # its thread has ended
    abandoned: threading.Event = field(default_factory=threading.Event)  # refuse what it still writes
    lock: threading.Lock = field(default_factory=threading.Lock)  # its end and its time-out are written once
    settled: bool = False  # its end (or its release) is written: nothing more to write for it
    timed_out_at: datetime | None = None
    error: str | None = None

    def abandon(self) -> None:
        self.abandoned.set()


_current_run: ContextVar[Run | None] = ContextVar("current_job_run", default=None)


@event.listens_for(Session, "after_begin")
def _begin_within_limit(session: Session, transaction, connection) -> None:
    """Every session a job's thread opens: none after its run was abandoned, and on PostgreSQL no statement
    longer than the run has left (a job stuck on a lock ends at its limit rather than holding the lock)."""
    run = _current_run.get()
    if run is None:
        return
    if run.abandoned.is_set():
        raise JobAbandoned(f"job {run.job.name} was abandoned; it may not begin a transaction")
    if connection.dialect.name == "postgresql":
        left = math.ceil((run.deadline - run.clock()).total_seconds() * 1000)
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(left, 1)}")


@event.listens_for(Session, "before_commit")
def _commit_only_while_claimed(session: Session) -> None:
    """A job's thread commits only while its run is neither abandoned nor claimed by another worker since (a
    worker frozen past its hold). The claim is read in the transaction being committed, locked on PostgreSQL; on
    SQLite a transaction that wrote holds the only write lock: no claim can slip in before the commit."""
    run = _current_run.get()
    if run is None:
        return
    if run.abandoned.is_set():
        raise JobAbandoned(f"job {run.job.name} was abandoned; what it wrote is not kept")
    if not session.in_transaction():
        return
    ours = select(JobRun.name).where(JobRun.name == run.job.name, JobRun.last_started_at == run.started)
    if session.get_bind().dialect.name == "postgresql":
        ours = ours.with_for_update()
    if session.execute(ours).first() is None:
        run.abandon()
        raise JobAbandoned(f"job {run.job.name}: another worker holds it now; what this run wrote is not kept")


def _error_text(exc: BaseException) -> str:
    """The error's line first (the admin page shows it), then where it came from."""
    trace = "".join(traceback.format_exception(exc)).replace("\x00", "\\x00")
    first = one_line(exc, 500)
    return (first + "\n\n" + trace[-(ERROR_MAX - len(first) - 2):])[:ERROR_MAX]


def _took(run: Run, end: datetime) -> int:
    return max(0, math.ceil((end - run.started).total_seconds()))


class Scheduler:
    """Runs a worker's due jobs, each in a thread of its own, within its time limit.

    One thread ticks it (the worker's scheduling thread, or run_once's); each tick is short: it notes the runs past
    their limit, renews the holds of the runs under way and starts the due jobs. A run's thread writes its own end.
    """

    def __init__(self, app: Flask, name: str = "", clock: Callable[[], datetime] = utcnow,
                 shutdown_grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        self.app = app
        self.name = name
        self.clock = clock
        self.shutdown_grace = shutdown_grace
        self.runs: dict[str, Run] = {}  # this worker's runs whose thread has not ended, by job name
        self.stopping = False

    def tick(self) -> list[Run]:
        """One look at the jobs; returns the runs it started."""
        with self.app.app_context():
            session = db.session
            now = self.clock()
            for name, run in list(self.runs.items()):
                if run.done.is_set():
                    del self.runs[name]
                elif run.timed_out_at is None and now >= run.deadline:
                    self._time_out(session, run, now)
                elif run.held_until - now < timedelta(seconds=HOLD_SECONDS / 2):
                    self._renew(session, run, now)
            if self.stopping:
                return []
            _presence(self.app, 0)
            started = []
            for job in _due(session, registered(self.app), now):
                if job.name in self.runs:
                    continue  # our last run of it has not ended (past its limit, abandoned): never two at once
                if _claim(session, job, now):
                    started.append(self._start(job, now))
            return started

    def wait(self, runs: Iterable[Run]) -> None:
        """Until each run has ended or reached its limit (which times it out): `outbox work --once`."""
        for run in runs:
            run.done.wait(max(0.0, (run.deadline - self.clock()).total_seconds()))
            if not run.done.is_set():
                with self.app.app_context():
                    self._time_out(db.session, run, max(self.clock(), run.deadline))

    def stop(self, grace: float | None = None) -> None:
        """Start nothing more; give the runs under way `grace` seconds, then abandon the rest and let go of them."""
        self.stopping = True
        grace = self.shutdown_grace if grace is None else grace
        until = time.monotonic() + grace
        for run in list(self.runs.values()):
            run.done.wait(max(0.0, until - time.monotonic()))
        left = [run for run in self.runs.values() if not run.done.is_set()]
        with self.app.app_context():
            for run in left:
                self._release(db.session, run)
            _presence(self.app, 1)  # a worker stopped on purpose is not a stalled one: it leaves at once

    # -- the runs

    def _start(self, job: Job, now: datetime) -> Run:
        limit = timedelta(seconds=job.time_limit(self.app.config))
        run = Run(job, started=now, deadline=now + limit, held_until=now + timedelta(seconds=HOLD_SECONDS),
                  clock=self.clock)
        self.runs[job.name] = run
        # A daemon: a run that never returns must not keep a stopping worker's process alive. Its transaction
        # dies with the process's connections, so nothing half-written is kept.
        thread = threading.Thread(target=self._execute, args=(run,), name=f"job {job.name}", daemon=True)
        thread.start()
        return run

    def _execute(self, run: Run) -> None:
        """The run's thread: the job in an app context and session of its own, then its end written."""
        token = _current_run.set(run)
        try:
            with self.app.app_context():
                session = db.session
                try:
                    run.job.func(session)
                    session.commit()
                except Exception as exc:  # noqa: BLE001 — any failure is the job's alone
                    run.error = _error_text(exc)
                    try:
                        session.rollback()
                    except Exception:  # noqa: BLE001 — a dead connection: the session is dropped below
                        log.exception("scheduled job %s: rolling back failed", run.job.name)
                    if run.abandoned.is_set():
                        log.warning("scheduled job %s ended after it was abandoned: %s", run.job.name,
                                    one_line(exc))
                    else:
                        log.exception("scheduled job %s failed", run.job.name)
                finally:
                    _current_run.reset(token)  # what follows is the scheduler's own writing, never refused
                    db.session.remove()
                self._finish(db.session, run)
        finally:
            run.done.set()

    def _write(self, session: Session, run: Run, values: Callable[[], dict], what: str) -> bool | None:
        """Write values() to the run's row if it is still ours. True if written; False if another worker holds it
        now (the run is then abandoned and nothing more is written for it); None if the database failed (the
        row keeps its hold, which lapses if no later pass sees to it)."""
        try:
            mine = session.execute(_ours(run).values(**values())).rowcount == 1
            session.commit()
        except Exception:  # noqa: BLE001
            session.rollback()
            log.exception("scheduled job %s: could not record its %s", run.job.name, what)
            return None
        if not mine:
            run.abandon()
            run.settled = True
            log.error("scheduled job %s: another worker holds it now (this worker's hold lapsed); this run is "
                      "abandoned", run.job.name)
        return mine

    def _failures(self, session: Session, run: Run) -> int:
        return session.scalar(select(JobRun.failures).where(JobRun.name == run.job.name)) or 0

    def _finish(self, session: Session, run: Run) -> None:
        config = self.app.config
        with run.lock:
            if run.settled:
                return
            run.settled = True
            end = self.clock()

            def values() -> dict:
                ended: dict = {"last_finished_at": end, "last_seconds": _took(run, end)}
                if run.timed_out_at is not None:
                    # Counted as failed at its limit; its backoff runs from then.
                    delay = retry_delay(self._failures(session, run), config)
                    return ended | {"next_run_at": run.timed_out_at + timedelta(seconds=delay)}
                if run.error is None:
                    return ended | {"failures": 0, "last_success_at": end,
                                    "next_run_at": run.started + timedelta(seconds=run.job.interval(config))}
                failures = self._failures(session, run) + 1
                return ended | {"failures": failures, "last_error": run.error, "last_error_at": end,
                                "next_run_at": end + timedelta(seconds=retry_delay(failures, config))}

            # requested_at is never written here: a request made while the job ran stands for the next pass.
            if self._write(session, run, values, "end") and run.timed_out_at is None:
                outcome = "success" if run.error is None else "failure"
                JOB_RUNS.labels(run.job.name, outcome).inc()
                log.info("scheduled job %s: %s in %s s", run.job.name, "done" if run.error is None else "failed",
                         _took(run, end))

    def _time_out(self, session: Session, run: Run, now: datetime) -> None:
        """A run still going at its limit: abandoned, and recorded as failed. It stays held while its thread lives."""
        with run.lock:
            if run.settled or run.timed_out_at is not None:
                return
            run.abandon()
            limit = run.job.time_limit(self.app.config)
            error = (f"JobTimedOut: still running after its limit of {limit} seconds; abandoned (nothing it "
                     f"writes from now on is kept), and not run again before it returns")
            held = {}

            def values() -> dict:
                failures = self._failures(session, run) + 1
                delay = retry_delay(failures, self.app.config)
                held["until"] = now + timedelta(seconds=max(delay, HOLD_SECONDS))
                return {"failures": failures, "last_error": error, "last_error_at": now,
                        "next_run_at": held["until"]}

            if self._write(session, run, values, "time-out"):
                run.timed_out_at, run.held_until = now, held["until"]
                JOB_RUNS.labels(run.job.name, "timeout").inc()
                log.error("scheduled job %s: %s", run.job.name, error)

    def _renew(self, session: Session, run: Run, now: datetime) -> None:
        with run.lock:
            if run.settled:
                return
            held = now + timedelta(seconds=HOLD_SECONDS)
            later = case((JobRun.next_run_at > held, JobRun.next_run_at), else_=held)
            if self._write(session, run, lambda: {"next_run_at": later}, "hold"):
                run.held_until = max(run.held_until, held)

    def _release(self, session: Session, run: Run) -> None:
        """A stopping worker lets go of a run that did not end in time: abandoned, and due again at once (or when
        its backoff ends, if it was past its limit), without counting as a failure."""
        with run.lock:
            if run.settled:
                return
            run.settled = True
            run.abandon()
            end = self.clock()

            def values() -> dict:
                due = end
                if run.timed_out_at is not None:
                    delay = retry_delay(self._failures(session, run), self.app.config)
                    due = run.timed_out_at + timedelta(seconds=delay)
                log.warning("scheduled job %s: still running as the worker stops; abandoned, due again at %s",
                            run.job.name, due.isoformat(timespec="seconds"))
                return {"last_finished_at": end, "last_seconds": _took(run, end), "next_run_at": due}

            self._write(session, run, values, "release")
