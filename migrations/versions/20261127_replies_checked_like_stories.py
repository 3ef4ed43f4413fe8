"""replies checked like stories: flags on replies and changes, versioned changes, reply revisions, reporters

Revision ID: 42cb3cc5007a
Revises: 20261127accounts
Create Date: 2026-11-27 18:08:46.656128

Replies and changes carry the automatic flags stories carry; changes get a version (optimistic locking) and a
reason when a moderator turns one down; moderators' edits of replies, answers and changes are kept as
revisions; a report remembers a key that tells reporters apart (never an address). Existing rows get an
empty flag list. On SQLite every step here is a plain ALTER TABLE (no table is rebuilt), so the content-version
triggers on replies and changes stay in place.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '42cb3cc5007a'
down_revision = '20261127accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reply_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('body_before', sa.Text(), nullable=False),
    sa.Column('body_after', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name=op.f('fk_reply_revisions_change_id_changes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_reply_revisions_editor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_reply_revisions_reply_id_replies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_reply_revisions_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_revisions'))
    )
    with op.batch_alter_table('reply_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_revisions_story_id'), ['story_id'], unique=False)

    # Plain ALTER TABLE ... ADD COLUMN on both databases (see above: no table is rebuilt on SQLite).
    op.add_column('changes', sa.Column('hidden_reason', sa.Text(), nullable=True))
    op.add_column('changes', sa.Column('flags', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    op.add_column('changes', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.create_index('ix_changes_status', 'changes', ['status', 'created_at'], unique=False)
    op.add_column('replies', sa.Column('flags', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    op.add_column('reports', sa.Column('reporter_key', sa.String(length=80), nullable=True))
    op.create_index('ix_reports_story_open', 'reports', ['story_id', 'resolved_at'], unique=False)


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35 and later, PostgreSQL): batch mode would rebuild these tables on SQLite
    # and lose their content-version triggers.
    op.drop_index('ix_reports_story_open', table_name='reports')
    op.execute("ALTER TABLE reports DROP COLUMN reporter_key")
    op.execute("ALTER TABLE replies DROP COLUMN flags")
    op.drop_index('ix_changes_status', table_name='changes')
    for column in ('version', 'flags', 'hidden_reason'):
        op.execute(f"ALTER TABLE changes DROP COLUMN {column}")
    op.drop_index(op.f('ix_reply_revisions_story_id'), table_name='reply_revisions')
    op.drop_table('reply_revisions')
