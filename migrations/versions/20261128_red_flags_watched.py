"""red flags move the content version: the insight page and the dashboard keep their flags per content version

Revision ID: 20261128redflagswatched
Revises: 20261128verdictwaiting
Create Date: 2026-11-28 20:00:00.000000

A red flag opens when a story is published (which moves the content version anyway), but the worker's
`close_lapsed` job closes one on its own: the insight page, kept per content version, went on showing the closed
flag until something else changed. The same content-version triggers as every watched table (a copy of
app/web/models.py's `trigger_statements` for this table), on insert, update and delete of `red_flags`.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '20261128redflagswatched'
down_revision = '20261128verdictwaiting'
branch_labels = None
depends_on = None

TABLE = "red_flags"
BUMP = "UPDATE content_version SET n = n + 1 WHERE id = 1"


def _triggers():
    for event in ("INSERT", "DELETE", "UPDATE"):
        yield event, f"{TABLE}_{event.lower()}_content_version"


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for event, name in _triggers():
        if postgres:
            # storyloop_bump_content_version() was created with the content version (revision f94cbb1b8d87).
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}")
            op.execute(f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {TABLE} DEFERRABLE INITIALLY DEFERRED "
                       "FOR EACH ROW EXECUTE FUNCTION storyloop_bump_content_version()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {TABLE} BEGIN {BUMP}; END")


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for _, name in _triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}" if postgres else f"DROP TRIGGER IF EXISTS {name}")
