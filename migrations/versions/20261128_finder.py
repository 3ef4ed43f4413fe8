"""finder: providers.match_name, the name as the service finder compares it (normalised, equivalents made canonical)

Revision ID: 20261128finder
Revises: 20261128ops
Create Date: 2026-11-28 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20261128finder'
down_revision = '20261128ops'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_name', sa.String(length=400), server_default='', nullable=False))
    bind = op.get_bind()
    # Today's names as the finder compares them (the normaliser and the equivalents list of this version;
    # `flask providers rematch` does the same after the list changes).
    from app.directory.matching import match_name
    providers = sa.table('providers', sa.column('id', sa.Integer), sa.column('name', sa.String),
                         sa.column('match_name', sa.String))
    rows = bind.execute(sa.select(providers.c.id, providers.c.name)).all()
    for start in range(0, len(rows), 1000):
        bind.execute(providers.update().where(providers.c.id == sa.bindparam('pid'))
                     .values(match_name=sa.bindparam('m')),
                     [{'pid': pid, 'm': match_name(name)} for pid, name in rows[start:start + 1000]])


def downgrade():
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_column('match_name')
