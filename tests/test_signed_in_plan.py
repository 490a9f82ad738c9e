"""Every request reads the signed-in account with its roles, person and unit in one statement
(portal.accounts.actor): each table through an index, on SQLite too, whose plan for a nested
LEFT JOIN (ab_user_role JOIN ab_role) copied every account's roles into a temporary table first."""
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from sqlalchemy import create_engine

from portal.accounts.actor import _signed_in_statement
from portal.extensions import db
from portal.models import Person, Unit


def test_the_signed_in_statement_searches_every_table_by_index_on_sqlite(app):
    engine = create_engine("sqlite://")
    with app.app_context():
        db.metadata.create_all(engine, tables=[User.__table__, Role.__table__, assoc_user_role, Unit.__table__,
                                               Person.__table__])
        statement = _signed_in_statement()
    sql = str(statement.compile(dialect=engine.dialect))
    with engine.connect() as connection:
        plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (1,))]
    assert not [step for step in plan if step.startswith(("SCAN", "MATERIALIZE"))], plan
    assert {"ab_user", "person", "ab_user_role", "ab_role", "unit_1"} <= {step.split()[1] for step in plan}
