"""/metrics for Prometheus: the processes' own counters (requests, job runs, mail delivered: added up across
gunicorn's processes through PROMETHEUS_MULTIPROC_DIR) and the site's state read from the database at each scrape
(outbox, search queue, jobs, worker heartbeats), the same wherever it is scraped.

Closed unless METRICS_TOKEN is set, then only to `Authorization: Bearer <METRICS_TOKEN>`.
"""
from __future__ import annotations

import hmac

from flask import Flask, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import jobs
from app.admin.site import live_heartbeats, outbox_counts
from app.extensions import db, utcnow
from app.mail.models import QUEUED, OutboxMessage
from app.search.models import SearchQueue


class SiteCollector:
    """The site's state, read at each scrape in one short transaction."""

    def __init__(self, app: Flask, session: Session) -> None:
        self.app = app
        self.session = session

    def collect(self):
        session, now = self.session, utcnow()
        try:
            outbox = GaugeMetricFamily("storyloop_outbox_messages", "Messages in the outbox, by status",
                                       labels=["status"])
            for status, n in outbox_counts(session).items():
                outbox.add_metric([status], n)
            yield outbox
            oldest = session.scalar(select(func.min(OutboxMessage.next_attempt_at))
                                    .where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now))
            yield GaugeMetricFamily("storyloop_outbox_oldest_due_age_seconds",
                                    "How long the oldest message due has waited (0: none waiting)",
                                    value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
            yield GaugeMetricFamily("storyloop_search_queue_length", "Stories waiting to be indexed",
                                    value=session.scalar(select(func.count()).select_from(SearchQueue)) or 0)
            failures = GaugeMetricFamily("storyloop_job_failures_in_a_row", "A scheduled job's failures since its "
                                         "last success", labels=["job"])
            success = GaugeMetricFamily("storyloop_job_last_success_timestamp_seconds",
                                        "When a scheduled job last succeeded (Unix time; absent: never)",
                                        labels=["job"])
            took = GaugeMetricFamily("storyloop_job_last_duration_seconds", "How long a job's last run took",
                                     labels=["job"])
            for state in jobs.states(session):
                run = state.run
                failures.add_metric([state.job.name], run.failures if run else 0)
                if run and run.last_success_at:
                    success.add_metric([state.job.name], run.last_success_at.timestamp())
                if run and run.last_seconds is not None:
                    took.add_metric([state.job.name], run.last_seconds)
            yield from (failures, success, took)
            beats = GaugeMetricFamily("storyloop_worker_heartbeat_age_seconds",
                                      "Seconds since each outbox worker's last pass", labels=["worker"])
            live = 0
            for beat in live_heartbeats(session, now):
                age = (now - beat.seen_at).total_seconds()
                beats.add_metric([beat.name], age)
                live += age <= self.app.config["READY_WORKER_SECONDS"]
            yield beats
            yield GaugeMetricFamily("storyloop_workers_live", "Outbox workers seen within READY_WORKER_SECONDS",
                                    value=live)
        finally:
            session.rollback()


def exposition(app: Flask, session: Session) -> bytes:
    folder = app.config.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=folder)
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    registry.register(SiteCollector(app, session))
    return generate_latest(registry)


class _Default:
    """This process's own metrics (the default registry), beside the site's."""

    def collect(self):
        yield from REGISTRY.collect()


def allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)  # closed: as if there were no such page
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        abort(403)
    return True


def response():
    allowed()
    body = exposition(current_app._get_current_object(), db.session)
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}
