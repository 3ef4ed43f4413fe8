"""Shared fixtures: a fresh app and database per test, a real SMTP server, factories, a CSRF-aware client, a
clock to move instead of sleeping, and a counter of SQL statements."""
from __future__ import annotations

import contextvars
import email
import email.policy
import os
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher
from flask import has_app_context
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url
from werkzeug.routing.rules import Rule

from app import create_app, extensions
from app.audit import AuditEvent
from app.extensions import db
from app.mail.models import OutboxMessage
from app.stories.tags import ensure_tags

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


# ---------------------------------------------------------------- database

def _worker_database_url(worker_id: str) -> str:
    """One PostgreSQL database per xdist worker, created on the server TEST_DATABASE_URL names."""
    url = make_url(TEST_DATABASE_URL)
    if worker_id == "master":
        name = f"{url.database}_storyloop"
    else:
        name = f"{url.database}_storyloop_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not survive a crash of the server: commits need not wait for the disk.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> str | None:
    if not TEST_DATABASE_URL:
        return None
    return _worker_database_url(worker_id)


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


@pytest.fixture
def database_url(postgres_url, tmp_path) -> str:
    return postgres_url or f"sqlite:///{tmp_path / 'storyloop.db'}"


# Building the schema is most of a test's set-up (about a second on PostgreSQL), so each process builds it once:
# SQLite tests copy a file made once; PostgreSQL tests empty the tables of a schema made once. A test that changes
# the schema (the migration tests run Alembic on the same database) is noticed by its fingerprint, and the next
# test builds it anew.
_sqlite_template: dict[str, str] = {}
_postgres_built: dict[str, tuple] = {}

# From pg_catalog, not information_schema (a tenth of the time): each table's column count, the triggers, the indexes.
_FINGERPRINT = text(
    "SELECT (SELECT string_agg(relname || ':' || relnatts::text, ',' ORDER BY relname) FROM pg_class"
    "  WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'),"
    " (SELECT count(*) FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid"
    "  WHERE r.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal),"
    " (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'i')")


def _seed(connection) -> None:
    """What every test's database holds before the test: the curated tags (the content version's row comes with
    the schema's triggers)."""
    from sqlalchemy.orm import Session as OrmSession

    with OrmSession(bind=connection) as seeding:
        ensure_tags(seeding)
        seeding.commit()


def _copy_sqlite_template(database_url: str) -> None:
    import shutil
    import tempfile

    if "path" not in _sqlite_template:
        path = os.path.join(tempfile.mkdtemp(prefix="storyloop-schema-"), "template.db")
        engine = create_engine(f"sqlite:///{path}")
        with engine.begin() as connection:
            db.metadata.create_all(connection)
        with engine.connect() as connection:
            _seed(connection)
        engine.dispose()
        _sqlite_template["path"] = path
    target = make_url(database_url).database
    if not os.path.exists(target):
        shutil.copyfile(_sqlite_template["path"], target)


def _postgres_emptying(connection) -> str:
    """One batch of statements: delete every row, children first, and start every id sequence at 1 again."""
    sequences = connection.execute(text("SELECT quote_ident(sequencename) FROM pg_sequences "
                                        "WHERE schemaname = 'public'")).scalars().all()
    deletes = "".join(f'DELETE FROM "{t.name}";' for t in reversed(db.metadata.sorted_tables))
    restarts = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
    return deletes + (f"SELECT {restarts};" if restarts else "")


def _empty_postgres(database_url: str) -> None:
    """Empty every table of the schema built once (ids start at 1 again), or build it when a test changed it."""
    from app.web.models import trigger_statements

    engine = db.engine
    with engine.connect() as connection:
        fingerprint = tuple(connection.execute(_FINGERPRINT).one())
    if _postgres_built.get(database_url) != fingerprint:
        db.drop_all()
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        with engine.connect() as connection:
            _seed(connection)
            _postgres_built[database_url] = tuple(connection.execute(_FINGERPRINT).one())
        return
    with engine.begin() as connection:
        # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE makes every table's files anew (slow).
        # A connection another test left open would hold its locks for ever: wait a while, then end it.
        connection.execute(text("SET LOCAL lock_timeout = '5s'"))
        try:
            connection.exec_driver_sql(_postgres_emptying(connection))
        except Exception:
            connection.rollback()
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            connection.exec_driver_sql(_postgres_emptying(connection))
        connection.execute(text(trigger_statements("postgresql")[0]))
    with engine.connect() as connection:
        _seed(connection)


