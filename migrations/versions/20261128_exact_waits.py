"""exact reply times in the figures: provider_month_waits counts stories by their exact wait in seconds

Revision ID: 20261128exactwaits
Revises: 20261128eventsdata
Create Date: 2026-11-28 12:00:00.000000

The reply-time histogram used to keep waits to the minute, hour or day (a `bucket`), and a median falling in a
bucket took its start: medians came out up to 23 hours low. It now keeps each wait in whole seconds, so every
median (provider months, the API, the insight and comparison pages) is exact. The rows are derived data: the
table is emptied and rebuilt with the new key, and the worker's `insight-figures` job is asked to fill it in
(as 20261128ops does). Dropping the table drops its content-version triggers, so they are made again here (a
copy of app/web/models.py's `trigger_statements` for this table).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

# revision identifiers, used by Alembic.
revision = '20261128exactwaits'
down_revision = '20261128eventsdata'
branch_labels = None
depends_on = None

TABLE = "provider_month_waits"
BUMP = "UPDATE content_version SET n = n + 1 WHERE id = 1"
JOB = "insight-figures"
job_runs = sa.table("job_runs", sa.column("name", sa.String), sa.column("requested_at", sa.DateTime(timezone=True)),
                    sa.column("failures", sa.Integer))


def _triggers():
    for event in ("INSERT", "DELETE", "UPDATE"):
        yield event, f"{TABLE}_{event.lower()}_content_version"


def _replace_table(key: str, key_type) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for _, name in _triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}" if postgres else f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table(TABLE)
    op.create_table(TABLE,
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column(key, key_type, autoincrement=False, nullable=False),
    sa.Column('stories', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_month_waits_provider_id_providers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'month', key, name=op.f('pk_provider_month_waits'))
    )
    for event, name in _triggers():
        if postgres:
            # storyloop_bump_content_version() was created with the content version (revision f94cbb1b8d87).
            op.execute(f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {TABLE} DEFERRABLE INITIALLY DEFERRED "
                       "FOR EACH ROW EXECUTE FUNCTION storyloop_bump_content_version()")
        else:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {TABLE} BEGIN {BUMP}; END")
    # The figures are derived: the worker rebuilds them all at its next pass, in the shape of this revision.
    insert = postgresql_insert if op.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(job_runs).values(name=JOB, requested_at=datetime.now(UTC), failures=0)
    op.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"requested_at": stmt.excluded.requested_at}))


def upgrade():
    _replace_table('seconds', sa.Integer())


def downgrade():
    _replace_table('bucket', sa.SmallInteger())
