"""content version: moved by triggers when anything public changes

Revision ID: f94cbb1b8d87
Revises: 366c22582f44
Create Date: 2026-11-24 20:33:32.039301

Kept pages (app/web/cache.py) are reused while this number stands still. The statements are a copy of
app/web/models.py's `trigger_statements` as of this revision, so later changes there need a migration.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f94cbb1b8d87'
down_revision = '366c22582f44'
branch_labels = None
depends_on = None

WATCHED = {
    "stories": ("NEW.status = 'published'", "OLD.status = 'published'",
                "NEW.read_count = OLD.read_count AND (NEW.status = 'published' OR OLD.status = 'published')"),
    "replies": None, "changes": None, "providers": None, "tags": None, "story_tags": None,
    "provider_redirects": None, "provider_months": None, "provider_month_tags": None, "provider_month_waits": None,
}
BUMP = "UPDATE content_version SET n = n + 1 WHERE id = 1"
FUNCTION = (
    "CREATE OR REPLACE FUNCTION storyloop_bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF current_setting('storyloop.content_bumped', true) = txid_current()::text THEN RETURN NULL; END IF; "
    "PERFORM set_config('storyloop.content_bumped', txid_current()::text, true); "
    f"{BUMP}; RETURN NULL; END $$"
)


def _triggers():
    for table, conditions in WATCHED.items():
        for event, when in zip(("INSERT", "DELETE", "UPDATE"), conditions or (None, None, None)):
            yield table, event, f"{table}_{event.lower()}_content_version", when


def upgrade():
    op.create_table('content_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version'))
    )
    op.execute("INSERT INTO content_version (id, n) VALUES (1, 0)")
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(FUNCTION)
    for table, event, name, when in _triggers():
        if postgres:
            op.execute(f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} DEFERRABLE INITIALLY DEFERRED "
                       f"FOR EACH ROW {f'WHEN ({when}) ' if when else ''}"
                       "EXECUTE FUNCTION storyloop_bump_content_version()")
        else:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} {f'WHEN {when} ' if when else ''}"
                       f"BEGIN {BUMP}; END")


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, _, name, _ in _triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgres else f"DROP TRIGGER IF EXISTS {name}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS storyloop_bump_content_version()")
    op.drop_table('content_version')
