"""insight: monthly aggregates per provider and red flags

Revision ID: 366c22582f44
Revises: 1a7a419578a0
Create Date: 2026-11-24 17:36:02.889415

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '366c22582f44'
down_revision = '1a7a419578a0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('provider_month_tags',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('stories', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_month_tags_provider_id_providers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_provider_month_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'month', 'tag_id', name=op.f('pk_provider_month_tags'))
    )
    op.create_table('provider_month_waits',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('bucket', sa.SmallInteger(), nullable=False),
    sa.Column('stories', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_month_waits_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'month', 'bucket', name=op.f('pk_provider_month_waits'))
    )
    op.create_table('provider_months',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('stories', sa.Integer(), nullable=False),
    sa.Column('replied', sa.Integer(), nullable=False),
    sa.Column('crit0', sa.Integer(), nullable=False),
    sa.Column('crit1', sa.Integer(), nullable=False),
    sa.Column('crit2', sa.Integer(), nullable=False),
    sa.Column('crit3', sa.Integer(), nullable=False),
    sa.Column('crit4', sa.Integer(), nullable=False),
    sa.Column('crit5', sa.Integer(), nullable=False),
    sa.Column('changes_planned', sa.Integer(), nullable=False),
    sa.Column('changes_made', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_months_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('provider_id', 'month', name=op.f('pk_provider_months'))
    )
    with op.batch_alter_table('provider_months', schema=None) as batch_op:
        batch_op.create_index('ix_provider_months_month', ['month'], unique=False)

    op.create_table('red_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stories', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_red_flags_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_red_flags'))
    )
    with op.batch_alter_table('red_flags', schema=None) as batch_op:
        batch_op.create_index('ix_red_flags_open', ['closed_at', 'opened_at'], unique=False)
        batch_op.create_index('ix_red_flags_provider', ['provider_id', 'closed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('red_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_red_flags_provider')
        batch_op.drop_index('ix_red_flags_open')

    op.drop_table('red_flags')
    with op.batch_alter_table('provider_months', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_months_month')

    op.drop_table('provider_months')
    op.drop_table('provider_month_waits')
    op.drop_table('provider_month_tags')
