"""story events in the open data: they move the content version, and the events feed reads them by kind

Revision ID: 20261128eventsdata
Revises: 20261128tell
Create Date: 2026-11-28 09:00:00.000000

A reminder or an escalation that the job records writes only a story event (and its mail), yet it shows on the
story page and in the API: story_events now moves the content version like the other public tables, so a kept
page shows it at once (app/web/models.py WATCHED; the trigger statements are a copy of its `trigger_statements`
for this table). The API's events feed filters by kind in time order: ix_story_events_kind.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '20261128eventsdata'
down_revision = '20261128tell'
branch_labels = None
depends_on = None

TABLE = "story_events"
BUMP = "UPDATE content_version SET n = n + 1 WHERE id = 1"


def _triggers():
    for event in ("INSERT", "DELETE", "UPDATE"):
        yield event, f"{TABLE}_{event.lower()}_content_version"


def upgrade():
    op.create_index('ix_story_events_kind', TABLE, ['kind', 'at', 'id'], unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    for event, name in _triggers():
        if postgres:
            # storyloop_bump_content_version() was created with the content version (revision f94cbb1b8d87).
            op.execute(f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {TABLE} DEFERRABLE INITIALLY DEFERRED "
                       "FOR EACH ROW EXECUTE FUNCTION storyloop_bump_content_version()")
        else:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {TABLE} BEGIN {BUMP}; END")


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for _, name in _triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}" if postgres else f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index('ix_story_events_kind', table_name=TABLE)
