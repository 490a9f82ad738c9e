"""One credit type for 进修 and aid work (months_away), one for works counted by characters
(written_work): categories and records move to the merged slugs. Records of 进修 and aid work
entered through the wizard name the rule of their months ("3"), the rules being one per length.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MERGED = {"aid_work": "months_away", "training": "months_away", "self_study": "written_work", "publication": "written_work"}
# Going back, a category is told apart by its shipped name (0003); any other goes to the second slug.
SHIPPED = {"months_away": ("aid_work", ("援助西部、农村、海岛、援外等医疗活动6个月及以上",
                                        "参加援助西部、农村、海岛、援外等医疗活动不足6个月"), "training"),
           "written_work": ("self_study", ("自学综述",), "publication")}

category = sa.table("credit_category", sa.column("id", sa.Integer), sa.column("name", sa.String),
                    sa.column("type_slug", sa.String))
record = sa.table("credit_record", sa.column("id", sa.Integer), sa.column("category_id", sa.Integer),
                  sa.column("type_slug", sa.String), sa.column("wizard_rule", sa.String), sa.column("fields", sa.JSON))


def upgrade():
    for old, new in MERGED.items():
        op.execute(category.update().where(category.c.type_slug == old).values(type_slug=new))
        op.execute(record.update().where(record.c.type_slug == old).values(type_slug=new))
    connection = op.get_bind()
    wizard_months = connection.execute(sa.select(record.c.id, record.c.fields).where(
        record.c.type_slug == "months_away", record.c.wizard_rule == "months")).all()
    for record_id, fields in wizard_months:
        connection.execute(record.update().where(record.c.id == record_id).values(wizard_rule=str(fields["months"])))


def downgrade():
    op.execute(record.update().where(record.c.type_slug == "months_away", record.c.wizard_rule != "")
               .values(wizard_rule="months"))
    slug_of_category = sa.select(category.c.type_slug).where(category.c.id == record.c.category_id).scalar_subquery()
    for merged, (named, names, other) in SHIPPED.items():
        op.execute(category.update().where(category.c.type_slug == merged, category.c.name.in_(names)).values(type_slug=named))
        op.execute(category.update().where(category.c.type_slug == merged).values(type_slug=other))
        op.execute(record.update().where(record.c.type_slug == merged).values(type_slug=slug_of_category))
