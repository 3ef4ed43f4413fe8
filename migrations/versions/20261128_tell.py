"""everyone can tell: a story's language and route, who entered it for someone, the story taker role, and the
site's monthly transparency figures

Revision ID: 20261128tell
Revises: 20261128finder
Create Date: 2026-11-28 12:00:00.000000

Existing stories were all told on the website, in English: the server defaults say so. The transparency figures
start empty and the worker's `transparency` job fills every month at its first pass.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20261128tell'
down_revision = '20261128finder'
branch_labels = None
depends_on = None


FK = "fk_stories_entered_by_id_users"


def _stories_triggers(bind) -> list[str]:
    return bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'stories'")
                        ).scalars().all()


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.add_column('stories', sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
        op.add_column('stories', sa.Column('route', sa.String(length=12), server_default='web', nullable=False))
        op.add_column('stories', sa.Column('entered_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(FK, 'stories', 'users', ['entered_by_id'], ['id'], ondelete='SET NULL')
    else:
        # SQLite adds a named foreign key only by rebuilding the table, which drops its content-version triggers:
        # they are made again exactly as they were.
        triggers = _stories_triggers(bind)
        with op.batch_alter_table('stories', schema=None) as batch_op:
            batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
            batch_op.add_column(sa.Column('route', sa.String(length=12), server_default='web', nullable=False))
            batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(FK, 'users', ['entered_by_id'], ['id'], ondelete='SET NULL')
        for sql in triggers:
            op.execute(sql)
    op.create_index('ix_stories_entered_by', 'stories', ['entered_by_id', 'id'], unique=False)
    op.add_column('users', sa.Column('is_story_taker', sa.Boolean(), server_default='0', nullable=False))
    op.create_table('transparency_months',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('published', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('withdrawn', sa.Integer(), nullable=False),
    sa.Column('decided', sa.Integer(), nullable=False),
    sa.Column('median_wait_seconds', sa.Integer(), nullable=True),
    sa.Column('replies', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_transparency_months'))
    )


def downgrade():
    bind = op.get_bind()
    op.drop_table('transparency_months')
    op.execute("ALTER TABLE users DROP COLUMN is_story_taker")
    op.drop_index('ix_stories_entered_by', table_name='stories')
    if bind.dialect.name == "postgresql":
        op.drop_constraint(FK, 'stories', type_='foreignkey')
        for column in ('entered_by_id', 'route', 'language'):
            op.execute(f"ALTER TABLE stories DROP COLUMN {column}")
        return
    # SQLite cannot drop a column a foreign key uses: the table is rebuilt, and its triggers made again as they were.
    triggers = _stories_triggers(bind)
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_='foreignkey')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_column('route')
        batch_op.drop_column('language')
    for sql in triggers:
        op.execute(sql)
