"""accounts: random token keys on users, memberships and invitations; when a sign-in link was last used

Emailed links carry the row's random key as well as its id, so a link never acts on a row that later
reuses the id. Existing rows keep NULL: their links carry "" and a new row always has a key.

Revision ID: 20261127accounts
Revises: 7d3e51a0c2b4
Create Date: 2026-11-27 09:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '20261127accounts'
down_revision = '7d3e51a0c2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('link_used_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_key', sa.String(length=32), nullable=True))
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_key', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('token_key')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('token_key')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('link_used_at')
        batch_op.drop_column('token_key')
