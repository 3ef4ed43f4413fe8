"""Readiness: whether this node can do its work now, one line per reason it cannot (/readyz and `flask check`).

/healthz is the cheap liveness probe (the database answers). Readiness asks more, across domains, which is why it
lives here in the operators' layer: the schema is at the migrations' head, the rate-limit storage answers, every
worker beats, due mail is not left waiting, no scheduled job keeps failing, and the folders written are writable.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import jobs
from app.admin.cli import _ratelimit_storage_problem, _worker_folders, _writable
from app.admin.site import live_heartbeats
from app.extensions import utcnow
from app.mail.models import QUEUED, OutboxMessage


@dataclass(frozen=True)
class Problem:
    """A reason this node is not ready. `line` is safe to show anyone; `detail` (a job's error) only operators."""

    check: str  # schema, ratelimit, workers, outbox, jobs, folders, database
    line: str
    detail: str = ""


@cache
def _migrations(directory: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the revisions the code's migrations end at, every revision they know), read once per process: the files
    change only with a release."""
    config = AlembicConfig()
    config.set_main_option("script_location", directory)
    script = ScriptDirectory.from_config(config)
    return frozenset(script.get_heads()), frozenset(rev.revision for rev in script.walk_revisions())


def migration_heads(directory: str) -> frozenset[str]:
    return _migrations(directory)[0]


def schema_problem(app: Flask, session: Session) -> Problem | None:
    heads, known = _migrations(app.extensions["migrate"].directory)
    current = frozenset(MigrationContext.configure(session.connection()).get_current_heads())
    if current == heads:
        return None
    if not current:
        return Problem("schema", "The database has no migrations applied: run `flask --app wsgi db upgrade`.")
    if current - known:
        return Problem("schema", f"The database is at revision {', '.join(sorted(current))}, which this code does "
                                 "not know: it is newer than this release (deploy the matching code, or downgrade "
                                 "the database with the newer code first).")
    return Problem("schema", f"The database schema is at {', '.join(sorted(current))}, behind this code's "
                             f"{', '.join(sorted(heads))}: run `flask --app wsgi db upgrade`.")


def ratelimit_problem(app: Flask) -> Problem | None:
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory://") or not app.config.get("RATELIMIT_ENABLED", True):
        return None
    if (problem := _ratelimit_storage_problem(uri, app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})) is None:
        return None
    return Problem("ratelimit", "The rate-limit storage (RATELIMIT_STORAGE_URI) does not answer: each web process "
                                "counts limits in its own memory until it does. Start Redis or fix the address.",
                   detail=problem)


def worker_problems(app: Flask, session: Session, now: datetime) -> list[Problem]:
    stale_after = app.config["READY_WORKER_SECONDS"]
    beats = live_heartbeats(session, now)
    if not beats:
        return [Problem("workers", f"No outbox worker has made a pass in the last {stale_after} seconds: no email "
                                   "goes out and no scheduled job runs. Start `flask --app wsgi outbox work`.")]
    return [Problem("workers", f"The outbox worker {beat.name} was last seen "
                               f"{int((now - beat.seen_at).total_seconds())} seconds ago (more than "
                               f"READY_WORKER_SECONDS, {stale_after}): it has stalled or died "
                               "without stopping. Restart it; a stopped worker is forgotten after "
                               "WORKER_FORGET_SECONDS.")
            for beat in beats if (now - beat.seen_at).total_seconds() > stale_after]


def outbox_problem(app: Flask, session: Session, now: datetime) -> Problem | None:
    oldest = session.scalar(select(func.min(OutboxMessage.next_attempt_at))
                            .where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now))
    limit = app.config["READY_OUTBOX_SECONDS"]
    if oldest is None or (now - oldest).total_seconds() <= limit:
        return None
    return Problem("outbox", f"The oldest email due has waited {int((now - oldest).total_seconds())} seconds (more "
                             f"than READY_OUTBOX_SECONDS, {limit}): the workers are not keeping up, or cannot "
                             "reach the SMTP relay.")


def job_problems(app: Flask, session: Session) -> list[Problem]:
    most = app.config["READY_JOB_FAILURES"]
    return [Problem("jobs", f"The scheduled job {state.job.name} has failed {state.run.failures} times in a row "
                            f"(READY_JOB_FAILURES is {most}): its last error is on the admin site page.",
                    detail=state.error_line or "")
            for state in jobs.states(session) if state.run is not None and state.run.failures >= most]


def folder_problems(app: Flask) -> list[Problem]:
    config = app.config
    folders = [(setting, folder) for setting, folder, _ in _worker_folders(config)]
    if config["SEARCH_BACKEND"] == "whoosh":
        index = Path(config["SEARCH_INDEX_DIR"])
        folders.append(("SEARCH_INDEX_DIR", index.resolve() if index.exists() else index.parent))
    return [Problem("folders", f"The folder {folder} ({setting}) is not writable by this user.")
            for setting, folder in folders if not _writable(folder)]


def problems(app: Flask, session: Session, now: datetime | None = None) -> list[Problem]:
    """Every reason this node is not ready now (an empty list: ready)."""
    now = now or utcnow()
    found: list[Problem] = []
    if problem := ratelimit_problem(app):
        found.append(problem)
    found.extend(folder_problems(app))
    try:
        if problem := schema_problem(app, session):
            # Tables may be missing or different: the checks below would fail on them, not on what they ask.
            return [problem, *found]
        found.extend(worker_problems(app, session, now))
        if problem := outbox_problem(app, session, now):
            found.append(problem)
        found.extend(job_problems(app, session))
    except Exception:  # the database went away part-way: that is the one thing to say
        session.rollback()
        return [Problem("database", "The database does not answer."), *found]
    finally:
        session.rollback()  # end the read
    return found
