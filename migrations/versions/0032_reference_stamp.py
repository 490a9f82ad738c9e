"""The reference stamp (portal.models.reference): a row whose version triggers change with every
change to dictionary entries and credit categories, so that each process can keep those tables'
contents across requests and still never show a change late.

Revision ID: 0032
Revises: 0031
"""
import sqlalchemy as sa
from alembic import op

from portal.models import reference

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

TABLES = ("dictionary_entry", "credit_category")


def upgrade():
    op.create_table("reference_stamp", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("version", sa.BigInteger(), nullable=False))
    reference.install(op.get_bind())
    reference.watch(op.get_bind(), TABLES)


def downgrade():
    reference.unwatch(op.get_bind(), TABLES)
    reference.remove(op.get_bind())
    op.drop_table("reference_stamp")
