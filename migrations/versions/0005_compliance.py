"""Compliance: rule sets (达标标准) with the three default sets of DOMAIN.md, the per-person-per-year
credit summary, and the 各类学分汇总 tree as a dictionary (categories now name their node by code).

Credits are stored as integer hundredths, hours as tenths (see portal/models/types.py).

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# 各类学分汇总: (code, name, children). The codes of the 学分级别 dictionary are reused, so a
# free-form record counts under the node of its 学分级别.
SUMMARY_NODES = [
    ("class_1", "I类学分", [
        ("national", "国家级继续医学教育项目"), ("provincial", "省级继续医学教育项目"),
        ("provincial_promotion", "省级推广项目"), ("annual_meeting", "省、市级学术年会"),
    ]),
    ("class_2", "II类学分", [
        ("city_class2", "市级II类项目"), ("city", "市级继续医学教育项目"), ("county", "县级继续医学教育项目"),
        ("self_study", "自学笔记"), ("new_knowledge", "四新教育"), ("papers", "发表学术论文"), ("research", "科研立项"),
        ("books", "出版医学著作"), ("reports", "考察和研究报告"), ("translations", "医学译文"),
        ("unit_activity", "单位和科室组织的活动"), ("short_training", "6个月以下外出进修"), ("other", "其他II类学分"),
    ]),
    ("designated", "国家/省继教委员会指定并统一考核的学习项目", []),
]
NODE_CODES = {name: code for _, _, children in SUMMARY_NODES for code, name in children}
NODE_CODES.update({name: code for code, name, _ in SUMMARY_NODES})

DEEMING = [
    "援助西部、农村、海岛、援外等医疗活动6个月及以上",
    "经单位批准,到外单位进修(含出国培训)6个月及以上",
    "在职教育外或外出进修专项培训达6个月以上",
    "初级卫技人员新、老模式规范化培训或岗位培训学分",
]
# (name, description, from, to, title levels, unit levels, priority, credits, hours, I min, I max,
#  II min, interchange %, caps {category name: cap}, multi-year requirements)
RULE_SETS = [
    ("2006年全国继续医学教育学分标准",
     "每年不少于25学分,其中I类5~10学分、II类15~20学分,两类不可互相替代;省级单位、三级医院和一级公共卫生机构的"
     "人员5年内须获得国家级继续医学教育项目10学分以上。",
     2000, 2018, [], [], 0, 25, 0, 5, 10, 15, 0, {},
     [{"years": 5, "min_credits": "10.00", "nodes": ["national"], "unit_levels": ["三级"]}]),
    ("过渡期继续医学教育学分标准(2019—2024年)",
     "每年不少于25学分;I类、II类学分可相互替代,替代不超过50%(I类不少于2.5学分、II类不少于7.5学分);"
     "参加住院医师规范化培训或外出进修6个月及以上视为达标。",
     2019, 2024, [], [], 0, 25, 0, 5, None, 15, 50, {}, []),
    ("过渡期县级及以下医疗卫生机构学分标准(2019—2024年)",
     "县级及以下医疗卫生机构(一级、乡镇)人员每年不少于20学分,不分类别。",
     2019, 2024, [], ["一级", "乡镇"], 10, 20, 0, 0, None, 0, 0, {}, []),
    ("2024年全国继续医学教育学分标准",
     "国卫办科教发〔2024〕20号:每年不少于25学分、不少于90学时;自学每年最多计10学分。",
     2025, None, [], [], 0, 25, 90, 0, None, 0, 0, {"自学综述": 10}, []),
]


def upgrade():
    op.create_table(
        "rule_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Integer(), nullable=False),
        sa.Column("valid_to", sa.Integer(), nullable=True),
        sa.Column("title_levels", sa.JSON(), nullable=False),
        sa.Column("unit_levels", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("min_credits", sa.Integer(), nullable=False),
        sa.Column("min_hours", sa.Integer(), nullable=False),
        sa.Column("class_1_min", sa.Integer(), nullable=False),
        sa.Column("class_1_max", sa.Integer(), nullable=True),
        sa.Column("class_2_min", sa.Integer(), nullable=False),
        sa.Column("interchange_percent", sa.Integer(), nullable=False),
        sa.Column("caps", sa.JSON(), nullable=False),
        sa.Column("multi_year", sa.JSON(), nullable=False),
        sa.Column("deeming_categories", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "credit_year",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("class_1", sa.Integer(), nullable=False),
        sa.Column("class_2", sa.Integer(), nullable=False),
        sa.Column("class_other", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("person_id", "year"),
    )
    op.create_table(
        "credit_year_bucket",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("credit_class", sa.String(length=8), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("deeming_record_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["category_id"], ["credit_category.id"]),
        sa.PrimaryKeyConstraint("person_id", "year", "category_id", "credit_class", "node"),
    )
    op.create_index("ix_credit_record_corrects", "credit_record", ["corrects_id"])

    connection = op.get_bind()
    dictionary = sa.Table("dictionary_entry", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                          sa.Column("dictionary", sa.String), sa.Column("code", sa.String), sa.Column("name", sa.String),
                          sa.Column("credit_class", sa.String), sa.Column("parent_id", sa.Integer),
                          sa.Column("position", sa.Integer), sa.Column("enabled", sa.Boolean))
    for position, (code, name, children) in enumerate(SUMMARY_NODES):
        parent = connection.execute(dictionary.insert().values(
            dictionary="summary_nodes", code=code, name=name, position=position, enabled=True)).inserted_primary_key[0]
        for child_position, (child_code, child_name) in enumerate(children):
            connection.execute(dictionary.insert().values(
                dictionary="summary_nodes", code=child_code, name=child_name, parent_id=parent,
                position=child_position, enabled=True))

    category = sa.table("credit_category", sa.column("id", sa.Integer), sa.column("name", sa.String),
                        sa.column("summary_node", sa.String))
    for name, code in NODE_CODES.items():
        connection.execute(category.update().where(category.c.summary_node == name).values(summary_node=code))
    category_ids = dict(connection.execute(sa.select(category.c.name, category.c.id)).all())

    rule_set = sa.table("rule_set", *(sa.column(c) for c in (
        "name", "description", "valid_from", "valid_to", "title_levels", "unit_levels", "priority", "min_credits",
        "min_hours", "class_1_min", "class_1_max", "class_2_min", "interchange_percent", "caps", "multi_year",
        "deeming_categories", "enabled")))
    rule_set.c.title_levels.type = rule_set.c.unit_levels.type = rule_set.c.caps.type = sa.JSON()
    rule_set.c.multi_year.type = rule_set.c.deeming_categories.type = sa.JSON()
    rule_set.c.enabled.type = sa.Boolean()
    for (name, description, first, last, titles, levels, priority, credits, hours, class_1_min, class_1_max,
         class_2_min, interchange, caps, multi_year) in RULE_SETS:
        connection.execute(rule_set.insert().values(
            name=name, description=description, valid_from=first, valid_to=last, title_levels=titles,
            unit_levels=levels, priority=priority, min_credits=credits * 100, min_hours=hours * 10,
            class_1_min=class_1_min * 100, class_1_max=class_1_max * 100 if class_1_max is not None else None,
            class_2_min=class_2_min * 100, interchange_percent=interchange,
            caps=[{"category_id": category_ids[c], "cap": f"{cap:.2f}"} for c, cap in caps.items() if c in category_ids],
            multi_year=multi_year,
            deeming_categories=[category_ids[c] for c in DEEMING if c in category_ids], enabled=True))


def downgrade():
    connection = op.get_bind()
    category = sa.table("credit_category", sa.column("summary_node", sa.String))
    for name, code in NODE_CODES.items():
        connection.execute(category.update().where(category.c.summary_node == code).values(summary_node=name))
    dictionary = sa.table("dictionary_entry", sa.column("dictionary", sa.String), sa.column("parent_id", sa.Integer))
    connection.execute(dictionary.delete().where(dictionary.c.dictionary == "summary_nodes",
                                                 dictionary.c.parent_id.is_not(None)))
    connection.execute(dictionary.delete().where(dictionary.c.dictionary == "summary_nodes"))
    op.drop_index("ix_credit_record_corrects", "credit_record")
    op.drop_table("credit_year_bucket")
    op.drop_table("credit_year")
    op.drop_table("rule_set")
