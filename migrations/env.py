"""Alembic environment: runs under `flask --app wsgi db …` and under plain `alembic -c migrations/alembic.ini`."""
import logging
import sys
from contextlib import nullcontext
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from flask import current_app, has_app_context

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

if has_app_context():
    app = current_app._get_current_object()
    app_context = nullcontext()
else:
    # Plain `alembic` (e.g. `alembic check`): build the app from the same settings as `flask --app wsgi`.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from app import create_app

    app = create_app()
    app_context = app.app_context()

with app_context:
    migrate_ext = app.extensions["migrate"]
    engine = migrate_ext.db.engine
    target_metadata = migrate_ext.db.metadata
    conf_args = dict(migrate_ext.configure_args)
    conf_args.setdefault("render_as_batch", True)
    conf_args["compare_type"] = True


def process_revision_directives(ctx, revision, directives):
    # An autogenerate that finds no change writes no empty revision.
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    # The tsvector column is a TypeDecorator over Text; PostgreSQL reflects it as TSVECTOR: the same thing.
    if type(metadata_type).__name__ == "SearchVector":
        return False
    return None  # the default comparison


def render_item(type_, obj, autogen_context):
    # Migrations must not import the app: UTCDateTime is a timezone-aware DateTime in the database.
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and type(obj).__name__ == "SearchVector":
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql')"
    return False


def include_object(obj, name, type_, reflected, compare_to):
    # An index the models make on one database only (`Index(...).ddl_if(dialect=...)`) is compared only there:
    # autogenerate does not read ddl_if by itself.
    ddl_if = getattr(obj, "_ddl_if", None)
    if type_ == "index" and not reflected and ddl_if is not None and ddl_if.dialect:
        wanted = (ddl_if.dialect,) if isinstance(ddl_if.dialect, str) else tuple(ddl_if.dialect)
        return engine.dialect.name in wanted
    return True


conf_args.setdefault("include_object", include_object)
conf_args.setdefault("process_revision_directives", process_revision_directives)
conf_args.setdefault("render_item", render_item)
conf_args["compare_type"] = compare_type


def run_migrations_offline():
    context.configure(url=engine.url.render_as_string(hide_password=False), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds tables; with foreign keys on, dropping the old table would cascade deletes.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # end the transaction the PRAGMA began, so the migrations' own one commits
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
