"""the queue rows' version: a number triggers move whenever what a row of the moderation queue shows changes

Revision ID: 20261128queuerowsversion
Revises: 20261128redflagswatched
Create Date: 2026-11-28 20:15:00.000000

Row 4 of content_version. The moderation queue reads up to 125 waiting stories as rows on each view; they are now
kept in each web process under this number and the content version (app/moderation/services.py, `queue_rows`).
Triggers move it when a story waiting for moderation, sent back or awaiting its author's confirmation comes, goes,
or changes anything the moderation version watches or anything its row shows besides (title, route, language,
claim), and when an account's name or address (shown as a claimant) changes. On PostgreSQL it moves once per
transaction, at its commit, as the content version does. The statements are a copy of app/web/models.py's
`trigger_statements` as of this revision.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '20261128queuerowsversion'
down_revision = '20261128redflagswatched'
branch_labels = None
depends_on = None

WAITING = "('pending', 'returned', 'awaiting_confirmation')"
QUEUED = {
    "postgresql": "OLD.status IS DISTINCT FROM NEW.status OR OLD.flags::text IS DISTINCT FROM NEW.flags::text "
                  "OR OLD.provider_id IS DISTINCT FROM NEW.provider_id OR OLD.queued_at IS DISTINCT FROM NEW.queued_at",
    "sqlite": "OLD.status IS NOT NEW.status OR OLD.flags IS NOT NEW.flags OR OLD.provider_id IS NOT NEW.provider_id "
              "OR OLD.queued_at IS NOT NEW.queued_at",
}
ROW_SHOWN = ("title", "route", "language", "claimed_by_id", "claimed_until")
CLAIMANT = ("display_name", "email")
BUMP = "UPDATE content_version SET n = n + 1 WHERE id = 4"
FUNCTION = (
    "CREATE OR REPLACE FUNCTION storyloop_bump_queue_rows_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF current_setting('storyloop.queue_rows_bumped', true) = txid_current()::text THEN RETURN NULL; END IF; "
    "PERFORM set_config('storyloop.queue_rows_bumped', txid_current()::text, true); "
    f"{BUMP}; RETURN NULL; END $$"
)


def _differs(dialect, columns):
    op_ = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {op_} NEW.{c}" for c in columns)


def _triggers(dialect):
    queued = QUEUED["postgresql" if dialect == "postgresql" else "sqlite"]
    yield "stories", "INSERT", f"NEW.status IN {WAITING}"
    yield "stories", "DELETE", f"OLD.status IN {WAITING}"
    yield "stories", "UPDATE", (f"(OLD.status IN {WAITING} OR NEW.status IN {WAITING}) "
                                f"AND ({queued} OR {_differs(dialect, ROW_SHOWN)})")
    yield "users", "UPDATE", _differs(dialect, CLAIMANT)


def _name(table, event):
    return f"{table}_{event.lower()}_queue_rows_version"


def upgrade():
    dialect = op.get_bind().dialect.name
    op.execute("INSERT INTO content_version (id, n) SELECT 4, 0 "
               "WHERE NOT EXISTS (SELECT 1 FROM content_version WHERE id = 4)")
    if dialect == "postgresql":
        op.execute(FUNCTION)
    for table, event, when in _triggers(dialect):
        name = _name(table, event)
        if dialect == "postgresql":
            op.execute(f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} DEFERRABLE INITIALLY DEFERRED "
                       f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION storyloop_bump_queue_rows_version()")
        else:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} WHEN {when} BEGIN {BUMP}; END")


def downgrade():
    dialect = op.get_bind().dialect.name
    for table, event, _ in _triggers(dialect):
        name = _name(table, event)
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if dialect == "postgresql"
                   else f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS storyloop_bump_queue_rows_version()")
    op.execute("DELETE FROM content_version WHERE id = 4")
