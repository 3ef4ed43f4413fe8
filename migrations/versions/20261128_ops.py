"""ask the worker to recompute the insight figures: databases upgraded through 20261127accountability got new
figures that started at zero (the worker's `insight-figures` job rebuilds them at its next pass)

Revision ID: 20261128ops
Revises: 20261127following
Create Date: 2026-11-28 09:00:00.000000

A release that adds derived data adds a step like this one: a request written into job_runs, which the worker
honours at its next pass (app/admin/figures.py), so nobody has to remember a command after `db upgrade`.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

# revision identifiers, used by Alembic.
revision = '20261128ops'
down_revision = '20261127following'
branch_labels = None
depends_on = None

JOB = "insight-figures"
job_runs = sa.table("job_runs", sa.column("name", sa.String), sa.column("requested_at", sa.DateTime(timezone=True)),
                    sa.column("failures", sa.Integer))


def upgrade():
    bind = op.get_bind()
    insert = postgresql_insert if bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(job_runs).values(name=JOB, requested_at=datetime.now(UTC), failures=0)
    op.execute(stmt.on_conflict_do_update(index_elements=["name"],
                                          set_={"requested_at": stmt.excluded.requested_at}))


def downgrade():
    op.execute(job_runs.delete().where(job_runs.c.name == JOB))
