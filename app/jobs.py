"""The job scheduler: domains register their scheduled jobs here; the outbox worker runs the due ones, each alone.

A job is a function of the database session, registered once with a name and an interval:

    jobs.register(app, "digests", run_due_digests)                       # every pass of the worker
    jobs.register(app, "dataset", rebuild_if_due, every="DATASET_MIN_INTERVAL_SECONDS")  # a setting's seconds

The runner commits what a job did when it returns and rolls it back when it raises. A job that raises is
logged, its error and its count of failures in a row are kept in `job_runs` (shown on the admin site page),
and it is tried again after a delay that doubles with each failure (JOB_RETRY_BASE_SECONDS, at most
JOB_RETRY_MAX_SECONDS); the other jobs and mail delivery carry on. `run_soon` asks for a job to run at the
worker's next pass whatever its interval (the dataset after a story is withdrawn, say), in the caller's
transaction, so the request holds only if the event it follows commits.
"""
from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import Integer, String, Text, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.errors import one_line
from app.extensions import db, utcnow

log = logging.getLogger(__name__)
ERROR_MAX = 4000  # characters of a failure's traceback kept for the admin page


class JobRun(db.Model):
    """What became of each scheduled job's last runs: one row per job name, shared by every worker."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_seconds: Mapped[int | None] = mapped_column(Integer)  # how long the last run took, rounded up
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # in a row, up to now
    next_run_at: Mapped[datetime | None]
    # Asked to run at the next pass (run_soon); it is done once a run starts after this time.
    requested_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<JobRun {self.name} failures={self.failures}>"


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[Session], object]
    # Seconds between runs (0: every pass of the worker), or the name of the setting that holds them.
    every: int | str = 0

    def interval(self, config) -> int:
        return max(0, int(config[self.every] if isinstance(self.every, str) else self.every))


@dataclass
class Outcome:
    name: str
    ok: bool
    error: str | None = None


def register(app: Flask, name: str, func: Callable[[Session], object], every: int | str = 0) -> Job:
    """Add a scheduled job (in a domain's init_app, or create_app). Names are unique and at most 60 characters."""
    jobs: dict[str, Job] = app.extensions.setdefault("jobs", {})
    if name in jobs:
        raise ValueError(f"a job called {name!r} is already registered")
    if len(name) > 60:
        raise ValueError("a job's name is at most 60 characters")
    if isinstance(every, str) and every not in app.config:
        raise ValueError(f"job {name!r}: there is no setting called {every!r}")
    jobs[name] = job = Job(name, func, every)
    return job


def registered(app: Flask | None = None) -> list[Job]:
    app = app or current_app
    return list(app.extensions.get("jobs", {}).values())


def is_due(job: Job, state: JobRun | None, now: datetime) -> bool:
    if state is None or state.next_run_at is None:
        return True
    if state.requested_at is not None and (state.last_started_at is None
                                           or state.requested_at >= state.last_started_at):
        return True
    return state.next_run_at <= now


def retry_delay(failures: int, config) -> int:
    """Seconds before a job that failed `failures` times in a row is tried again: doubling, bounded."""
    base = max(1, config.get("JOB_RETRY_BASE_SECONDS", 60))
    return min(base * 2 ** (max(failures, 1) - 1), max(base, config.get("JOB_RETRY_MAX_SECONDS", 3600)))


def run_due(session: Session, between: Callable[[], object] = lambda: None) -> list[Outcome]:
    """Run every registered job that is due, each alone; `between` runs after each one (mail delivery)."""
    jobs = registered()
    if not jobs:
        return []
    now = utcnow()
    states = {state.name: state for state in session.scalars(select(JobRun))}
    due = [job for job in jobs if is_due(job, states.get(job.name), now)]
    session.rollback()  # nothing written: end the read, so a long job does not hold it open
    outcomes = []
    for job in due:
        outcomes.append(run_job(session, job))
        between()
    return outcomes


def run_job(session: Session, job: Job) -> Outcome:
    """Run one job now and keep what became of it. Its exception never leaves here."""
    started, clock = utcnow(), time.monotonic()
    error = None
    try:
        job.func(session)
        session.commit()
    except Exception as exc:  # noqa: BLE001 — any failure is the job's alone
        session.rollback()
        log.exception("scheduled job %s failed", job.name)
        error = _error_text(exc)
    _record(session, job, started, int(time.monotonic() - clock + 0.999), error)
    return Outcome(job.name, error is None, error)


def _error_text(exc: Exception) -> str:
    """The error's line first (the admin page shows it), then where it came from."""
    trace = "".join(traceback.format_exception(exc)).replace("\x00", "\\x00")
    first = one_line(exc, 500)
    return (first + "\n\n" + trace[-(ERROR_MAX - len(first) - 2):])[:ERROR_MAX]


def _upsert(session: Session, values: dict, update: list[str]):
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(JobRun.__table__).values(**values)
    return stmt.on_conflict_do_update(index_elements=["name"], set_={k: stmt.excluded[k] for k in update})


def _record(session: Session, job: Job, started: datetime, seconds: int, error: str | None) -> None:
    config = current_app.config
    finished = utcnow()
    failures = session.scalar(select(JobRun.failures).where(JobRun.name == job.name)) or 0
    values: dict = {"name": job.name, "last_started_at": started, "last_finished_at": finished,
                    "last_seconds": seconds}
    if error is None:
        values.update(failures=0, last_success_at=finished,
                      next_run_at=started + timedelta(seconds=job.interval(config)))
    else:
        failures += 1
        values.update(failures=failures, last_error=error, last_error_at=finished,
                      next_run_at=finished + timedelta(seconds=retry_delay(failures, config)))
    # requested_at is never written here: a request made while the job ran still stands for the next pass.
    session.execute(_upsert(session, values, [k for k in values if k != "name"]))
    session.commit()


def run_soon(session: Session, name: str) -> None:
    """Ask for the job to run at the worker's next pass, whatever its interval; part of the caller's transaction."""
    session.execute(_upsert(session, {"name": name, "requested_at": utcnow(), "failures": 0}, ["requested_at"]))


@dataclass
class JobState:
    job: Job
    interval: int
    run: JobRun | None

    @property
    def failing(self) -> bool:
        return self.run is not None and self.run.failures > 0

    @property
    def error_line(self) -> str | None:
        return self.run.last_error.split("\n", 1)[0] if self.run is not None and self.run.last_error else None


def states(session: Session) -> list[JobState]:
    """Every registered job with what became of its runs (for the admin site page and readiness checks)."""
    runs = {run.name: run for run in session.scalars(select(JobRun))}
    config = current_app.config
    return [JobState(job, job.interval(config), runs.get(job.name)) for job in registered()]
