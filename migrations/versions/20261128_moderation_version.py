"""the moderation version: a number triggers move whenever what the moderation queue counts changes

Revision ID: 20261128moderationversion
Revises: 20261128queueflags
Create Date: 2026-11-28 10:30:00.000000

Row 3 of content_version. The queue's counts (waiting stories by state and by flag, open reports) read every
waiting story; they are kept in each web process under this number (app/moderation/services.py). Triggers move it
when a story waiting for moderation, sent back or awaiting its author's confirmation comes, goes or changes its
status, flags, service or place in the queue, and on any report. On PostgreSQL it moves once per transaction, at
its commit, as the content version does. The statements are a copy of app/web/models.py's `trigger_statements`
as of this revision.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '20261128moderationversion'
down_revision = '20261128queueflags'
branch_labels = None
depends_on = None

WAITING = "('pending', 'returned', 'awaiting_confirmation')"
CHANGED = {
    "postgresql": "OLD.status IS DISTINCT FROM NEW.status OR OLD.flags::text IS DISTINCT FROM NEW.flags::text "
                  "OR OLD.provider_id IS DISTINCT FROM NEW.provider_id OR OLD.queued_at IS DISTINCT FROM NEW.queued_at",
    "sqlite": "OLD.status IS NOT NEW.status OR OLD.flags IS NOT NEW.flags OR OLD.provider_id IS NOT NEW.provider_id "
              "OR OLD.queued_at IS NOT NEW.queued_at",
}
BUMP = "UPDATE content_version SET n = n + 1 WHERE id = 3"
FUNCTION = (
    "CREATE OR REPLACE FUNCTION storyloop_bump_moderation_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF current_setting('storyloop.moderation_bumped', true) = txid_current()::text THEN RETURN NULL; END IF; "
    "PERFORM set_config('storyloop.moderation_bumped', txid_current()::text, true); "
    f"{BUMP}; RETURN NULL; END $$"
)


def _triggers(dialect):
    changed = CHANGED["postgresql" if dialect == "postgresql" else "sqlite"]
    watched = {
        "stories": (f"NEW.status IN {WAITING}", f"OLD.status IN {WAITING}",
                    f"(OLD.status IN {WAITING} OR NEW.status IN {WAITING}) AND ({changed})"),
        "reports": (None, None, None),
    }
    for table, conditions in watched.items():
        for event, when in zip(("INSERT", "DELETE", "UPDATE"), conditions, strict=True):
            yield table, event, f"{table}_{event.lower()}_moderation_version", when


def upgrade():
    dialect = op.get_bind().dialect.name
    op.execute("INSERT INTO content_version (id, n) SELECT 3, 0 "
               "WHERE NOT EXISTS (SELECT 1 FROM content_version WHERE id = 3)")
    if dialect == "postgresql":
        op.execute(FUNCTION)
    for table, event, name, when in _triggers(dialect):
        if dialect == "postgresql":
            op.execute(f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} DEFERRABLE INITIALLY DEFERRED "
                       f"FOR EACH ROW {f'WHEN ({when}) ' if when else ''}"
                       "EXECUTE FUNCTION storyloop_bump_moderation_version()")
        else:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} {f'WHEN {when} ' if when else ''}"
                       f"BEGIN {BUMP}; END")


def downgrade():
    dialect = op.get_bind().dialect.name
    for table, _, name, _ in _triggers(dialect):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if dialect == "postgresql"
                   else f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS storyloop_bump_moderation_version()")
    op.execute("DELETE FROM content_version WHERE id = 3")
