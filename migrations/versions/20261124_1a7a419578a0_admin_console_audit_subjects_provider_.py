"""admin console: audit subjects, provider redirects, worker heartbeats

Revision ID: 1a7a419578a0
Revises: 96d8e5f297cc
Create Date: 2026-11-24 17:31:33.979467

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1a7a419578a0'
down_revision = '96d8e5f297cc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_heartbeats',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeats'))
    )
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_seen_at'), ['seen_at'], unique=False)

    op.create_table('provider_redirects',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_redirects_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_provider_redirects'))
    )
    with op.batch_alter_table('provider_redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_redirects_provider_id'), ['provider_id'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_events_actor', ['actor_id', 'created_at'], unique=False)
        batch_op.create_index('ix_audit_events_subject', ['subject_type', 'subject_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_subject')
        batch_op.drop_index('ix_audit_events_actor')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_type')

    with op.batch_alter_table('provider_redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_redirects_provider_id'))

    op.drop_table('provider_redirects')
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeats_seen_at'))

    op.drop_table('worker_heartbeats')
