"""One `demo load` per test process, copied whole for each test that asks for it (`demo`).

Loading the demo takes most of a demo test's time (the response loop runs the site's services step by step), and
most tests only look at what it made. The load runs once, through the command line, with the app's clock stopped
at one moment (`loaded_at`, so a test can check nothing is dated after it), into a database kept aside: a file on
SQLite, a template database on PostgreSQL. Each test then gets its own copy (a file copy; CREATE DATABASE …
TEMPLATE), so a test that changes the demo changes it for nobody else.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import extensions
from app.extensions import db
from tests.conftest import CSRFClient, _copy_sqlite_template, _empty_postgres, _seed, make_app

STORIES = 400  # the N of the shared `demo load --stories N`


@dataclass(frozen=True)
class LoadedDemo:
    url: str            # the database holding the loaded demo, never given to a test itself
    output: str         # what `demo load` printed
    loaded_at: datetime  # the app's clock, stopped there for the whole load


def _admin(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _recreate_postgres(url: str, template: str | None = None) -> None:
    name = make_url(url).database
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()


def _drop_postgres(url: str) -> None:
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def loaded_demo(postgres_url, tmp_path_factory) -> LoadedDemo:
    where = tmp_path_factory.mktemp("demo-template")
    if postgres_url:
        url = make_url(postgres_url)
        url = url.set(database=f"{url.database}_demo").render_as_string(hide_password=False)
        _recreate_postgres(url)
    else:
        url = f"sqlite:///{where / 'demo.db'}"
        _copy_sqlite_template(url)
    app = make_app(url, where)
    with app.app_context():
        if postgres_url:
            db.create_all()
            with db.engine.connect() as connection:
                _seed(connection)
        moment = extensions.utcnow().replace(microsecond=0)
        extensions.clock.set(moment)
        try:
            result = app.test_cli_runner().invoke(args=["demo", "load", "--stories", str(STORIES)])
        finally:
            extensions.clock.reset()
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it
    yield LoadedDemo(url, result.output, moment)
    if postgres_url:
        _drop_postgres(url)


@pytest.fixture
def database_url(request, postgres_url, tmp_path) -> str:
    """A copy of the loaded demo for a test that asks for `demo`; else an empty database, as everywhere."""
    if "demo" not in request.fixturenames:
        return postgres_url or f"sqlite:///{tmp_path / 'storyloop.db'}"
    loaded = request.getfixturevalue("loaded_demo")
    if postgres_url:
        url = make_url(postgres_url)
        copy = url.set(database=f"{url.database}_democopy").render_as_string(hide_password=False)
        _recreate_postgres(copy, template=make_url(loaded.url).database)
        request.addfinalizer(lambda: _drop_postgres(copy))
        return copy
    target = tmp_path / "storyloop.db"
    shutil.copyfile(make_url(loaded.url).database, target)
    assert os.path.exists(target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(database_url, postgres_url, tmp_path, app_overrides, smtp_server):
    """tests/conftest.py's app, except that a copied demo database is not emptied first."""
    from app.search import postgres_backend

    postgres_backend._stats_cache.clear()
    postgres_backend._vocabulary_cache.clear()
    if database_url.startswith("sqlite"):
        _copy_sqlite_template(database_url)  # leaves a copied demo file as it is
    app = make_app(database_url, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, **app_overrides)
    app.test_client_class = CSRFClient
    with app.app_context():
        if database_url == postgres_url:
            _empty_postgres(database_url)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo(app, session):
    """The session of this test's own copy of the loaded demo."""
    return session
