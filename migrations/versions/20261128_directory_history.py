"""the directory's history and service types: providers.service_type, provider_redirects.kind, providers by updated_at

Revision ID: 20261128directoryhistory
Revises: 20261128exactwaits
Create Date: 2026-11-28 04:00:00.000000

A provider gets a service type from a small controlled list (app/directory/models.py SERVICE_TYPES). Existing
GP practices and care homes say so by their kind, so they are given it; every other provider stays empty until
an import or an admin says. provider_redirects, which only merges wrote, now also holds codes that were changed:
`kind` tells which, and every existing row was a merge. providers.updated_at is indexed with id for the API's
updated_since.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '20261128directoryhistory'
down_revision = '20261128exactwaits'
branch_labels = None
depends_on = None

# The kinds that name a service type on their own (app/directory/importer.py KIND_SERVICE_TYPES, as it was).
FROM_KIND = {"gp_practice": "gp_practice", "care_home": "care_home"}


def upgrade():
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_type', sa.String(length=30), nullable=True))
        batch_op.create_index(batch_op.f('ix_providers_service_type'), ['service_type'], unique=False)
        batch_op.create_index('ix_providers_updated', ['updated_at', 'id'], unique=False)
    with op.batch_alter_table('provider_redirects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='merged', nullable=False))
    providers = sa.table("providers", sa.column("kind", sa.String), sa.column("service_type", sa.String))
    for kind, service_type in FROM_KIND.items():
        # updated_at stays: nothing a sync client held has changed but a field it did not have.
        op.execute(providers.update().where(providers.c.kind == kind).values(service_type=service_type))


def downgrade():
    with op.batch_alter_table('provider_redirects', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_index('ix_providers_updated')
        batch_op.drop_index(batch_op.f('ix_providers_service_type'))
        batch_op.drop_column('service_type')
