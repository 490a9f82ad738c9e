"""ID numbers sealed at rest: person.id_number becomes id_sealed (AES-GCM, with a key id) and
id_hash (HMAC-SHA256, unique, for lookups); sms_code keeps only the hash. Existing rows are sealed
with the instance's ID number keys (portal.models.sealed, made at the app's start when absent); the
plain columns are dropped. The downgrade opens them again with the same keys. An index on the
audit trail counts one admin's recent reveals of personal data (their hourly limit).

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

from portal.models import sealed

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    keys = sealed.keys()
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("id_sealed", sa.String(100), nullable=True))
        batch.add_column(sa.Column("id_hash", sa.String(64), nullable=True))
    with op.batch_alter_table("sms_code") as batch:
        batch.add_column(sa.Column("id_hash", sa.String(64), nullable=True))

    person = sa.table("person", sa.column("id", sa.Integer), sa.column("id_number", sa.String),
                      sa.column("id_sealed", sa.String), sa.column("id_hash", sa.String))
    _in_batches(person, person.c.id_number, lambda n: {"id_sealed": keys.seal(n), "id_hash": keys.digest(n)})
    sms = sa.table("sms_code", sa.column("id", sa.Integer), sa.column("id_number", sa.String),
                   sa.column("id_hash", sa.String))
    _in_batches(sms, sms.c.id_number, lambda n: {"id_hash": keys.digest(n)})

    with op.batch_alter_table("person") as batch:
        batch.drop_column("id_number")
        batch.alter_column("id_sealed", existing_type=sa.String(100), nullable=False)
        batch.alter_column("id_hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_person_id_hash", ["id_hash"])
    with op.batch_alter_table("sms_code") as batch:
        batch.drop_index("ix_sms_code_id_number")
        batch.drop_column("id_number")
        batch.alter_column("id_hash", existing_type=sa.String(64), nullable=False)
        batch.create_index("ix_sms_code_id_hash", ["id_hash"])
    op.create_index("ix_audit_entry_user_action_at", "audit_entry", ["user_id", "action", "at"])


def downgrade():
    op.drop_index("ix_audit_entry_user_action_at", "audit_entry")
    keys = sealed.keys()
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("id_number", sa.String(18), nullable=True))
    person = sa.table("person", sa.column("id", sa.Integer), sa.column("id_number", sa.String),
                      sa.column("id_sealed", sa.String))
    _in_batches(person, person.c.id_sealed, lambda s: {"id_number": keys.open(s)})
    with op.batch_alter_table("person") as batch:
        batch.drop_constraint("uq_person_id_hash", type_="unique")
        batch.drop_column("id_hash")
        batch.drop_column("id_sealed")
        batch.alter_column("id_number", existing_type=sa.String(18), nullable=False)
        batch.create_unique_constraint("person_id_number_key", ["id_number"])
    # The codes' numbers cannot be recovered from their hashes: the codes (a day's worth) go.
    op.execute("DELETE FROM sms_code")
    with op.batch_alter_table("sms_code") as batch:
        batch.drop_index("ix_sms_code_id_hash")
        batch.drop_column("id_hash")
        batch.add_column(sa.Column("id_number", sa.String(18), nullable=False, server_default=""))
        batch.create_index("ix_sms_code_id_number", ["id_number"])


def _in_batches(table: sa.TableClause, source: sa.ColumnClause, values) -> None:
    """Set ``values(source)`` on every row, BATCH rows at a time (keyset by id)."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(table.c.id, source).where(table.c.id > last).order_by(table.c.id)
                            .limit(BATCH)).all()
        if not rows:
            return
        bind.execute(table.update().where(table.c.id == sa.bindparam("row_id")),
                     [{"row_id": row_id, **values(value)} for row_id, value in rows])
        last = rows[-1][0]
