"""story events: each story's progress in public (its timeline), one row per step of the response loop

Revision ID: 20261127events
Revises: 42cb3cc5007a
Create Date: 2026-11-27 21:30:00.000000

(story_id, kind, step) is unique, so a reminder or an escalation step is written once however many workers
run the job; steps that may repeat leave `step` empty (NULLs never clash, on SQLite and PostgreSQL alike).
Existing published stories get their "published" event, so every public story's timeline starts somewhere.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20261127events'
down_revision = '42cb3cc5007a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('story_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_story_events_provider_id_providers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_events_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_story_events'))
    )
    with op.batch_alter_table('story_events', schema=None) as batch_op:
        batch_op.create_index('ix_story_events_story', ['story_id', 'at', 'id'], unique=False)
        batch_op.create_index('ix_story_events_at', ['at', 'id'], unique=False)
        batch_op.create_index('uq_story_events_step', ['story_id', 'kind', 'step'], unique=True)
    op.execute("INSERT INTO story_events (story_id, kind, at, step) "
               "SELECT id, 'published', published_at, 0 FROM stories WHERE published_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('story_events', schema=None) as batch_op:
        batch_op.drop_index('uq_story_events_step')
        batch_op.drop_index('ix_story_events_at')
        batch_op.drop_index('ix_story_events_story')
    op.drop_table('story_events')
