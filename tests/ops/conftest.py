"""Fixtures for operating the site: a database stamped at the migrations' head, as `db upgrade` leaves it (the
suite builds its tables with create_all, which writes no revision)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.admin import site
from app.admin.readiness import migration_heads


def stamp(session, *revisions: str) -> None:
    session.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    session.execute(text("DELETE FROM alembic_version"))
    for revision in revisions:
        session.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})
    session.commit()


@pytest.fixture(autouse=True)
def unstamped(request):
    """No revision left behind: on PostgreSQL the suite's database outlives each test, and drop_all does not know
    alembic_version."""
    if "app" not in request.fixturenames:
        yield
        return
    session = request.getfixturevalue("session")
    session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    session.commit()
    yield
    session.rollback()
    session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    session.commit()


@pytest.fixture
def at_head(app, session):
    stamp(session, *migration_heads(app.extensions["migrate"].directory))


@pytest.fixture
def ready(at_head, session, clock):
    """A site that is ready: migrated, and a worker that has just made a pass."""
    site.beat(session)
    return clock
