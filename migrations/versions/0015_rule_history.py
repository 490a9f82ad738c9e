"""Each year judged as it was: units gain an administrative tier and a type; history rows keep the
unit's tier, grade and type of their year, who wrote a correction and why; title levels split
高级 into 副高 and 正高 and add 乡村医生 and 无职称; rule sets select on tiers and types.

Filled from today's data:
- a unit's tier from its place in the tree (province 省, city 市, county 县区) and, for an
  institution, from its grade and name (乡镇 grade, 卫生院 or 社区卫生服务中心: 乡镇街道; 村卫生室: 村;
  a 区 or 县 in the name after its city's: 县区; else its parent's tier); its type from its name.
- 高级 becomes 正高 for titles naming a full senior rank (主任医师, 主任护师 ..., 研究员, 教授 without
  副), else 副高 (the lower reading where the title does not say); a rule set for 高级 covers both.
- every history row gets its unit's tier, grade and type; a person without history gets a row of
  today's standing; a person's first row is dated back to their first record's year, so the
  years they have records in count as years they were known.
- each stored year's credits of records stating no hours (what the 2024 rules' reading of 学时 needs);
  a rule set's ``hourless_hours_per_credit`` starts empty (such records add no hours: the published
  text's reading, see docs/rules.md);
- a stay's deemed years start empty on existing records (they deem their activity date's year, as
  before);
- the manual's missing categories: 经单位批准,到外单位进修(含出国培训) of any length, 在职学历教育 (deeming
  the year of study wherever 规培 deems; the 进修 of any length deems wherever the 6-month one does) and 四新教育 under the 四新 node; 规培's node moves inside II类;
- a record's issuing body may be a name typed (issuer_name) instead of a unit of ours;
- the transitional rules for "县级及以下" select the tiers 县区, 乡镇街道 and 村 instead of the
  grades 一级 and 乡镇.

Revision ID: 0015
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

COUNTY_RULES = "过渡期县级及以下医疗卫生机构学分标准(2019—2024年)"
COUNTY_TIERS = ["县区", "乡镇街道", "村"]
FULL_SENIOR = ("主任医师", "主任药师", "主任护师", "主任技师", "研究员", "教授")
TYPES = (("村卫生室", "村卫生室"), ("社区卫生服务", "社区卫生服务中心"), ("卫生院", "卫生院"), ("疾病预防控制", "疾控"),
         ("疾控", "疾控"), ("妇幼保健", "妇幼保健"), ("卫生健康委", "卫生行政部门"), ("卫生局", "卫生行政部门"),
         ("医院", "医院"))
KIND_TIERS = {"province": "省", "city": "市", "county": "县区"}

unit = sa.table("unit", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("kind", sa.String),
                sa.column("level", sa.String), sa.column("parent_id", sa.Integer), sa.column("tier", sa.String),
                sa.column("type", sa.String))
person = sa.table("person", sa.column("id", sa.Integer), sa.column("unit_id", sa.Integer),
                  sa.column("title", sa.String), sa.column("title_level", sa.String), sa.column("status", sa.String))
history = sa.table("person_history", sa.column("id", sa.Integer), sa.column("person_id", sa.Integer),
                   sa.column("year", sa.Integer), sa.column("unit_id", sa.Integer), sa.column("title", sa.String),
                   sa.column("title_level", sa.String), sa.column("status", sa.String),
                   sa.column("unit_tier", sa.String), sa.column("unit_grade", sa.String),
                   sa.column("unit_type", sa.String), sa.column("reason", sa.String))
record = sa.table("credit_record", sa.column("person_id", sa.Integer), sa.column("activity_date", sa.Date))
rule_set = sa.table("rule_set", sa.column("id", sa.Integer), sa.column("name", sa.String),
                    sa.column("title_levels", sa.JSON), sa.column("unit_levels", sa.JSON),
                    sa.column("unit_tiers", sa.JSON), sa.column("deeming_categories", sa.JSON))
category = sa.table("credit_category", sa.column("id", sa.Integer), sa.column("name", sa.String),
                    sa.column("type_slug", sa.String), sa.column("params", sa.JSON), sa.column("credit_class", sa.String),
                    sa.column("summary_node", sa.String), sa.column("yearly_cap", sa.Integer),
                    sa.column("cap_group", sa.String), sa.column("enabled", sa.Boolean), sa.column("position", sa.Integer))
dictionary = sa.table("dictionary_entry", sa.column("id", sa.Integer), sa.column("dictionary", sa.String),
                      sa.column("code", sa.String), sa.column("parent_id", sa.Integer))
MONTHS = {"months_to_deem": 6, "full_year_credits": "25", "credits_per_month": "5", "min_months": 1, "max_months": 24,
          "deeming": "reached"}
DEGREE = "在职学历教育"
TRAINING = "经单位批准,到外单位进修(含出国培训)"
# A new category deems wherever the existing one named deems.
DEEMS_LIKE = {DEGREE: "初级卫技人员新、老模式规范化培训或岗位培训学分", TRAINING: TRAINING + "6个月及以上"}
# The manual's categories the shipped configuration lacked: (name, type, params, class, node).
NEW_CATEGORIES = [
    (TRAINING, "months_away", MONTHS, "II", "other"),
    # In-service degree study counts as the year's credits and deems the year of study compliant.
    (DEGREE, "degree_study", {"credits": "25"}, "II", "other"),
    # 四新 (new theory, knowledge, techniques, methods): credits and hours as the certificate states.
    ("四新教育(新理论、新知识、新技术、新方法)", "free_form", {"max_credits_per_record": "25"}, "II", "new_knowledge"),
]


def unit_type(name: str, kind: str) -> str:
    if kind != "institution":
        return "卫生行政部门"
    return next((kind for word, kind in TYPES if word in name), "其他")


def unit_tier(row, parent) -> str:
    if row.kind in KIND_TIERS:
        return KIND_TIERS[row.kind]
    name = row.name[len(parent.name):] if parent is not None and row.name.startswith(parent.name) else row.name
    if "村卫生室" in name:
        return "村"
    if row.level == "乡镇" or "卫生院" in name or "社区卫生服务" in name or "街道" in name:
        return "乡镇街道"
    if "区" in name or "县" in name or (parent is not None and parent.kind == "county"):
        return "县区"
    return KIND_TIERS.get(parent.kind, "市") if parent is not None else "市"


def senior_level(title: str) -> str:
    return "正高" if "副" not in (title or "") and any(t in (title or "") for t in FULL_SENIOR) else "副高"


def upgrade():
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("tier", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("type", sa.String(32), nullable=False, server_default=""))
    with op.batch_alter_table("person_history") as batch:
        batch.add_column(sa.Column("unit_tier", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("unit_grade", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("unit_type", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("changed_by", sa.Integer(), sa.ForeignKey("ab_user.id",
                                                                            name="fk_person_history_changed_by"),
                                   nullable=True))
        batch.add_column(sa.Column("reason", sa.String(200), nullable=False, server_default=""))
        batch.create_index("ix_person_history_person_year", ["person_id", "year", "id"])
    with op.batch_alter_table("credit_record") as batch:
        batch.add_column(sa.Column("deems_years", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("issuer_name", sa.String(200), nullable=False, server_default=""))
    with op.batch_alter_table("rule_set") as batch:
        batch.add_column(sa.Column("unit_tiers", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("unit_types", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("hourless_hours_per_credit", sa.Integer(), nullable=True))
    with op.batch_alter_table("credit_year") as batch:
        batch.add_column(sa.Column("hourless_credits", sa.Integer(), nullable=False, server_default="0"))

    connection = op.get_bind()
    units = {row.id: row for row in connection.execute(sa.select(unit))}
    filled = {}
    for row in units.values():
        filled[row.id] = (unit_tier(row, units.get(row.parent_id)), unit_type(row.name, row.kind), row.level or "")
        connection.execute(unit.update().where(unit.c.id == row.id).values(tier=filled[row.id][0],
                                                                          type=filled[row.id][1]))

    for table in (person, history):
        for row_id, title in connection.execute(sa.select(table.c.id, table.c.title).where(table.c.title_level == "高级")):
            connection.execute(table.update().where(table.c.id == row_id).values(title_level=senior_level(title)))
    for row_id, name, levels, grades in connection.execute(
            sa.select(rule_set.c.id, rule_set.c.name, rule_set.c.title_levels, rule_set.c.unit_levels)):
        if levels and "高级" in levels:
            levels = [level for level in levels if level != "高级"] + ["副高", "正高"]
            connection.execute(rule_set.update().where(rule_set.c.id == row_id).values(title_levels=levels))
        if name == COUNTY_RULES and sorted(grades or ()) == sorted(("一级", "乡镇")):
            connection.execute(rule_set.update().where(rule_set.c.id == row_id)
                               .values(unit_levels=[], unit_tiers=COUNTY_TIERS))

    for row_id, unit_id in connection.execute(sa.select(history.c.id, history.c.unit_id)):
        tier, kind, grade = filled[unit_id]
        connection.execute(history.update().where(history.c.id == row_id)
                           .values(unit_tier=tier, unit_type=kind, unit_grade=grade))
    _add_categories(connection)
    _fill_hourless_credits(connection)
    first_rows = dict(connection.execute(sa.select(history.c.person_id, sa.func.min(history.c.id))
                                         .group_by(history.c.person_id)).all())
    first_records = dict(connection.execute(
        sa.select(record.c.person_id, sa.func.min(record.c.activity_date)).group_by(record.c.person_id)).all())
    this_year = connection.execute(sa.select(sa.func.current_date())).scalar()
    this_year = int(str(this_year)[:4])
    for row in connection.execute(sa.select(person)).all():
        first_record = first_records.get(row.id)
        first_record_year = int(str(first_record)[:4]) if first_record else None
        if row.id not in first_rows:
            tier, kind, grade = filled[row.unit_id]
            connection.execute(history.insert().values(
                person_id=row.id, year=min(first_record_year or this_year, this_year), unit_id=row.unit_id,
                title=row.title or "", title_level=row.title_level or "", status=row.status or "", unit_tier=tier,
                unit_grade=grade, unit_type=kind, reason=""))
        elif first_record_year is not None:
            connection.execute(history.update().where(history.c.id == first_rows[row.id],
                                                      history.c.year > first_record_year)
                               .values(year=first_record_year))


def _add_categories(connection) -> None:
    """The manual's missing categories (学历教育 deeming like 规培 wherever 规培 deems), and 规培's node
    inside the II类 node of 各类学分汇总, where its credits count."""
    last = connection.execute(sa.select(sa.func.max(category.c.position))).scalar() or 0
    for position, (name, slug, params, credit_class, node) in enumerate(NEW_CATEGORIES, last + 1):
        if connection.execute(sa.select(category.c.id).where(category.c.name == name)).first() is None:
            connection.execute(category.insert().values(
                name=name, type_slug=slug, params=params, credit_class=credit_class, summary_node=node, yearly_cap=None,
                cap_group="", enabled=True, position=position))
    ids = dict(connection.execute(sa.select(category.c.name, category.c.id)).all())
    for row_id, deeming in connection.execute(sa.select(rule_set.c.id, rule_set.c.deeming_categories)):
        added = [ids[new] for new, like in DEEMS_LIKE.items() if ids.get(like) in (deeming or ()) and ids[new] not in deeming]
        if added:
            connection.execute(rule_set.update().where(rule_set.c.id == row_id).values(deeming_categories=[*deeming, *added]))
    class_2 = connection.execute(sa.select(dictionary.c.id).where(dictionary.c.dictionary == "summary_nodes",
                                                                  dictionary.c.code == "class_2")).scalar()
    if class_2 is not None:
        connection.execute(dictionary.update().where(dictionary.c.dictionary == "summary_nodes",
                                                     dictionary.c.code == "designated").values(parent_id=class_2))


def _fill_hourless_credits(connection) -> None:
    """Each stored year's credits of counted records stating no hours (approved, not replaced by an
    approved correction), so that `portal compliance-check` finds no drift."""
    credit_record = sa.table("credit_record", sa.column("id", sa.Integer), sa.column("person_id", sa.Integer),
                             sa.column("activity_date", sa.Date), sa.column("status", sa.String),
                             sa.column("credits", sa.Integer), sa.column("hours", sa.Integer),
                             sa.column("corrects_id", sa.Integer))
    correction = credit_record.alias("correction")
    credit_year = sa.table("credit_year", sa.column("person_id", sa.Integer), sa.column("year", sa.Integer),
                           sa.column("hourless_credits", sa.Integer))
    replaced = sa.exists().where(correction.c.corrects_id == credit_record.c.id, correction.c.status == "approved")
    sums = {}
    for person_id, day, credits in connection.execute(
            sa.select(credit_record.c.person_id, credit_record.c.activity_date, credit_record.c.credits)
            .where(credit_record.c.status == "approved", credit_record.c.hours == 0, ~replaced)):
        key = (person_id, int(str(day)[:4]))
        sums[key] = sums.get(key, 0) + credits
    for (person_id, year), credits in sums.items():
        connection.execute(credit_year.update().where(credit_year.c.person_id == person_id, credit_year.c.year == year)
                           .values(hourless_credits=credits))


def downgrade():
    connection = op.get_bind()
    connection.execute(dictionary.update().where(dictionary.c.dictionary == "summary_nodes",
                                                 dictionary.c.code == "designated").values(parent_id=None))
    added = set(connection.execute(sa.select(category.c.id).where(category.c.name.in_(list(DEEMS_LIKE)))).scalars())
    for row_id, deeming in connection.execute(sa.select(rule_set.c.id, rule_set.c.deeming_categories)):
        if added & set(deeming or ()):
            connection.execute(rule_set.update().where(rule_set.c.id == row_id)
                               .values(deeming_categories=[c for c in deeming if c not in added]))
    connection.execute(category.delete().where(category.c.name.in_([name for name, *_ in NEW_CATEGORIES])))
    for table in (person, history):
        connection.execute(table.update().where(table.c.title_level.in_(("副高", "正高"))).values(title_level="高级"))
    for row_id, levels in connection.execute(sa.select(rule_set.c.id, rule_set.c.title_levels)):
        if levels and ("副高" in levels or "正高" in levels):
            kept = [level for level in levels if level not in ("副高", "正高")] + ["高级"]
            connection.execute(rule_set.update().where(rule_set.c.id == row_id).values(title_levels=kept))
    connection.execute(rule_set.update().where(rule_set.c.name == COUNTY_RULES).values(unit_levels=["一级", "乡镇"]))
    with op.batch_alter_table("credit_record") as batch:
        batch.drop_column("issuer_name")
        batch.drop_column("deems_years")
    with op.batch_alter_table("credit_year") as batch:
        batch.drop_column("hourless_credits")
    with op.batch_alter_table("rule_set") as batch:
        batch.drop_column("hourless_hours_per_credit")
        batch.drop_column("unit_types")
        batch.drop_column("unit_tiers")
    with op.batch_alter_table("person_history") as batch:
        batch.drop_index("ix_person_history_person_year")
        batch.drop_column("reason")
        batch.drop_column("changed_by")
        batch.drop_column("unit_type")
        batch.drop_column("unit_grade")
        batch.drop_column("unit_tier")
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("type")
        batch.drop_column("tier")
