"""Backups: `pg_dump` of a running site, restored into a fresh database, serves the same stories."""
from __future__ import annotations

import subprocess
from datetime import date

import pytest
from sqlalchemy.engine import make_url

from tests.admin.topology import Browser, Topology, drop_database, environment, flask, scratch_database
from tests.conftest import TEST_DATABASE_URL, _free_port, make_app

pytestmark = pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                                reason="pg_dump needs TEST_DATABASE_URL on PostgreSQL")


def libpq(url: str) -> str:
    """pg_dump and psql take postgresql://…, not SQLAlchemy's postgresql+psycopg://…"""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def publish_stories(database_url: str, tmp_path, n: int = 5) -> None:
    from app.accounts.models import User
    from app.directory.models import Provider
    from app.extensions import db, utcnow
    from app.stories.models import PUBLISHED, Story
    from app.stories.tags import ensure_tags

    app = make_app(database_url, tmp_path, SEARCH_BACKEND="postgres")
    with app.app_context():
        ensure_tags(db.session)
        ward = Provider(code="W1", name="Ward Seven", kind="hospital")
        author = User(email="author@example.org", email_confirmed_at=utcnow())
        db.session.add_all([ward, author])
        db.session.flush()
        for i in range(n):
            now = utcnow()
            db.session.add(Story(
                provider_id=ward.id, author_id=author.id, title=f"Backed-up story {i}",
                body=f"Story {i}: the physiotherapists were patient and the discharge letter was clear.",
                experienced_on=date(2025, 1, 1), author_role="patient", public_name="Anonymous", status=PUBLISHED,
                queued_at=now, published_at=now, criticality=1, flags=[]))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_pg_dump_of_a_running_site_restores_into_a_fresh_database(tmp_path, smtp_server, worker_id):
    original = scratch_database(TEST_DATABASE_URL, f"admin_backup_{worker_id}")
    restored = scratch_database(TEST_DATABASE_URL, f"admin_restored_{worker_id}")
    sites = []
    try:
        env = environment(original, tmp_path, smtp_server.port, RATELIMIT_STORAGE_URI="memory://",
                          WEB_CONCURRENCY="1")
        flask(env, "db", "upgrade")
        publish_stories(original, tmp_path)
        flask(env, "search", "rebuild")  # stories written straight to the database: compute their vectors
        site = Topology(env, tmp_path)
        sites.append(site)
        site.web(_free_port())
        site.wait_until_up()
        before = Browser(site.urls[0]).get("/api/v1/stories").json()["data"]
        assert "Backed-up story 3" in Browser(site.urls[0]).get("/search", params={"q": "physiotherapists"}).text

        dump = tmp_path / "storyloop.sql"
        subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "--file", str(dump), libpq(original)],
                       check=True, timeout=300)  # while the site is serving
        subprocess.run(["psql", "--quiet", "--set", "ON_ERROR_STOP=1", "--file", str(dump), libpq(restored)],
                       check=True, timeout=300, capture_output=True)

        copy = Topology({**env, "DATABASE_URL": restored}, tmp_path / "restored")
        (tmp_path / "restored").mkdir()
        sites.append(copy)
        copy.web(_free_port())
        copy.wait_until_up()
        visitor = Browser(copy.urls[0])
        after = visitor.get("/api/v1/stories").json()["data"]
        assert len(before) == 5 and after == before
        for story in before:
            assert story["title"] in visitor.get(f"/stories/{story['id']}").text
        assert "Backed-up story 3" in visitor.get("/search", params={"q": "physiotherapists"}).text
        # The restored database is at the latest migration: upgrading again changes nothing.
        assert "Running upgrade" not in flask({**env, "DATABASE_URL": restored}, "db", "upgrade").stderr
    finally:
        for site in sites:
            site.stop()
        drop_database(original)
        drop_database(restored)
