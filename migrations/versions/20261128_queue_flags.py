"""the moderation queue reads waiting stories' flags from an index; the staff dashboard its stories awaiting a reply

Revision ID: 20261128queueflags
Revises: 20261128directoryhistory
Create Date: 2026-11-28 04:30:00.000000

The queue counts waiting stories by flag and lists those that may speak of harm first; both read every waiting
story's flags. With the flags in the queue's own order (status, queued_at, id), no story row (with its body) is
read to count them or to skip a story, and the list still walks the index oldest first. PostgreSQL has no btree
order for JSON, so there flags is an included column.

The staff dashboard lists the stories awaiting a reply at the providers a responder covers, most critical and
oldest first: (provider_id, status, response_status, criticality, published_at, id) answers it from the index.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '20261128queueflags'
down_revision = '20261128directoryhistory'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_stories_awaiting", "stories",
                    ["provider_id", "status", "response_status", "criticality", "published_at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_stories_queue_flags_pg", "stories", ["status", "queued_at", "id"],
                        postgresql_include=["flags"])
    else:
        op.create_index("ix_stories_queue_flags", "stories", ["status", "queued_at", "id", "flags"])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_stories_queue_flags_pg", table_name="stories")
    else:
        op.drop_index("ix_stories_queue_flags", table_name="stories")
    op.drop_index("ix_stories_awaiting", table_name="stories")
