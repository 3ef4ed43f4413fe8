"""search vector for the postgres backend

Revision ID: 96d8e5f297cc
Revises: 00e0f1f140c2
Create Date: 2026-11-24 15:55:14.626440

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '96d8e5f297cc'
down_revision = '00e0f1f140c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True))
        batch_op.create_index('ix_stories_search_vector', ['search_vector'], unique=False, postgresql_using='gin')



def downgrade():
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_index('ix_stories_search_vector', postgresql_using='gin')
        batch_op.drop_column('search_vector')

