"""Alembic environment for Flask-Migrate: the app's engine and the models' metadata.

Migrations run only from the command line (`flask db upgrade`, scripts/run) or tests, never from
create_app(), so several workers starting at once do not race."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)  # keep the app's loggers working
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def engine():
    return target_db.engine


config.set_main_option("sqlalchemy.url", engine().url.render_as_string(hide_password=False).replace("%", "%%"))


def metadata():
    return target_db.metadatas[None] if hasattr(target_db, "metadatas") else target_db.metadata


def run_migrations_offline():
    """Write the SQL instead of running it (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata(),
        literal_binds=True,
        **current_app.extensions["migrate"].configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_revision(context, revision, directives):
        # `flask db migrate` with no model change writes no empty revision file.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_revision)

    with engine().connect() as connection:
        context.configure(connection=connection, target_metadata=metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
