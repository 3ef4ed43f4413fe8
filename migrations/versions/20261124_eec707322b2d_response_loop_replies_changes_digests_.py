"""response loop: replies, changes, digests, alert settings

Revision ID: eec707322b2d
Revises: 3a4c599b0483
Create Date: 2026-11-24 14:41:35.703070

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eec707322b2d'
down_revision = '3a4c599b0483'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.String(length=120), server_default='', nullable=False),
    sa.Column('reporter_title', sa.String(length=120), server_default='', nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='visible', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_changes_provider_id_providers')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_changes_reported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_changes_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_changes'))
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index('ix_changes_provider', ['provider_id', 'kind', 'created_at'], unique=False)
        batch_op.create_index('ix_changes_story', ['story_id', 'created_at'], unique=False)

    op.create_table('digest_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_digest_items_membership_id_memberships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_digest_items_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_items'))
    )
    with op.batch_alter_table('digest_items', schema=None) as batch_op:
        batch_op.create_index('ix_digest_items_due', ['sent_at', 'due_at'], unique=False)

    op.create_table('replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('responder_name', sa.String(length=120), server_default='', nullable=False),
    sa.Column('responder_title', sa.String(length=120), server_default='', nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_replies_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_replies_provider_id_providers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_replies_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replies'))
    )
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.create_index('ix_replies_status', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_replies_story', ['story_id', 'created_at'], unique=False)

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_frequency', sa.String(length=10), server_default='immediate', nullable=False))
        batch_op.add_column(sa.Column('alert_min_criticality', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_alerts', sa.Boolean(), server_default='1', nullable=False))

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reports_reply_id_replies'), 'replies', ['reply_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_reply_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_column('first_reply_at')

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reports_reply_id_replies'), type_='foreignkey')
        batch_op.drop_column('reply_id')

    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_column('contact_alerts')
    if op.get_bind().dialect.name == 'sqlite':
        # Batch mode rebuilt the table on SQLite and cannot carry the expression index over.
        op.create_index('ix_providers_name_lower', 'providers', [sa.text('lower(name)')], unique=False)

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('alert_min_criticality')
        batch_op.drop_column('alert_frequency')

    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.drop_index('ix_replies_story')
        batch_op.drop_index('ix_replies_status')

    op.drop_table('replies')
    with op.batch_alter_table('digest_items', schema=None) as batch_op:
        batch_op.drop_index('ix_digest_items_due')

    op.drop_table('digest_items')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('ix_changes_story')
        batch_op.drop_index('ix_changes_provider')

    op.drop_table('changes')
