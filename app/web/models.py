"""The published content's version: one number the database moves whenever anything a public page shows changes.

Rendered pages are kept under this number (app/web/cache.py), so a page can be reused exactly as long as
nothing it could show has changed. Database triggers move it, not the application, so no way of writing
(the ORM, Core statements, the corpus generator, `psql`) can leave a stale page behind:

* a story that is, or was, published: inserted, deleted or changed in anything but its read count;
* replies, changes, providers, tags, a story's tags, provider redirects, the insight aggregates and story events
  (a reminder the job records shows on the story page, and changes nothing else a page shows).

On PostgreSQL the number moves once per transaction, when it commits (a deferred constraint trigger), so
its row is locked only for that instant and always after every other lock the transaction takes: two
writers never wait on each other through it. A reader reads the number before the data, and commits
make both visible at once, so a page is never kept under a number newer than what it shows.
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
}
BUMP = "UPDATE content_version SET n = n + 1 WHERE id = 1"


def trigger_statements(dialect: str) -> list[str]:
    """The DDL that creates the row and the triggers (the migration holds its own copy of these)."""
    out = ["INSERT INTO content_version (id, n) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM content_version)"]
    if dialect == "postgresql":
        out.append(
            "CREATE OR REPLACE FUNCTION storyloop_bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            # Once per transaction: the later rows of the same transaction find the mark and stop.
            "IF current_setting('storyloop.content_bumped', true) = txid_current()::text THEN RETURN NULL; END IF; "
            "PERFORM set_config('storyloop.content_bumped', txid_current()::text, true); "
            f"{BUMP}; RETURN NULL; END $$")
    for table, conditions in WATCHED.items():
        for op, when in zip(("INSERT", "DELETE", "UPDATE"), conditions or (None, None, None), strict=True):
            name = f"{table}_{op.lower()}_content_version"
            if dialect == "postgresql":
                out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                out.append(f"CREATE CONSTRAINT TRIGGER {name} AFTER {op} ON {table} DEFERRABLE INITIALLY DEFERRED "
                           f"FOR EACH ROW {f'WHEN ({when}) ' if when else ''}"
                           "EXECUTE FUNCTION storyloop_bump_content_version()")
            else:
                out.append(f"DROP TRIGGER IF EXISTS {name}")
                out.append(f"CREATE TRIGGER {name} AFTER {op} ON {table} {f'WHEN {when} ' if when else ''}"
                           f"BEGIN {BUMP}; END")
    return out


@event.listens_for(db.metadata, "after_create")
def _create_triggers(target, connection, **kw) -> None:
    """`create_all` (the tests, a first start) gets what the migration creates."""
    for statement in trigger_statements(connection.dialect.name):
        connection.execute(text(statement))


def content_version(session) -> int:
    return session.execute(text("SELECT n FROM content_version WHERE id = 1")).scalar() or 0
