"""Upgrades keep the figures: a database whose insight figures were never computed (or started at zero with a
release that added them) has them right after `db upgrade` and the worker's next pass, with no command the docs
do not mention. The stylesheet's URL changes with its content, so a long cache never serves an old one."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import url_for
from sqlalchemy import delete, func, select

from app.insight.models import ProviderMonth
from app.jobs import JobRun
from app.stories.models import PUBLISHED
from tests.ops.conftest import stamp

ROOT = Path(__file__).resolve().parents[2]


def flask(database_url: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SMTP_", "SEARCH_", "FLASK_"))}
    env.update(DATABASE_URL=database_url, SECRET_KEY="upgrade-test", STORYLOOP_INSTANCE_DIR=str(tmp_path / "inst"),
               SEARCH_INDEX_DIR=str(tmp_path / "index"), DATASET_MIN_INTERVAL_SECONDS="100000")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def test_figures_are_filled_in_after_upgrading_a_database_that_lacked_them(app, session, database_url, tmp_path,
                                                                            tree, make_story):
    for _ in range(3):
        make_story(tree["ward"], status=PUBLISHED)
    make_story(tree["other"], status=PUBLISHED)
    ward, other = tree["ward"].id, tree["other"].id
    # The release before: the stories are there, their figures are not (as on a database that predates them).
    session.execute(delete(ProviderMonth))
    session.commit()
    stamp(session, "20261127following")
    session.remove()

    # Up to the release that added the request (the schema already holds what later migrations add).
    flask(database_url, tmp_path, "db", "upgrade", "20261128ops")
    assert session.scalar(select(JobRun.requested_at).where(JobRun.name == "insight-figures")) is not None
    flask(database_url, tmp_path, "outbox", "work", "--once")  # the worker's first pass after the upgrade

    session.expire_all()
    figures = dict(session.execute(select(ProviderMonth.provider_id, func.sum(ProviderMonth.stories))
                                   .group_by(ProviderMonth.provider_id)).all())
    assert figures == {ward: 3, other: 1}
    run = session.get(JobRun, "insight-figures")
    assert run.failures == 0 and run.last_success_at is not None


def test_a_worker_on_a_database_with_published_stories_and_no_figures_fills_them_in(app, session, tree, make_story,
                                                                                     deliver):
    make_story(tree["ward"], status=PUBLISHED)
    session.execute(delete(ProviderMonth))
    session.commit()
    deliver()
    session.expire_all()
    assert session.scalar(select(func.sum(ProviderMonth.stories))) == 1


def test_the_stylesheet_url_changes_with_its_content(app, tmp_path):
    (tmp_path / "static" / "css").mkdir(parents=True)
    sheet = tmp_path / "static" / "css" / "site.css"
    sheet.write_text("body { color: black; }")
    app.static_folder = str(tmp_path / "static")
    with app.test_request_context():
        first = url_for("static", filename="css/site.css")
        assert first.startswith("/static/css/site.css?v=")
        assert url_for("static", filename="css/site.css") == first
        sheet.write_text("body { color: navy; }")
        os.utime(sheet, (1, 1))  # even with an old modification time: the content decides
        second = url_for("static", filename="css/site.css")
    assert second != first and second.startswith("/static/css/site.css?v=")
    assert app.test_client().get(second).status_code == 200


def test_a_static_name_outside_the_folder_gets_no_digest(app, tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "secret.txt").write_text("not a static file")
    (tmp_path / "static" / "link.txt").symlink_to(tmp_path / "secret.txt")
    app.static_folder = str(tmp_path / "static")
    with app.test_request_context():
        for name in ("../secret.txt", "link.txt", "../secret.txt"):  # asked twice: the answer is kept per name
            assert "?v=" not in url_for("static", filename=name)


def test_pages_link_the_versioned_stylesheet(client):
    page = client.get("/terms").get_data(as_text=True)
    assert 'href="/static/css/site.css?v=' in page
