"""stories, tags, moderation

Revision ID: 3a4c599b0483
Revises: 4c086b255ba2
Create Date: 2026-11-24 14:12:42.900870

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a4c599b0483'
down_revision = '4c086b255ba2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('slug', name=op.f('uq_tags_slug'))
    )
    # The curated tags (app/stories/tags.py keeps the same list).
    tags = sa.table('tags', sa.column('slug', sa.String), sa.column('name', sa.String),
                    sa.column('kind', sa.String), sa.column('active', sa.Boolean))
    op.bulk_insert(tags, [
        {'slug': 'good-kindness', 'name': 'Kindness and compassion', 'kind': 'good', 'active': True},
        {'slug': 'good-communication', 'name': 'Clear communication', 'kind': 'good', 'active': True},
        {'slug': 'good-listened', 'name': 'Listened to me', 'kind': 'good', 'active': True},
        {'slug': 'good-dignity', 'name': 'Dignity and respect', 'kind': 'good', 'active': True},
        {'slug': 'good-explained', 'name': 'Explained my treatment', 'kind': 'good', 'active': True},
        {'slug': 'good-quick', 'name': 'Seen quickly', 'kind': 'good', 'active': True},
        {'slug': 'good-clean', 'name': 'Clean environment', 'kind': 'good', 'active': True},
        {'slug': 'good-pain', 'name': 'Pain well managed', 'kind': 'good', 'active': True},
        {'slug': 'good-food', 'name': 'Good food and drink', 'kind': 'good', 'active': True},
        {'slug': 'good-involved-family', 'name': 'Involved my family', 'kind': 'good', 'active': True},
        {'slug': 'good-discharge', 'name': 'Well-planned discharge', 'kind': 'good', 'active': True},
        {'slug': 'good-staff', 'name': 'Skilled staff', 'kind': 'good', 'active': True},
        {'slug': 'improve-waiting', 'name': 'Waiting times', 'kind': 'improve', 'active': True},
        {'slug': 'improve-communication', 'name': 'Communication', 'kind': 'improve', 'active': True},
        {'slug': 'improve-listening', 'name': 'Listening to patients', 'kind': 'improve', 'active': True},
        {'slug': 'improve-dignity', 'name': 'Dignity and respect', 'kind': 'improve', 'active': True},
        {'slug': 'improve-staffing', 'name': 'Staffing levels', 'kind': 'improve', 'active': True},
        {'slug': 'improve-pain', 'name': 'Pain management', 'kind': 'improve', 'active': True},
        {'slug': 'improve-food', 'name': 'Food and drink', 'kind': 'improve', 'active': True},
        {'slug': 'improve-cleanliness', 'name': 'Cleanliness', 'kind': 'improve', 'active': True},
        {'slug': 'improve-discharge', 'name': 'Discharge planning', 'kind': 'improve', 'active': True},
        {'slug': 'improve-appointments', 'name': 'Booking appointments', 'kind': 'improve', 'active': True},
        {'slug': 'improve-information', 'name': 'Information given', 'kind': 'improve', 'active': True},
        {'slug': 'improve-parking', 'name': 'Parking and access', 'kind': 'improve', 'active': True},
    ])
    op.create_table('stories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('experienced_on', sa.Date(), nullable=False),
    sa.Column('author_role', sa.String(length=20), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('public_name', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('response_status', sa.String(length=20), server_default='awaiting_response', nullable=False),
    sa.Column('criticality', sa.SmallInteger(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('moderator_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_stories_author_id_users')),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['users.id'], name=op.f('fk_stories_claimed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_stories_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stories')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_stories_submission_key'))
    )
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stories_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stories_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_stories_provider_public', ['provider_id', 'status', 'published_at'], unique=False)
        batch_op.create_index('ix_stories_public', ['status', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_stories_queue', ['status', 'queued_at', 'id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_audit_events_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_action', ['action', 'created_at'], unique=False)
        batch_op.create_index('ix_audit_events_story', ['story_id', 'created_at'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_reports_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_open', ['resolved_at', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_story_id'), ['story_id'], unique=False)

    op.create_table('story_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('title_before', sa.String(length=150), nullable=False),
    sa.Column('title_after', sa.String(length=150), nullable=False),
    sa.Column('body_before', sa.Text(), nullable=False),
    sa.Column('body_after', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_story_revisions_editor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_revisions_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_story_revisions'))
    )
    with op.batch_alter_table('story_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_revisions_story_id'), ['story_id'], unique=False)

    op.create_table('story_tags',
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_tags_story_id_stories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_story_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('story_id', 'tag_id', name=op.f('pk_story_tags'))
    )
    with op.batch_alter_table('story_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_tags_tag_id'), ['tag_id'], unique=False)



def downgrade():
    with op.batch_alter_table('story_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_story_tags_tag_id'))

    op.drop_table('story_tags')
    with op.batch_alter_table('story_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_story_revisions_story_id'))

    op.drop_table('story_revisions')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_story_id'))
        batch_op.drop_index('ix_reports_open')

    op.drop_table('reports')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_story')
        batch_op.drop_index('ix_audit_events_action')

    op.drop_table('audit_events')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_index('ix_stories_queue')
        batch_op.drop_index('ix_stories_public')
        batch_op.drop_index('ix_stories_provider_public')
        batch_op.drop_index(batch_op.f('ix_stories_provider_id'))
        batch_op.drop_index(batch_op.f('ix_stories_author_id'))

    op.drop_table('stories')
    op.drop_table('tags')