# Every test makes its own app, and werkzeug compiles two URL builders for each of its 200-odd routes as the app
# registers them (about 70 ms an app, a third of a plain test's time), though a test builds URLs for a few. Here a
# builder is compiled the first time it builds a URL: the same code, built from the same rule, later. The app as it
# runs outside the tests (make run, gunicorn, the subprocess tests) is untouched.
_compile_builder = Rule._compile_builder


def _builder_compiled_on_first_use(rule: Rule, append_unknown: bool = True):
    compiled = None

    def build(bound_rule: Rule, *args, **kwargs):
        nonlocal compiled
        if compiled is None:
            compiled = _compile_builder(bound_rule, append_unknown)
        return compiled(bound_rule, *args, **kwargs)

    return build


Rule._compile_builder = _builder_compiled_on_first_use


class _TemplatesCompiledOnce(BytecodeCache):
    """Each test's app would compile every template it renders anew (a fifth of a page test's time). Jinja's own
    bytecode cache keeps the compiled code per template, checked against a checksum of its source, so an edited
    template is compiled again."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_templates_compiled_once = _TemplatesCompiledOnce()


def make_app(database_url: str, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SITE_URL": "http://localhost",
        "SERVER_NAME": None,
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
        "DATASET_DIR": str(tmp_path / "dataset"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "SEARCH_REBUILD_PROCS": 1,  # the worker's rebuild of a missing index, in most tests: one process
        "MAIL_RETRY_BASE_SECONDS": 0,
        "RATELIMIT_ENABLED": True,
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = _templates_compiled_once
    return app


@pytest.fixture
def app_overrides(request) -> dict:
    """Settings for this test's app: @pytest.mark.settings(NAME=value, ...) on the test, or on every test of a
    module (pytestmark); or redefine this fixture nearer the test, or update it before `app` is built."""
    marker = request.node.get_closest_marker("settings")
    return dict(marker.kwargs) if marker else {}


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "settings(**kw): app settings for a test (the app_overrides fixture)")
    config.addinivalue_line("markers", "real_password_hashing: Argon2 at the site's own cost (timing tests)")


def pytest_collection_modifyitems(config, items) -> None:
    """On the PostgreSQL pass a test that never touches a database (a text normaliser's properties, the docs, a
    parser) would only repeat the SQLite pass: it is left out. A test reaches a database through the
    database_url or postgres_url fixture, or reads TEST_DATABASE_URL itself."""
    if not TEST_DATABASE_URL:
        return
    keep, drop = [], []
    for item in items:
        uses = set(getattr(item, "fixturenames", ())) & {"database_url", "postgres_url"}
        (keep if uses or "TEST_DATABASE_URL" in _module_source(item) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


_sources: dict[str, str] = {}


def _module_source(item) -> str:
    path = str(item.path)
    if path not in _sources:
        with open(path, encoding="utf-8") as f:
            _sources[path] = f.read()
    return _sources[path]


# Argon2 at the site's cost takes a tenth of a second or more per hash, and most tests hash and verify several
# passwords: tests run with the same algorithm at its cheapest (as Django's tests do with their own hasher). The
# tests that measure how long answers take keep the real cost with @pytest.mark.real_password_hashing; the
# subprocess tests (make run, gunicorn, the worker) always have it.
_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_CHEAP_DUMMY = _CHEAP_HASHER.hash("storyloop-timing-equaliser")


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request, monkeypatch) -> None:
    if request.node.get_closest_marker("real_password_hashing"):
        return
    from app.accounts import passwords

    monkeypatch.setattr(passwords, "_hasher", _CHEAP_HASHER)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", _CHEAP_DUMMY)


@pytest.fixture
def app(database_url, tmp_path, app_overrides, smtp_server):
    from app.search import postgres_backend

    # Each test's database is new under the same URL: forget what PostgreSQL search read of the last one.
    postgres_backend._stats_cache.clear()
    postgres_backend._vocabulary_cache.clear()
    if database_url.startswith("sqlite"):
        _copy_sqlite_template(database_url)
    app = make_app(database_url, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, **app_overrides)
    app.test_client_class = CSRFClient
    with app.app_context():
        if database_url.startswith("postgresql"):
            _empty_postgres(database_url)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app):
    return db.session


# ---------------------------------------------------------------- client

def csrf_token_in(page: str, form_page) -> str:
    """This client's CSRF token: signed-in pages carry it in a meta tag; a visitor's come from a form
    (visitors' pages hold none, so they can be kept for everyone)."""
    if found := re.search(r'<meta name="csrf-token" content="([^"]+)"', page):
        return found.group(1)
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', form_page()).group(0)
    return re.search(r'value="([^"]+)"', field).group(1)


class CSRFClient(FlaskClient):
    """A test client that adds the page's CSRF token to form POSTs unless told not to (csrf=False).

    Each request runs in a fresh context, as a real request would: its own app context, `g` and
    database session, not the test's (Flask reuses an app context that is already pushed, so the
    login and CSRF state cached in `g` would otherwise leak between clients).
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's own session sees what the request wrote
        return response

    def csrf_token(self) -> str:
        return csrf_token_in(self.get("/terms").get_data(as_text=True),
                             lambda: self.get("/account/login").get_data(as_text=True))

    def post(self, *args, csrf: bool = True, **kwargs):
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)) and "json" not in kwargs:
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app) -> CSRFClient:
    return app.test_client()


def login(client: CSRFClient, email: str, password: str = "correct horse battery"):
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


# ---------------------------------------------------------------- SMTP

@dataclass
class CaughtMail:
    """Messages a real SMTP server (aiosmtpd) received; can refuse the next N with a 451."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.original_content or envelope.content,
                                               policy=email.policy.default)
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}; got {[str(m['To']) for m in self.messages]}"
        return found[-1]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message: EmailMessage, path_fragment: str) -> str:
    """The first link in the plain-text part whose path contains path_fragment, as a site-relative path."""
    for url in re.findall(r"https?://\S+", text_of(message)):
        if path_fragment in url:
            return re.sub(r"^https?://[^/]+", "", url)
    raise AssertionError(f"no link with {path_fragment!r} in:\n{text_of(message)}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = CaughtMail()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def deliver(app):
    """Run the outbox worker once, as `outbox work --once` does."""
    from app.mail.worker import OutboxWorker

    def run() -> tuple[int, int]:
        return OutboxWorker(app).run_once()

    return run


# ---------------------------------------------------------------- factories

PASSWORD = "correct horse battery"


@pytest.fixture
def make_provider(session):
    from app.directory.models import Provider

    counter = {"n": 0}

    def make(code: str | None = None, name: str | None = None, kind: str = "hospital", parent=None, **fields):
        counter["n"] += 1
        provider = Provider(code=code or f"P{counter['n']:04d}", name=name or f"Provider {counter['n']}",
                            kind=kind, parent=parent, **fields)
        session.add(provider)
        session.commit()
        return provider

    return make


@pytest.fixture
def make_user(session):
    from app.accounts.models import Membership, User
    from app.accounts.passwords import hash_password
    from app.extensions import utcnow

    counter = {"n": 0}
    hashed = hash_password(PASSWORD)

    def make(email: str | None = None, confirmed: bool = True, moderator: bool = False, admin: bool = False,
             provider=None, role: str = "responder", job_title: str = "Ward manager", display_name: str = ""):
        counter["n"] += 1
        user = User(email=email or f"user{counter['n']}@example.org", password_hash=hashed,
                    display_name=display_name or f"User {counter['n']}",
                    email_confirmed_at=utcnow() if confirmed else None, is_moderator=moderator, is_admin=admin)
        session.add(user)
        session.flush()
        if provider is not None:
            session.add(Membership(user_id=user.id, provider_id=provider.id, role=role, job_title=job_title))
        session.commit()
        return user

    return make


# ---------------------------------------------------------------- live server and browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"]


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free port, in a thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    yield page
    context.close()


@pytest.fixture
def tree(make_provider):
    """A trust, a hospital in it, a ward in that, and an unrelated GP practice."""
    trust = make_provider(code="T1", name="Trust One", kind="trust")
    hospital = make_provider(code="H1", name="Hospital One", parent=trust)
    ward = make_provider(code="W1", name="Ward One", kind="department", parent=hospital)
    other = make_provider(code="G1", name="Other Practice", kind="gp_practice")
    return {"trust": trust, "hospital": hospital, "ward": ward, "other": other}


@pytest.fixture
def make_story(session, make_user):
    """A story in any state, written directly (the telling flow has its own tests)."""
    from datetime import date

    from app.extensions import utcnow
    from app.stories.models import PUBLISHED, Story

    counter = {"n": 0}

    def make(provider, author=None, status: str = "pending", title: str | None = None, body: str | None = None,
             criticality: int | None = None, **fields):
        counter["n"] += 1
        author = author or make_user(email=f"author{counter['n']}@example.org")
        now = utcnow()
        story = Story(
            provider_id=provider.id, author_id=author.id, title=title or f"Story number {counter['n']}",
            body=body or (f"Story {counter['n']}: the staff were helpful and the waiting room was clean. "
                          "I would like clearer letters about appointments."),
            experienced_on=date(2025, 1, 1), author_role="patient", public_name="Anonymous", status=status,
            queued_at=now, published_at=now if status in (PUBLISHED, "hidden") else None,
            criticality=criticality if criticality is not None else (1 if status == PUBLISHED else None),
            **{"flags": [], **fields},
        )
        session.add(story)
        session.commit()
        return story

    return make


# ---------------------------------------------------------------- clock

class TestClock:
    """The app's clock (app.extensions.clock), stopped: it moves only when the test moves it."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def now(self) -> datetime:
        return extensions.clock.now()

    def set(self, when: datetime) -> datetime:
        extensions.clock.set(when)
        return self.now()

    def advance(self, **delta: float) -> datetime:
        """clock.advance(days=8, seconds=1): the keyword arguments of a timedelta."""
        extensions.clock.advance(timedelta(**delta))
        return self.now()


@pytest.fixture
def clock(monkeypatch) -> Iterator[TestClock]:
    """Time stopped at the coming second, for expiry and ordering without sleeps.

    Everything the app times goes through app.extensions.utcnow(), except two readers of time.time() the
    fixture points at the same clock: itsdangerous's TimestampSigner (the age of every signed link, so a link
    made now expires when the clock passes its max_age), and the sign-in links' own issue and use times
    (app/accounts/links.py). Flask's session cookie and the CSRF tokens are signed the same way, so they age
    with the clock too (the CSRF client fetches a fresh token for every post). Threads (a live server) see
    the same clock; another process does not.
    """
    from itsdangerous.timed import TimestampSigner

    from app.accounts import links

    def seconds() -> float:
        return extensions.clock.now().timestamp()

    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(seconds()))
    monkeypatch.setattr(links, "time", SimpleNamespace(time=seconds))
    # The next whole second: a signed link's age counts whole seconds, and nothing written before the fixture
    # (by other fixtures, in real time) is later than the clock.
    extensions.clock.set(datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1))
    try:
        yield TestClock()
    finally:
        extensions.clock.reset()


# ---------------------------------------------------------------- counting queries

@dataclass
class QueryLog:
    """The SQL statements sent to the database inside one count_queries() block, with their parameters."""

    executed: list[tuple[str, object]] = field(default_factory=list)

    @property
    def statements(self) -> list[str]:
        return [statement for statement, _ in self.executed]

    @property
    def count(self) -> int:
        return len(self.executed)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as log:` ... `log.count`, `log.statements`: what reached the database meanwhile.

    Counts at the engine (before_cursor_execute), so it sees every statement from any session or request
    in this process, and nothing served from a cache.
    """

    @contextmanager
    def counting() -> Iterator[QueryLog]:
        log = QueryLog()

        def capture(conn, cursor, statement, parameters, context, executemany) -> None:
            log.executed.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            yield log
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)

    return counting


# ---------------------------------------------------------------- what a service wrote

def audit_actions(session, story=None) -> list[str]:
    """The audit trail's actions in the order written (this transaction's too: the session flushes first)."""
    stmt = select(AuditEvent.action).order_by(AuditEvent.id)
    if story is not None:
        stmt = stmt.where(AuditEvent.story_id == story.id)
    return list(session.scalars(stmt))


def last_audit(session, action: str):
    """The newest audit event with this action (AssertionError when there is none)."""
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()))
    assert event is not None, f"no {action!r} in the audit trail"
    return event


def outbox(session, kind: str | None = None, to: str | None = None) -> list:
    """The outbox rows, oldest first, of one kind and to one address when given."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    if to is not None:
        stmt = stmt.where(OutboxMessage.to_addr == to)
    return list(session.scalars(stmt))


def token_in(message, path: str) -> str:
    """The token of the first link in a queued message's text whose path starts with `path`."""
    found = re.search(re.escape(path) + r"([A-Za-z0-9_.\-]+)", message.body_text)
    assert found, f"no {path} link in:\n{message.body_text}"
    return found.group(1)
