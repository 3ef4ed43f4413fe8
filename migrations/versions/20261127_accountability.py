"""public accountability: reply shares within 5 and 20 working days, working days to a first reply, changes
confirmed and disputed per provider-month, unanswered stories by day, and the index overdue changes are counted by

Revision ID: 20261127accountability
Revises: 20261127outcomes
Create Date: 2026-11-27 22:30:00.000000

The new figures start at zero: run `flask --app wsgi insight rebuild` once after upgrading (it recomputes every
provider-month from the stories, in the BANK_HOLIDAYS_REGION set then).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20261127accountability'
down_revision = '20261127outcomes'
branch_labels = None
depends_on = None

COLUMNS = ('replied_5', 'replied_20', 'changes_confirmed', 'changes_disputed')


def upgrade():
    with op.batch_alter_table('provider_months', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Integer(), server_default='0', nullable=False))
    op.create_table('provider_month_workdays',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('workdays', sa.SmallInteger(), nullable=False),
    sa.Column('stories', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_month_workdays_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'month', 'workdays', name=op.f('pk_provider_month_workdays'))
    )
    op.create_table('provider_day_unreplied',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('stories', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_day_unreplied_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'day', name=op.f('pk_provider_day_unreplied'))
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index('ix_changes_overdue', ['provider_id', 'kind', 'due_on'], unique=False)


def downgrade():
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('ix_changes_overdue')
    op.drop_table('provider_day_unreplied')
    op.drop_table('provider_month_workdays')
    with op.batch_alter_table('provider_months', schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
