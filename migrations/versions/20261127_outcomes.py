"""honest outcomes: staff's "not about us" requests, waiting for a moderator to move the story or keep it

Revision ID: 20261127outcomes
Revises: 20261127changes
Create Date: 2026-11-27 23:00:00.000000

One row per request: the story, the service it was about and the one staff named, who asked and why; the
moderator's decision (moved or declined), when and why.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20261127outcomes'
down_revision = '20261127changes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reroute_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('from_provider_id', sa.Integer(), nullable=True),
        sa.Column('to_provider_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=10), nullable=True),
        sa.Column('decision_reason', sa.Text(), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_reroute_requests_story_id_stories'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['from_provider_id'], ['providers.id'],
                                name=op.f('fk_reroute_requests_from_provider_id_providers'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['to_provider_id'], ['providers.id'],
                                name=op.f('fk_reroute_requests_to_provider_id_providers'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_reroute_requests_requested_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_reroute_requests_decided_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reroute_requests')),
    )
    op.create_index('ix_reroute_requests_open', 'reroute_requests', ['decided_at', 'created_at'], unique=False)
    op.create_index('ix_reroute_requests_story', 'reroute_requests', ['story_id', 'decided_at'], unique=False)


def downgrade():
    op.drop_index('ix_reroute_requests_story', table_name='reroute_requests')
    op.drop_index('ix_reroute_requests_open', table_name='reroute_requests')
    op.drop_table('reroute_requests')
