"""Derived data kept up to date across upgrades: the worker fills in the insight figures by itself.

The `insight-figures` job runs at a worker's first pass on a database it has never seen, and whenever a migration
asks for it (a row in job_runs with requested_at, as 20261128ops writes). It rebuilds the figures when asked, or
when published stories have none at all; otherwise it costs two small queries.
"""
from __future__ import annotations

import logging

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.insight.aggregates import rebuild
from app.insight.models import ProviderMonth
from app.jobs import JobRun
from app.stories.models import PUBLISHED, Story

log = logging.getLogger(__name__)
JOB = "insight-figures"
EVERY = 10 * 365 * 24 * 3600  # in effect only when first seen or asked for: the figures follow every change
LIMIT = 4 * 3600  # a million stories take well under this


def missing(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Story.status == PUBLISHED)))
                and not session.scalar(select(exists().select_from(ProviderMonth))))


def fill_in(session: Session) -> None:
    asked = session.scalar(select(JobRun.requested_at).where(JobRun.name == JOB)) is not None
    if not asked and not missing(session):
        return
    done = rebuild(session)
    log.info("insight figures recomputed after an upgrade: %d provider-months", done)
