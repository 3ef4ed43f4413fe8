"""Migrations: upgrade, check against the models, downgrade and upgrade again, on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def migration_database(tmp_path, worker_id):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = make_url(base)
    name = f"{url.database}_migrations_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _run(args: list[str], database_url: str, tmp_path) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="migration-test",
               STORYLOOP_INSTANCE_DIR=str(tmp_path / "instance"))
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
    return result


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def test_migrations_upgrade_match_the_models_and_downgrade(migration_database, tmp_path):
    _run(_flask("db", "upgrade"), migration_database, tmp_path)
    engine = create_engine(migration_database)
    tables = set(inspect(engine).get_table_names())
    assert {"providers", "users", "memberships", "invitations", "outbox", "alembic_version", "stories", "tags",
            "story_tags", "audit_events", "story_revisions", "reports", "replies", "changes", "digest_items"} <= tables
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tags")).scalar() == 24  # the curated list is seeded
    engine.dispose()

    check = _run([sys.executable, "-m", "alembic", "-c", "migrations/alembic.ini", "check"],
                 migration_database, tmp_path)
    assert "No new upgrade operations detected" in check.stdout + check.stderr

    _run(_flask("db", "downgrade", "base"), migration_database, tmp_path)
    engine = create_engine(migration_database)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    _run(_flask("db", "upgrade"), migration_database, tmp_path)


def test_migrations_create_the_content_version_triggers_the_models_do(migration_database, tmp_path):
    """A migrated database moves the content version exactly as one made by create_all (the tests')."""
    import re

    from app.web.models import trigger_statements

    _run(_flask("db", "upgrade"), migration_database, tmp_path)
    engine = create_engine(migration_database)
    postgres = engine.dialect.name == "postgresql"
    expected = {m.group(1) for s in trigger_statements(engine.dialect.name)
                if (m := re.match(r"CREATE (?:CONSTRAINT )?TRIGGER (\w+)", s))}
    with engine.begin() as conn:
        names = set(conn.execute(text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal" if postgres
            else "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        # 12 tables x 3 for the content version, 2 x 3 for the moderation version, 4 for the queue rows' version.
        assert names == expected and len(names) == 46
        if not postgres:  # SQLite keeps each trigger's statement as written: the conditions must be the models' too
            written = {name: " ".join(sql.split()) for name, sql in conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))}
            assert written == {re.match(r"CREATE TRIGGER (\w+)", s).group(1): " ".join(s.split())
                               for s in trigger_statements("sqlite") if s.startswith("CREATE TRIGGER")}
        conn.execute(text("UPDATE tags SET name = name || '!' WHERE id = (SELECT min(id) FROM tags)"))
    with engine.connect() as conn:
        assert dict(conn.execute(text("SELECT id, n FROM content_version WHERE id IN (1, 3, 4)")).all()) == \
            {1: 1, 3: 0, 4: 0}
    engine.dispose()
