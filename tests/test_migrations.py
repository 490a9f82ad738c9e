"""The migrations build exactly the schema the models describe: after ``upgrade`` to the head,
Alembic's autogenerate finds nothing to add, drop or change (SQLite, and PostgreSQL when the
suite runs there). A model changed without its migration, or a migration that forgot a column,
index or constraint, fails here rather than on a production database. The partitions of
credit_record (PostgreSQL) are the database's, not the models': left out as migrations/env.py leaves them out."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db
from portal.partitions import alembic_include_object


def test_the_migrated_schema_is_the_models_schema(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": alembic_include_object})
        assert compare_metadata(context, db.metadata) == []
