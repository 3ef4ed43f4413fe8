"""The one instance of each Flask extension, bound to the app in create_app()."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, registry

# Stable constraint names so Alembic migrations (and SQLite batch mode) can refer to them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self):
        return datetime

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING), type_annotation_map={datetime: UTCDateTime()})


class Clock:
    """Where the app reads the time. Real time unless something set it: the tests' `clock` fixture freezes it
    at a chosen moment and moves it on, so expiry and ordering are tested without sleeping."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None

    def now(self) -> datetime:
        fixed = self._fixed
        return fixed if fixed is not None else datetime.now(UTC)

    def set(self, when: datetime) -> None:
        """Stop the clock at `when` (timezone-aware: every stored time is UTC)."""
        if when.tzinfo is None:
            raise ValueError("the clock takes timezone-aware datetimes")
        self._fixed = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move a stopped clock on (or back, with a negative delta); a running one is stopped first."""
        self._fixed = self.now() + delta

    def reset(self) -> None:
        """Back to real time."""
        self._fixed = None

    @property
    def frozen(self) -> bool:
        return self._fixed is not None


clock = Clock()


def utcnow() -> datetime:
    """The current time, timezone-aware UTC: every time the app writes or compares comes from here."""
    return clock.now()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
babel = Babel()
# Pages, CSS, JSON, feeds and CSV go out compressed (Brotli or gzip, as the client accepts): settings in config.py.
compress = Compress()
