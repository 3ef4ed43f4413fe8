"""changes that are checked: due dates and owners, evidence, the author's verdict, reminders; "me too" and first read

Revision ID: 20261127changes
Revises: 20261127events
Create Date: 2026-11-27 21:40:00.000000

A change planned names its due date and owner; a change made may carry evidence; the author's verdict
(confirmed, not yet, disputed) and when they were asked; the two due-date reminders, each sent once.
Stories count readers who say "this happened to me too" and remember when staff first read them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20261127changes'
down_revision = '20261127events'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('owner', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('evidence', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('evidence_url', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('due_soon_reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('due_reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('author_asked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verdict', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('verdict_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('verdict_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verdict_status', sa.String(length=10), nullable=True))
        batch_op.create_index('ix_changes_due', ['kind', 'due_on'], unique=False)
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('me_too_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('first_read_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_column('first_read_at')
        batch_op.drop_column('me_too_count')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('ix_changes_due')
        for column in ('verdict_status', 'verdict_at', 'verdict_note', 'verdict', 'author_asked_at',
                       'due_reminded_at', 'due_soon_reminded_at', 'evidence_url', 'evidence', 'owner', 'due_on'):
            batch_op.drop_column(column)
