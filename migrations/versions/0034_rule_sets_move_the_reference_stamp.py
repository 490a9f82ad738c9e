"""The rule sets, their versions and the pinned years move the reference stamp too
(portal.models.reference), so that each process keeps what judging reads of them across requests
(portal.compliance.versions.for_judging): three statements fewer on every page that judges a
year (home, 达标情况查询), and a change made by any SQL still shows on the next request.

Revision ID: 0034
Revises: 0033
"""
from alembic import op

from portal.models import reference

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

TABLES = ("rule_set", "rule_set_version", "judged_year")


def upgrade():
    reference.watch(op.get_bind(), TABLES)


def downgrade():
    reference.unwatch(op.get_bind(), TABLES)
