"""search reindex queue

Revision ID: 00e0f1f140c2
Revises: 9a1a832f43ac
Create Date: 2026-11-24 15:21:17.299651

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '00e0f1f140c2'
down_revision = '9a1a832f43ac'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_queue',
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_search_queue_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('story_id', name=op.f('pk_search_queue'))
    )


def downgrade():
    op.drop_table('search_queue')
