"""Reference dictionaries, with the default entries of DOMAIN.md.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# (code, name, credit class): national, provincial, promotion projects and annual meetings give I类.
CREDIT_LEVELS = [
    ("national", "国家级继续医学教育项目", "I"),
    ("provincial", "省级继续医学教育项目", "I"),
    ("provincial_promotion", "省级推广项目", "I"),
    ("annual_meeting", "省、市级学术年会", "I"),
    ("city", "市级继续医学教育项目", "II"),
    ("county", "县级继续医学教育项目", "II"),
    ("city_class2", "市级II类项目", "II"),
    ("unit_activity", "单位、科室组织的学术活动", "II"),
    ("other", "其他", "II"),
]
HOSTING_METHODS = ["培训班", "学习班", "学术会议", "研讨会", "讲座", "远程教育", "单位、科室组织的活动", "其他"]
ACTIVITY_TYPES = [("personal", "个人活动"), ("collective", "集体活动")]
DISCIPLINES = [
    ("基础医学", "人体解剖学 组织学与胚胎学 生理学 生物化学与分子生物学 医学微生物学 人体寄生虫学 医学免疫学 "
                 "病理学与病理生理学 药理学 医学遗传学 法医学 基础医学其它学科"),
    ("临床内科学", "心血管病学 呼吸病学 消化病学 血液病学 肾脏病学 内分泌与代谢病学 风湿病学 感染病学 神经病学 "
                   "精神病学 老年医学 肿瘤学 皮肤病与性病学 内科学其它学科"),
    ("临床外科学", "普通外科学 骨科学 泌尿外科学 胸心外科学 神经外科学 整形外科学 烧伤外科学 麻醉学 外科学其它学科"),
    ("妇产科学", "妇科学 产科学 生殖医学 妇产科学其它学科"),
    ("儿科学", "儿内科学 儿外科学 新生儿学 儿科学其它学科"),
    ("眼耳鼻咽喉科学", "眼科学 耳鼻咽喉科学"),
    ("口腔医学", "口腔内科学 口腔颌面外科学 口腔修复学 口腔正畸学"),
    ("急诊与重症医学", "急诊医学 重症医学"),
    ("医学影像学", "放射诊断学 超声医学 核医学 放射治疗学 介入医学"),
    ("医学检验", "临床检验 临床生化 临床微生物 输血医学"),
    ("药学", "临床药学 药剂学 中药学"),
    ("护理学", "内科护理 外科护理 妇产科护理 儿科护理 社区护理 护理管理 护理学其它学科"),
    ("公共卫生与预防医学", "流行病学 卫生统计学 职业卫生 环境卫生 营养与食品卫生 儿少卫生与妇幼保健 卫生毒理学 "
                         "卫生检验学 健康教育 公共卫生与预防医学其它学科"),
    ("中医学与中西医结合", "中医内科学 中医外科学 针灸推拿学 中西医结合临床"),
    ("全科医学", "全科医学 社区卫生服务"),
    ("康复医学", "康复医学"),
    ("医学教育与卫生管理", "医学教育 卫生管理 医院管理"),
    ("其它", "其它"),
]


def upgrade():
    table = op.create_table(
        "dictionary_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dictionary", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("credit_class", sa.String(length=8), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["dictionary_entry.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dictionary", "code"),
    )
    with op.batch_alter_table("dictionary_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dictionary_entry_dictionary"), ["dictionary"], unique=False)
        batch_op.create_index(batch_op.f("ix_dictionary_entry_parent_id"), ["parent_id"], unique=False)

    connection = op.get_bind()

    def add(dictionary, code, name, position, credit_class=None, parent_id=None):
        result = connection.execute(table.insert().values(
            dictionary=dictionary, code=code, name=name, credit_class=credit_class,
            parent_id=parent_id, position=position, enabled=True,
        ))
        return result.inserted_primary_key[0]

    for position, (code, name, credit_class) in enumerate(CREDIT_LEVELS):
        add("credit_levels", code, name, position, credit_class)
    for position, name in enumerate(HOSTING_METHODS):
        add("hosting_methods", f"h{position + 1:02d}", name, position)
    for position, (code, name) in enumerate(ACTIVITY_TYPES):
        add("activity_types", code, name, position)
    for position, (name, children) in enumerate(DISCIPLINES, 1):
        parent = add("disciplines", f"{position:02d}", name, position)
        for child_position, child in enumerate(children.split(), 1):
            add("disciplines", f"{position:02d}{child_position:02d}", child, child_position, parent_id=parent)


def downgrade():
    with op.batch_alter_table("dictionary_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dictionary_entry_parent_id"))
        batch_op.drop_index(batch_op.f("ix_dictionary_entry_dictionary"))
    op.drop_table("dictionary_entry")
