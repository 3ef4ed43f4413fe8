"""Settings: the only module that reads the environment (see INTERFACES.md)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("STORYLOOP_INSTANCE_DIR", BASE_DIR / "instance"))


# Shown until the operator sets the real ones (`flask check` reports them in production).
PLACEHOLDER_OPERATOR = "the organisation that runs this site (not yet named: set SITE_OPERATOR)"
PLACEHOLDER_CONTACT_EMAIL = "contact@example.org"
PLACEHOLDER_CONTROLLER = "the data controller (not yet named: set DATA_CONTROLLER)"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _local_secret_key() -> str:
    """A key generated once into instance/ so local runs keep sessions across restarts."""
    path = INSTANCE_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def _default_sqlite_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'storyloop.db'}"


class Config:
    """Built from the environment at application start-up."""

    def __init__(self) -> None:
        self.TESTING = False
        self.DEBUG = _bool("FLASK_DEBUG")
        self.INSTANCE_DIR = str(INSTANCE_DIR)
        url = os.environ.get("DATABASE_URL") or _default_sqlite_url()
        # Heroku-style URLs name the old driver; Storyloop uses psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        self.SQLALCHEMY_DATABASE_URI = url
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or ""
        self.SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.SITE_NAME = os.environ.get("SITE_NAME", "Storyloop")
        # Who runs the site, how to reach them, who controls the data and how the site is paid for: the About,
        # Contact and Privacy pages say so. Unset, they show a placeholder that `flask check` reports in production.
        self.SITE_OPERATOR = os.environ.get("SITE_OPERATOR") or PLACEHOLDER_OPERATOR
        self.SITE_CONTACT_EMAIL = os.environ.get("SITE_CONTACT_EMAIL") or PLACEHOLDER_CONTACT_EMAIL
        self.DATA_CONTROLLER = os.environ.get("DATA_CONTROLLER") or PLACEHOLDER_CONTROLLER
        self.SITE_FUNDING = os.environ.get("SITE_FUNDING") or ""
        self.SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "search-index"))
        self.SEARCH_REBUILD_PROCS = _int("SEARCH_REBUILD_PROCS", 2)
        # "whoosh" (a local index folder) or "postgres" (tsvector columns, for several web nodes).
        self.SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh").strip().lower()
        # What the index answered is kept in each web process for this many searches (0: off), under the index
        # generation the worker moves when it writes the index and the content version (app/search/cache.py).
        self.SEARCH_CACHE_ENTRIES = _int("SEARCH_CACHE_ENTRIES", 2000)
        self.SMTP_HOST = os.environ.get("SMTP_HOST") or None
        self.SMTP_PORT = _int("SMTP_PORT", 25)
        self.SMTP_USER = os.environ.get("SMTP_USER") or None
        self.SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
        self.SMTP_STARTTLS = _bool("SMTP_STARTTLS")
        # A CA bundle for relays whose certificate a private CA signed; the system CAs otherwise.
        self.SMTP_CA_FILE = os.environ.get("SMTP_CA_FILE") or None
        self.SMTP_TIMEOUT = _int("SMTP_TIMEOUT", 30)
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "Storyloop <no-reply@localhost>")
        self.MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
        # Where the worker keeps the latest dataset zip (served at /data/storyloop-dataset.zip).
        self.DATASET_DIR = os.environ.get("DATASET_DIR", str(INSTANCE_DIR / "dataset"))
        self.DATASET_MIN_INTERVAL_SECONDS = _int("DATASET_MIN_INTERVAL_SECONDS", 3600)
        # How many releases of the dataset stay downloadable by version (/data/releases/<version>/…).
        self.DATASET_RELEASES_KEPT = _int("DATASET_RELEASES_KEPT", 5)
        # A scheduled job that raised is tried again after this delay, doubled after each failure in a row,
        # up to JOB_RETRY_MAX_SECONDS (app/jobs.py).
        self.JOB_RETRY_BASE_SECONDS = _int("JOB_RETRY_BASE_SECONDS", 60)
        self.JOB_RETRY_MAX_SECONDS = _int("JOB_RETRY_MAX_SECONDS", 3600)
        # A scheduled job still running after this many seconds is recorded as failed and abandoned (app/jobs.py).
        self.JOB_TIME_LIMIT_SECONDS = _int("JOB_TIME_LIMIT_SECONDS", 3600)
        # Processes writing a large dataset's stories (from 50,000 published), each a range of ids.
        self.EXPORT_PROCS = _int("EXPORT_PROCS", 2)
        self.MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)
        self.MAIL_RETRY_BASE_SECONDS = _int("MAIL_RETRY_BASE_SECONDS", 60)
        self.MAIL_LEASE_SECONDS = _int("MAIL_LEASE_SECONDS", 300)
        self.MAIL_POLL_SECONDS = _int("MAIL_POLL_SECONDS", 2)
        self.CONTENT_LICENCE = os.environ.get("CONTENT_LICENCE", "CC-BY-4.0")
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        # Lets several sites (or test runs) share one Redis without counting each other's requests.
        self.RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        # Redis down: each process counts in its own memory (logged loudly) rather than refusing logins and
        # stories; a dead or unroutable Redis costs at most a second before that.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_STORAGE_OPTIONS = ({"socket_connect_timeout": 1, "socket_timeout": 1}
                                          if self.RATELIMIT_STORAGE_URI.startswith(("redis", "rediss")) else {})
        self.RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;60 per hour")
        self.RATELIMIT_SIGNUP = os.environ.get("RATELIMIT_SIGNUP", "5 per minute;20 per hour")
        self.RATELIMIT_RESET = os.environ.get("RATELIMIT_RESET", "5 per minute;20 per hour")
        self.RATELIMIT_POSTING = os.environ.get("RATELIMIT_POSTING", "10 per minute;60 per hour")
        self.RATELIMIT_API = os.environ.get("RATELIMIT_API", "300 per minute")
        # Number of reverse proxies in front of the site whose X-Forwarded-* headers are trusted.
        self.PROXY_COUNT = _int("PROXY_COUNT", 0)
        # How many web processes (gunicorn's own variable) and outbox workers run: `check` judges the
        # database and rate-limit storage against them.
        self.WEB_CONCURRENCY = _int("WEB_CONCURRENCY", 1)
        self.OUTBOX_WORKERS = _int("OUTBOX_WORKERS", 1)
        # Public pages rendered for visitors who are not logged in are kept in each web process (this many
        # megabytes; 0 turns it off) while nothing they show has changed, and at most this many seconds.
        self.PAGE_CACHE_MB = _int("PAGE_CACHE_MB", 32)
        self.PAGE_CACHE_SECONDS = _int("PAGE_CACHE_SECONDS", 60)
        self.FRAGMENT_CACHE_MB = _int("FRAGMENT_CACHE_MB", 32)
        # Story pages' read counts are kept out of the request: counted in each web process's memory (or in Redis,
        # redis://host:6379) and written to the database every READ_COUNT_FLUSH_SECONDS (app/stories/readcounts.py).
        self.READ_COUNT_STORAGE_URI = os.environ.get("READ_COUNT_STORAGE_URI", "memory://")
        self.READ_COUNT_FLUSH_SECONDS = _int("READ_COUNT_FLUSH_SECONDS", 5)
        # Compression (Flask-Compress): Brotli for browsers that take it, gzip otherwise; never a streamed body (the
        # large downloads are files) nor one already encoded. A strong ETag gets the encoding appended, so a 304
        # answers only the same encoding; If-None-Match is evaluated after compression.
        self.COMPRESS_ALGORITHM = ["br", "gzip"]
        self.COMPRESS_MIMETYPES = ["text/html", "text/css", "text/csv", "text/plain", "text/xml", "application/json",
                                   "application/problem+json", "application/javascript", "text/javascript",
                                   "application/atom+xml", "application/xml", "image/svg+xml"]
        self.COMPRESS_LEVEL = 6  # gzip
        self.COMPRESS_BR_LEVEL = 4  # Brotli: about gzip's speed, smaller
        self.COMPRESS_MIN_SIZE = 500
        self.COMPRESS_STREAMS = False
        self.SECRET_KEY_MISSING = False
        # Whether any setting came from the environment at all: `flask check` run by a user who could not read
        # the settings file would otherwise judge the defaults and call them right.
        self.SETTINGS_IN_ENVIRONMENT = any(os.environ.get(name) for name in ("DATABASE_URL", "SECRET_KEY", "SITE_URL"))
        # Readiness (/readyz and `flask check`, app/admin/readiness.py): a worker silent for longer than
        # READY_WORKER_SECONDS is stalled; one silent for WORKER_FORGET_SECONDS has stopped and is forgotten (it
        # leaves the admin page; a worker that stops cleanly leaves at once). Mail due for longer than
        # READY_OUTBOX_SECONDS, or a scheduled job failing READY_JOB_FAILURES times in a row, is not ready.
        self.READY_WORKER_SECONDS = _int("READY_WORKER_SECONDS", 120)
        self.WORKER_FORGET_SECONDS = _int("WORKER_FORGET_SECONDS", 3600)
        self.READY_OUTBOX_SECONDS = _int("READY_OUTBOX_SECONDS", 900)
        self.READY_JOB_FAILURES = _int("READY_JOB_FAILURES", 3)
        # Logs: "text" (one line: time, level, logger, request id, message) or "json" (one object a line).
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
        # /metrics answers only a request carrying `Authorization: Bearer <METRICS_TOKEN>`; unset, it is a 404.
        self.METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
        # prometheus-client's own variable: the folder where each gunicorn process writes its figures, so that
        # /metrics adds them up across processes. Emptied at each start of the web service (docs/deploy.md).
        self.PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
        # Errors reported to Sentry when set (no request bodies, no personal data).
        self.SENTRY_DSN = os.environ.get("SENTRY_DSN") or None
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 1024 * 1024)
        self.TOKEN_MAX_AGE_CONFIRM = _int("TOKEN_MAX_AGE_CONFIRM", 7 * 24 * 3600)
        self.TOKEN_MAX_AGE_RESET = _int("TOKEN_MAX_AGE_RESET", 3600)
        self.TOKEN_MAX_AGE_INVITE = _int("TOKEN_MAX_AGE_INVITE", 14 * 24 * 3600)
        # The author's "answer back" link in reply emails.
        self.TOKEN_MAX_AGE_ANSWER = _int("TOKEN_MAX_AGE_ANSWER", 90 * 24 * 3600)
        # How long a link emailed to an author (published, sent back, a reply, "email me a sign-in link"...)
        # signs them in to their own stories.
        self.SIGN_IN_LINK_DAYS = _int("SIGN_IN_LINK_DAYS", 7)
        # Daily digests go out at this hour (UTC); weekly ones on Mondays at the same hour.
        self.DIGEST_HOUR = _int("DIGEST_HOUR", 7)
        # The response loop counts working days: weekends and this UK region's bank holidays are skipped
        # (england, wales, scotland or northern-ireland; app/workdays.py).
        self.BANK_HOLIDAYS_REGION = os.environ.get("BANK_HOLIDAYS_REGION", "england").strip()
        # A published story with no reply reminds its service's staff after REMINDER_WORKING_DAYS; after
        # ESCALATE_WORKING_DAYS the managers of the provider above are told, and so on up the tree, each step
        # ESCALATE_WORKING_DAYS - REMINDER_WORKING_DAYS later (app/replies/reminders.py).
        self.REMINDER_WORKING_DAYS = _int("REMINDER_WORKING_DAYS", 5)
        self.ESCALATE_WORKING_DAYS = _int("ESCALATE_WORKING_DAYS", 10)
        # A red flag: RED_FLAG_STORIES or more published stories of criticality RED_FLAG_CRITICALITY or more
        # at one service within RED_FLAG_DAYS days.
        self.RED_FLAG_STORIES = _int("RED_FLAG_STORIES", 3)
        self.RED_FLAG_CRITICALITY = _int("RED_FLAG_CRITICALITY", 3)
        self.RED_FLAG_DAYS = _int("RED_FLAG_DAYS", 30)
        # How many of a responder's first replies (and changes) wait for a moderator; flagged ones always wait.
        self.RESPONDER_MODERATED_REPLIES = _int("RESPONDER_MODERATED_REPLIES", 5)
        # Reports from this many different visitors hide published content until a moderator looks.
        self.REPORTS_TO_HIDE = _int("REPORTS_TO_HIDE", 3)
        # Where "safeguarding concern raised" is emailed; unset: the concern is recorded in the audit log only.
        self.SAFEGUARDING_EMAIL = os.environ.get("SAFEGUARDING_EMAIL") or None
        # Where to go for urgent help and for a formal complaint: shown on the tell and thanks pages and in the
        # rejection email. "{provider}" in the complaints text becomes the service's name. Unset, the site's own
        # words (app/moderation/signposting.py) are shown, in the reader's language; an operator's text as written.
        self.SIGNPOSTING_URGENT = os.environ.get("SIGNPOSTING_URGENT", "")
        self.SIGNPOSTING_COMPLAINTS = os.environ.get("SIGNPOSTING_COMPLAINTS", "")
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: a slow writer loses nothing

    @staticmethod
    def derive(config: dict) -> None:
        """Settings that follow from others, applied after any overrides."""
        secure = config["SITE_URL"].startswith("https://")
        config.setdefault("SESSION_COOKIE_SECURE", secure)
        config.setdefault("REMEMBER_COOKIE_SECURE", secure)
        config.setdefault("PREFERRED_URL_SCHEME", "https" if secure else "http")

    def finish(self, testing: bool, lenient: bool = False) -> None:
        """Fill in the secret key once we know whether a generated one is acceptable.

        lenient (for `flask check` only) lets the app start without one so the mistake can be reported.
        """
        if self.SECRET_KEY:
            return
        if self.DEBUG or testing or self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            self.SECRET_KEY = _local_secret_key()
            return
        if lenient:
            self.SECRET_KEY, self.SECRET_KEY_MISSING = secrets.token_urlsafe(48), True
            return
        raise RuntimeError(
            "SECRET_KEY must be set in production (FLASK_DEBUG off, non-SQLite database). "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
