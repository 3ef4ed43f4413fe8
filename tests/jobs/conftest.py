"""Fixtures for the scheduler's tests: a clock the test moves, jobs that hang until released, schedulers that are
left with no run under way."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from app import jobs
from app.extensions import utcnow
from app.mail.services import queue_email

SAFETY_SECONDS = 30  # no test waits longer than this for a thread: a mistake fails it rather than hanging the run


@dataclass
class Clock:
    """The scheduler's time, moved by the test: limits, holds and backoff without sleeping."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def only_test_jobs(app):
    """Forget the app's own jobs (heartbeat, digests, dataset...): each test registers those it is about."""
    app.extensions["jobs"] = {}
    return app


class Gate:
    """A job that blocks on an Event for its first `hangs` runs, then queues an email to <label><run's number>@
    (so what a run wrote, or failed to keep, is a row to look for)."""

    def __init__(self, hangs: int = 1, label: str = "run") -> None:
        self.hangs = hangs
        self.label = label
        self.calls = 0
        self.entered = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.inside = 0  # runs under way now, across every worker
        self.most_inside = 0

    def __call__(self, session) -> None:
        with self.lock:
            self.calls += 1
            n = self.calls
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.entered.set()
        try:
            if n <= self.hangs:
                assert self.release.wait(SAFETY_SECONDS), "the test never released the job"
            queue_email(session, f"{self.label}{n}@example.org", "confirm_email", f"{self.label.title()} {n}",
                        link="http://localhost/x")
            session.flush()
        finally:
            with self.lock:
                self.inside -= 1


@pytest.fixture
def gates():
    made: list[Gate] = []

    def make(hangs: int = 1, label: str = "run") -> Gate:
        made.append(gate := Gate(hangs, label))
        return gate

    make.all = made
    return make


@pytest.fixture
def schedulers(app, clock, gates):
    """Schedulers on the test's clock (or the worker's given to `track`); at the end every gate is opened and every
    run's thread has ended, so none outlives its test's database."""
    made: list[jobs.Scheduler] = []

    def make(name: str = "w1", **kwargs) -> jobs.Scheduler:
        made.append(scheduler := jobs.Scheduler(app, name, clock=clock, **kwargs))
        return scheduler

    make.track = made.append
    yield make
    for gate in gates.all:
        gate.release.set()
    for scheduler in made:
        for run in list(scheduler.runs.values()):
            assert run.done.wait(SAFETY_SECONDS)
