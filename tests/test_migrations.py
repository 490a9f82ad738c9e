"""The migrations build exactly the schema the models describe: after ``upgrade`` to the head,
Alembic's autogenerate finds nothing to add, drop or change (SQLite, and PostgreSQL when the
suite runs there). A model changed without its migration, or a migration that forgot a column,
index or constraint, fails here rather than on a production database."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def test_the_migrated_schema_is_the_models_schema(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
