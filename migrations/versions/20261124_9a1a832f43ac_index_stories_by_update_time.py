"""index stories by update time

Revision ID: 9a1a832f43ac
Revises: eec707322b2d
Create Date: 2026-11-24 14:56:15.980788

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a1a832f43ac'
down_revision = 'eec707322b2d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.create_index('ix_stories_updated', ['updated_at', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_index('ix_stories_updated')

