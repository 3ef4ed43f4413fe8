"""The published content's version: one number the database moves whenever anything a public page shows changes.

Rendered pages are kept under this number (app/web/cache.py), so a page can be reused exactly as long as
nothing it could show has changed. Database triggers move it, not the application, so no way of writing
(the ORM, Core statements, the corpus generator, `psql`) can leave a stale page behind:

* a story that is, or was, published: inserted, deleted or changed in anything but its read count;
* replies, changes, providers, tags, a story's tags, provider redirects, the insight aggregates, red flags (the
  worker closes lapsed ones) and story events (a reminder the job records shows on the story page, and changes
  nothing else a page shows).

On PostgreSQL the number moves once per transaction, when it commits (a deferred constraint trigger), so
its row is locked only for that instant and always after every other lock the transaction takes: two
writers never wait on each other through it. A reader reads the number before the data, and commits
make both visible at once, so a page is never kept under a number newer than what it shows.

The same table holds three more numbers: the search index's generation (row 2, moved by the worker,
app/search/cache.py), the moderation version (row 3, moved by triggers like the content version's, for what the
moderation queue counts) and the queue rows' version (row 4, moved by what the queue's rows show besides: a
waiting story's title or claim, a claimant's name), both read in app/moderation/services.py.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, event, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ContentVersion(db.Model):
    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


# Table: the condition (on its old and new row) under which a change is one the public can see.
WATCHED = {
    "stories": ("NEW.status = 'published'", "OLD.status = 'published'",
                "NEW.read_count = OLD.read_count AND (NEW.status = 'published' OR OLD.status = 'published')"),
    "replies": None,
    "changes": None,
    "providers": None,
    "tags": None,
    "story_tags": None,
    "provider_redirects": None,
    "provider_months": None,
    "provider_month_tags": None,
    "provider_month_waits": None,
    "story_events": None,
    "red_flags": None,
}
BUMP = "UPDATE content_version SET n = n + 1 WHERE id = 1"

# The moderation version (row 3; row 2 is the search index's generation, app/search/cache.py): moved by any change
# to what the moderation queue counts, so its counts are kept under it (app/moderation/services.py):
# a story waiting for moderation, sent back or awaiting its author's confirmation, coming, going or changing its
# flags, service or place in the queue; and any report.
MODERATION_ROW = 3
_WAITING = "('pending', 'returned', 'awaiting_confirmation')"
_QUEUED_CHANGE = {
    # The flags are JSON: compared as text (PostgreSQL's json type has no equality).
    "postgresql": "OLD.status IS DISTINCT FROM NEW.status OR OLD.flags::text IS DISTINCT FROM NEW.flags::text "
                  "OR OLD.provider_id IS DISTINCT FROM NEW.provider_id OR OLD.queued_at IS DISTINCT FROM NEW.queued_at",
    "sqlite": "OLD.status IS NOT NEW.status OR OLD.flags IS NOT NEW.flags OR OLD.provider_id IS NOT NEW.provider_id "
              "OR OLD.queued_at IS NOT NEW.queued_at",
}


def moderation_watched(dialect: str) -> dict[str, tuple[str, str, str] | None]:
    changed = _QUEUED_CHANGE["postgresql" if dialect == "postgresql" else "sqlite"]
    return {
        "stories": (f"NEW.status IN {_WAITING}", f"OLD.status IN {_WAITING}",
                    f"(OLD.status IN {_WAITING} OR NEW.status IN {_WAITING}) AND ({changed})"),
        "reports": None,
    }


# The queue rows' version (row 4): moved by everything the moderation version is moved by for stories, and by what
# else a row of the queue shows of a waiting story (its title, route, language and claim) or of its claimant (the
# name or address shown). A claim moves it and leaves the moderation version, so the counts stay kept while
# moderators open stories. A service's name is shown too: providers move the content version, and the rows are kept
# under both numbers.
QUEUE_ROWS_ROW = 4
_ROW_SHOWN = ("title", "route", "language", "claimed_by_id", "claimed_until")
_CLAIMANT = ("display_name", "email")


def _differs(dialect: str, columns: tuple[str, ...]) -> str:
    op = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns)


def queue_rows_watched(dialect: str) -> dict[str, tuple[str | bool, str | bool, str | bool] | None]:
    changed = _QUEUED_CHANGE["postgresql" if dialect == "postgresql" else "sqlite"]
    return {
        "stories": (f"NEW.status IN {_WAITING}", f"OLD.status IN {_WAITING}",
                    f"(OLD.status IN {_WAITING} OR NEW.status IN {_WAITING}) "
                    f"AND ({changed} OR {_differs(dialect, _ROW_SHOWN)})"),
        # A new account claims nothing; a removed one lets go of its claims through the stories' foreign key.
        "users": (False, False, _differs(dialect, _CLAIMANT)),
    }


def _triggers(dialect: str, watched: dict, suffix: str, function: str, bump: str) -> list[str]:
    out = []
    for table, conditions in watched.items():
        for op, when in zip(("INSERT", "DELETE", "UPDATE"), conditions or (None, None, None), strict=True):
            if when is False:  # no trigger for this operation
                continue
            name = f"{table}_{op.lower()}_{suffix}"
            if dialect == "postgresql":
                out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                out.append(f"CREATE CONSTRAINT TRIGGER {name} AFTER {op} ON {table} DEFERRABLE INITIALLY DEFERRED "
                           f"FOR EACH ROW {f'WHEN ({when}) ' if when else ''}"
                           f"EXECUTE FUNCTION {function}()")
            else:
                out.append(f"DROP TRIGGER IF EXISTS {name}")
                out.append(f"CREATE TRIGGER {name} AFTER {op} ON {table} {f'WHEN {when} ' if when else ''}"
                           f"BEGIN {bump}; END")
    return out


def _bump_function(function: str, mark: str, bump: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            # Once per transaction: the later rows of the same transaction find the mark and stop.
            f"IF current_setting('{mark}', true) = txid_current()::text THEN RETURN NULL; END IF; "
            f"PERFORM set_config('{mark}', txid_current()::text, true); "
            f"{bump}; RETURN NULL; END $$")


MODERATION_BUMP = f"UPDATE content_version SET n = n + 1 WHERE id = {MODERATION_ROW}"
QUEUE_ROWS_BUMP = f"UPDATE content_version SET n = n + 1 WHERE id = {QUEUE_ROWS_ROW}"


def trigger_statements(dialect: str) -> list[str]:
    """The DDL that creates the rows and the triggers (the migrations hold their own copies of these). The first
    statement alone makes the rows (the PostgreSQL tests run it after emptying every table)."""
    out = ["INSERT INTO content_version (id, n) SELECT wanted.id, 0 FROM "
           f"(SELECT 1 AS id UNION ALL SELECT {MODERATION_ROW} UNION ALL SELECT {QUEUE_ROWS_ROW}) AS wanted "
           "WHERE NOT EXISTS (SELECT 1 FROM content_version c WHERE c.id = wanted.id)"]
    if dialect == "postgresql":
        out.append(_bump_function("storyloop_bump_content_version", "storyloop.content_bumped", BUMP))
        out.append(_bump_function("storyloop_bump_moderation_version", "storyloop.moderation_bumped",
                                  MODERATION_BUMP))
        out.append(_bump_function("storyloop_bump_queue_rows_version", "storyloop.queue_rows_bumped",
                                  QUEUE_ROWS_BUMP))
    out += _triggers(dialect, WATCHED, "content_version", "storyloop_bump_content_version", BUMP)
    out += _triggers(dialect, moderation_watched(dialect), "moderation_version",
                     "storyloop_bump_moderation_version", MODERATION_BUMP)
    out += _triggers(dialect, queue_rows_watched(dialect), "queue_rows_version",
                     "storyloop_bump_queue_rows_version", QUEUE_ROWS_BUMP)
    return out


@event.listens_for(db.metadata, "after_create")
def _create_triggers(target, connection, **kw) -> None:
    """`create_all` (the tests, a first start) gets what the migration creates."""
    for statement in trigger_statements(connection.dialect.name):
        connection.execute(text(statement))


# Built once: every request reads one or both, and a new text() is parsed and keyed each time.
_CONTENT_VERSION = text("SELECT n FROM content_version WHERE id = 1")
_MODERATION_VERSION = text(f"SELECT n FROM content_version WHERE id = {MODERATION_ROW}")
_QUEUE_ROWS_VERSION = text(f"SELECT n FROM content_version WHERE id = {QUEUE_ROWS_ROW}")


def content_version(session) -> int:
    return session.execute(_CONTENT_VERSION).scalar() or 0


def moderation_version(session) -> int:
    return session.execute(_MODERATION_VERSION).scalar() or 0


def queue_rows_version(session) -> int:
    return session.execute(_QUEUE_ROWS_VERSION).scalar() or 0
