"""Alembic environment. The metadata is Flask-AppBuilder's (FAB's own tables and ours);
SQLite needs batch mode for ALTER TABLE."""
from alembic import context
from flask import current_app
from flask_appbuilder import Model

import portal.models  # noqa: F401  (registers our tables on Model.metadata)
from portal import partitions
from portal.models.types import FixedDecimal

config = context.config
target_metadata = Model.metadata


def render_item(type_, obj, autogen_context):
    # FixedDecimal is an integer in the database; render it as one so migrations need no import.
    if type_ == "type" and isinstance(obj, FixedDecimal):
        return "sa.Integer()"
    return False


def run_migrations_offline():
    context.configure(url=current_app.config["SQLALCHEMY_DATABASE_URI"], target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, render_item=render_item,
                      include_object=partitions.alembic_include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=True, render_item=render_item, include_object=partitions.alembic_include_object)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
