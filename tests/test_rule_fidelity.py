"""Rule fidelity, one row per rule edge: each row names the rule text it follows, builds a
person's years through the real services (entry, review, history) and states the verdict an
administrator checking the rules line by line must find. Runs on SQLite and, with
PORTAL_TEST_DATABASE_URL, on PostgreSQL."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask_appbuilder.security.sqla.models import User

from portal.accounts import services as accounts
from portal.accounts.actor import actor_for
from portal.compliance import services
from portal.extensions import db
from portal.models import Person, clock
from portal.people import services as people
from portal.standards import services as standards
from tests.helpers import PASSWORD, Made, TestUsers, approved_record, save_rule_set

FREE = "非向导录入"
COUNTY = "过渡期县级及以下医疗卫生机构学分标准(2019—2024年)"
TRANSITIONAL = "过渡期继续医学教育学分标准(2019—2024年)"
NATIONAL_2006 = "2006年全国继续医学教育学分标准"


class Year:
    """A person's years, built through the real workflow and judged."""

    def __init__(self, app, users: TestUsers, person: Made):
        self.app, self.users, self.person = app, users, person

    def free(self, day: dt.date, credits: str, hours: str = "0", level: str = "city") -> int:
        return approved_record(self.app, self.person.id, FREE, day, {"credits": credits, "hours": hours},
                               credit_level=level)

    def verdict(self, year: int):
        with self.app.test_request_context():
            return services.person_year(db.session.get(Person, self.person.id), year)

    def unit_list(self, year: int, unit_id: int) -> dict[str, Any]:
        with self.app.test_request_context():
            return {a.name: (a.unit_name, a.verdict.compliant) for a in services.results(year, [unit_id])}

    def move(self, unit_id: int, **fields) -> None:
        """Today's move or promotion, as the provincial admin saves it on the profile."""
        with self.app.test_request_context():
            admin = actor_for(accounts.find_user("padmin"))
            people.update(admin, db.session.get(Person, self.person.id), {"unit_id": unit_id, **fields})


def summary(v) -> dict[str, Any]:
    return {"rule_set": v.rule_set.name if v.rule_set else None, "compliant": v.compliant,
            "credits": v.credits, "shortfalls": {s.requirement: s.missing for s in v.shortfalls}}


@dataclass(frozen=True)
class Edge:
    id: str
    rule: str  # the rule text the row follows
    run: Callable[[Any, TestUsers], Any]
    expected: Any


# --- 1. each year judged as it was --------------------------------------------------------

def _district_hospital(app, users):
    """A 二级 district hospital is a county-tier unit."""
    hospital = users.unit("330281", "宁波市鄞州区人民医院", level="二级", tier="县区")
    year = Year(app, users, users.person(hospital, self_entry=True))
    year.free(dt.date(2022, 6, 1), "20")
    return summary(year.verdict(2022))


def _city_hospital_same_grade(app, users):
    hospital = users.unit("330282", "宁波市第六医院", level="二级", tier="市")
    year = Year(app, users, users.person(hospital, self_entry=True))
    year.free(dt.date(2022, 6, 1), "20")
    return summary(year.verdict(2022))


def _moved_person_keeps_past_years(app, users):
    """Township health centre since 2021, moved today to a city 三级 hospital."""
    township = users.unit("330291", "鄞州区姜山镇卫生院", level="乡镇", tier="乡镇街道", type="卫生院")
    city = users.unit("330201", "宁波市第二医院", level="三级", tier="市")
    made = users.person(township, self_entry=True, name="周移")
    users.since(made, 2021)
    year = Year(app, users, made)
    year.free(dt.date(2022, 6, 1), "20")
    before = (summary(year.verdict(2022)), year.unit_list(2022, township), year.unit_list(2022, city))
    year.move(city, title="主治医师", title_level="中级")
    after = (summary(year.verdict(2022)), year.unit_list(2022, township), year.unit_list(2022, city))
    assert after == before
    this_year = year.verdict(clock.now().year)
    return after[0]["rule_set"], after[1], after[2], this_year.rule_set.name


def _corrected_year_changes_that_year_only(app, users):
    """The provincial admin corrects 2022: the person was at the city hospital that year."""
    township = users.unit("330291", "鄞州区姜山镇卫生院", level="乡镇", tier="乡镇街道", type="卫生院")
    city = users.unit("330201", "宁波市第二医院", level="三级", tier="市")
    made = users.person(township, self_entry=True, name="吴正")
    users.since(made, 2021)
    year = Year(app, users, made)
    year.free(dt.date(2022, 6, 1), "20")
    year.free(dt.date(2023, 6, 1), "20")
    with app.test_request_context():
        person = db.session.get(Person, made.id)
        people.correct_year(actor_for(accounts.find_user("padmin")), person, 2022,
                            {"unit_id": city, "title": "医师", "title_level": "初级", "status": "正常",
                             "reason": "2022年借调市二院，据人事档案更正"})
        trail = [(h.year, h.unit.name, h.author.username if h.author else "", h.reason) for h in person.history
                 if h.reason]
    return (summary(year.verdict(2021))["rule_set"], summary(year.verdict(2022))["rule_set"],
            summary(year.verdict(2023))["rule_set"], trail)


def _first_year_grade_three_learner(app, users):
    """Joined a 三级 hospital in 2015: the 5-year national requirement is a cycle in progress."""
    hospital = users.unit("330101", level="三级", tier="市")
    made = users.person(hospital, self_entry=True)
    users.since(made, 2015)
    year = Year(app, users, made)
    year.free(dt.date(2015, 3, 1), "5", level="provincial")
    year.free(dt.date(2015, 6, 1), "20")
    v = year.verdict(2015)
    return summary(v)["compliant"], [(p.have, p.need, p.years_under, p.years, p.judged) for p in v.multi_year]


def _grade_three_learner_after_five_years(app, users):
    hospital = users.unit("330101", level="三级", tier="市")
    made = users.person(hospital, self_entry=True)
    users.since(made, 2011)
    year = Year(app, users, made)
    year.free(dt.date(2013, 3, 1), "8", level="national")
    year.free(dt.date(2015, 3, 1), "5", level="provincial")
    year.free(dt.date(2015, 6, 1), "20")
    v = year.verdict(2015)
    return summary(v)["shortfalls"], [(p.have, p.years_under, p.judged) for p in v.multi_year]


def _rule_set_for_a_unit_type(app, users):
    """A rule set for 疾控 staff only picks them and nobody else."""
    save_rule_set(app, users.province_admin("cdc-admin"), "疾控人员标准(测试)", dict(
        description="", valid_from=2030, valid_to=2030, title_levels=["副高", "正高"], unit_levels=[], unit_tiers=[],
        unit_types=["疾控"], priority=5, min_credits=Decimal(30), caps=[], multi_year=[], deeming_categories=[]))
    cdc = users.unit("330190", "杭州市疾病预防控制中心", level="其他", tier="市", type="疾控")
    hospital = users.unit("330101", level="三级", tier="市")
    chosen = []
    for unit, level in ((cdc, "副高"), (cdc, "中级"), (hospital, "正高")):
        chosen.append(Year(app, users, users.person(unit, title_level=level)).verdict(2030).rule_set.name)
    return chosen


# --- 2. caps and deeming by what a record is ---------------------------------------------------

AID_LONG = "援助西部、农村、海岛、援外等医疗活动6个月及以上"
TRAINING_LONG = "经单位批准,到外单位进修(含出国培训)6个月及以上"


def _free_form_unit_activities_capped(app, users):
    """15 credits of unit activities entered on the free form count 10, as through the wizard."""
    year = Year(app, users, users.person(users.unit("330102", level="二级"), self_entry=True))
    year.free(dt.date(2016, 3, 1), "5", level="national")
    year.free(dt.date(2016, 4, 1), "15", level="unit_activity")
    year.free(dt.date(2016, 5, 1), "10", level="city")
    v = year.verdict(2016)
    return ([(c.entered, c.cap, c.counted, "非向导录入" in c.label) for c in v.caps], v.entered, v.credits, v.compliant,
            v.nodes["unit_activity"][0])


def _free_form_and_wizard_share_the_cap(app, users):
    year = Year(app, users, users.person(users.unit("330102", level="二级"), self_entry=True))
    for month in (1, 2, 3):
        approved_record(app, year.person.id, "单位组织的学术活动", dt.date(2016, month, 5), {"role": "lecturer"})
    year.free(dt.date(2016, 4, 1), "6", level="unit_activity")
    v = year.verdict(2016)
    return [(c.entered, c.counted) for c in v.caps], v.nodes["unit_activity"][0]


def _stay(app, users, category, day, months, years, unit_code="330102"):
    year = Year(app, users, users.person(users.unit(unit_code, level="二级"), self_entry=True))
    record = approved_record(app, year.person.id, category, day, {}, wizard_rule=str(months))
    return [(y, year.verdict(y).deemed_by == record, year.verdict(y).compliant) for y in years]


def _aid_24_months_from_march(app, users):
    return _stay(app, users, AID_LONG, dt.date(2023, 3, 1), 24, (2023, 2024, 2025))


def _training_6_months_from_september(app, users):
    return _stay(app, users, TRAINING_LONG, dt.date(2023, 9, 1), 6, (2023, 2024))


def _training_6_months_from_september_each_year_reading(app, users):
    """The other reading is one parameter of the category away: 仅当年满6个月的年度."""
    from sqlalchemy import select

    from portal.models import CreditCategory

    with app.app_context():
        category = db.session.scalar(select(CreditCategory).where(CreditCategory.name == TRAINING_LONG))
        saved = dict(category.params)
        category.params = {**saved, "deeming": "each_year"}
        db.session.commit()
    try:
        return _stay(app, users, TRAINING_LONG, dt.date(2023, 9, 1), 6, (2023, 2024))
    finally:
        with app.app_context():
            db.session.scalar(select(CreditCategory).where(CreditCategory.name == TRAINING_LONG)).params = saved
            db.session.commit()


def _browse_states_the_deeming_reading(app, users):
    from portal.compliance.rules import describe
    from portal.models import RuleSet

    with app.test_request_context():
        lines = describe(db.session.query(RuleSet).filter_by(name=TRANSITIONAL).one(), services.context())
    deeming = next(line for line in lines if AID_LONG in line)
    return "3月起24个月视为两个年度达标" in deeming, "9月起6个月视为次年达标" in deeming


# --- 4. hours in the 2024 rules ----------------------------------------------------------------

NATIONAL_2024 = "2024年全国继续医学教育学分标准"


def _papers_only_2024(app, users, hours_per_credit=None):
    if hours_per_credit is not None:
        # A version effective from the 2025 credit year. 2025 has closed, so it is pinned to the
        # version it was judged with first: re-judging it is what applies the new reading to it.
        admin = users.province_admin("hours-admin")
        save_rule_set(app, admin, NATIONAL_2024, {"hourless_hours_per_credit": hours_per_credit}, dt.date(2025, 1, 1))
        with app.test_request_context():
            standards.rejudge(2025, actor_for(db.session.get(User, admin.id)))
    year = Year(app, users, users.person(users.unit("330102", level="二级"), self_entry=True))
    for day, rule in ((dt.date(2025, 3, 1), "外国期刊:1"), (dt.date(2025, 5, 1), "外国期刊:1"),
                      (dt.date(2025, 7, 1), "省级期刊:1")):
        approved_record(app, year.person.id, "发表论文和综述", day, {}, wizard_rule=rule)
    v = year.verdict(2025)
    with app.test_request_context():
        messages = [s.message for s in v.shortfalls]
    return (v.credits, v.hours, v.hours_from_credits, v.compliant), messages


def _papers_only_2024_published_reading(app, users):
    return _papers_only_2024(app, users)


def _papers_only_2024_hours_per_credit(app, users):
    return _papers_only_2024(app, users, Decimal("3.6"))


def _browse_states_the_hours_reading(app, users):
    from portal.compliance.rules import describe
    from portal.models import RuleSet

    with app.test_request_context():
        lines = describe(db.session.query(RuleSet).filter_by(name=NATIONAL_2024).one(), services.context())
    return [line for line in lines if "学时" in line]


# --- 5. categories as in the manual ----------------------------------------------------------

def _tree(app, person_id, year):
    with app.test_request_context():
        verdict = services.person_year(db.session.get(Person, person_id), year)
        tree = services.tree_json(services.summary_tree(verdict, services.context()))
    return verdict, {child["name"]: child for child in tree["children"]}


def _degree_study_deems_the_year(app, users):
    year = Year(app, users, users.person(users.unit("330102", level="二级"), self_entry=True))
    record = approved_record(app, year.person.id, "在职学历教育", dt.date(2023, 9, 1), {}, wizard_rule="硕士研究生")
    v = year.verdict(2023)
    return v.deemed_by == record, v.compliant, v.credits, year.verdict(2024).compliant


def _four_new_and_standardized_training_in_the_tree(app, users):
    year = Year(app, users, users.person(users.unit("330102", level="二级"), self_entry=True))
    approved_record(app, year.person.id, "四新教育(新理论、新知识、新技术、新方法)", dt.date(2023, 3, 1),
                    {"credits": "4", "hours": "12"}, credit_level="city")
    approved_record(app, year.person.id, "初级卫技人员新、老模式规范化培训或岗位培训学分", dt.date(2023, 6, 1), {},
                    wizard_rule="住院医师规范化培训")
    _, roots = _tree(app, year.person.id, 2023)
    class_2 = {child["name"]: child["credits"] for child in roots["II类学分"]["children"]}
    return (roots["II类学分"]["credits"], class_2["四新教育"], class_2["国家/省继教委员会指定并统一考核的学习项目"],
            "国家/省继教委员会指定并统一考核的学习项目" in roots)


def _training_of_any_length(app, users):
    short = _stay(app, users, "经单位批准,到外单位进修(含出国培训)", dt.date(2023, 3, 1), 3, (2023,))
    long = _stay(app, users, "经单位批准,到外单位进修(含出国培训)", dt.date(2023, 3, 1), 8, (2023,), "330103")
    return short, long


# --- 6. scoring edges ------------------------------------------------------------------------

def _characters_truncate(app, users):
    year = Year(app, users, users.person(users.unit("330102", level="二级"), self_entry=True))
    credits = []
    for characters in (1999, 2000, 3999):
        record = approved_record(app, year.person.id, "自学综述", dt.date(2016, 3, 1), {"characters": characters},
                                 wizard_rule="characters")
        with app.app_context():
            from portal.models import CreditRecord

            credits.append(db.session.get(CreditRecord, record).credits)
    return credits


def _rank_contradicting_the_choice(app, users):
    """The wizard's choice 外国期刊, 第一作者 sent with author rank 3: refused, naming both; nothing stored."""
    from tests.test_credit_api import World, category_id, free_form

    world = World(app, users)
    paper = category_id(app, "发表论文和综述")
    fields = {**free_form(world.unit), "journal_level": "外国期刊", "author_rank": 3}
    answer = world["learner"].post("/api/v1/credits/", json={"category_id": paper, "wizard_choice": "外国期刊:1",
                                                              "fields": fields})
    agreeing = world["learner"].post("/api/v1/credits/", json={
        "category_id": paper, "wizard_choice": "外国期刊:1", "fields": {**fields, "author_rank": 1}})
    return answer.status_code, sorted(answer.json["message"]), "作者排名“3”" in answer.json["message"]["author_rank"][0], \
        agreeing.status_code, agreeing.json["result"]["credits"]


def _ranks_beyond_the_table(app, users):
    """发表论文：省级期刊第1、2、3作者5、4、3学分，余类推：第4作者2分、第5作者1分，第6作者无学分。"""
    from portal.models import CreditRecord
    from tests.test_credit_api import World, category_id, free_form

    year = Year(app, users, users.person(users.unit("330109", level="二级"), self_entry=True))
    fourth = approved_record(app, year.person.id, "发表论文和综述", dt.date(2016, 3, 1), {}, wizard_rule="省级期刊:4")
    with app.app_context():
        credits = db.session.get(CreditRecord, fourth).credits
    world = World(app, users)
    sixth = world["learner"].post("/api/v1/credits/", json={
        "category_id": category_id(app, "发表论文和综述"), "wizard_choice": "省级期刊:6", "fields": free_form(world.unit)})
    return credits, sixth.status_code


def _free_form_beyond_its_level_and_hours(app, users):
    """A provincial project of 6 hours entered with 5 credits: kept as entered, with a note for the reviewer."""
    from portal.models import CreditRecord

    year = Year(app, users, users.person(users.unit("330102", level="二级"), self_entry=True))
    beyond = year.free(dt.date(2016, 3, 1), "5", hours="6", level="provincial")
    within = year.free(dt.date(2016, 4, 1), "1", hours="6", level="provincial")
    with app.app_context():
        first, second = db.session.get(CreditRecord, beyond), db.session.get(CreditRecord, within)
        return first.credits, "允许 1.00 学分" in first.score_note, second.score_note


EDGES = [
    Edge("district-hospital-is-county", "过渡期：县级及以下医疗卫生机构人员每年不少于20学分（县级是行政层级，二级区医院属县级）",
         _district_hospital, {"rule_set": COUNTY, "compliant": True, "credits": Decimal("20.00"), "shortfalls": {}}),
    Edge("city-hospital-of-the-same-grade", "过渡期：每年不少于25学分（市级单位，不论医院等级）", _city_hospital_same_grade,
         {"rule_set": TRANSITIONAL, "compliant": False, "credits": Decimal("20.00"),
          "shortfalls": {"total": Decimal("5.00"), "class_1": Decimal("2.50")}}),
    Edge("move-keeps-past-years", "每个年度按当年的单位和职称判定：调动只影响此后的年度", _moved_person_keeps_past_years,
         (COUNTY, {"周移": ("鄞州区姜山镇卫生院", True)}, {}, "2024年全国继续医学教育学分标准")),
    Edge("admin-corrects-one-year", "省级管理员可更正某一年度的人员状态（留痕）", _corrected_year_changes_that_year_only,
         (COUNTY, TRANSITIONAL, COUNTY,
          [(2023, "鄞州区姜山镇卫生院", "padmin", "更正2022年度后保持原状态"),
           (2022, "宁波市第二医院", "padmin", "2022年借调市二院，据人事档案更正"),
           (2022, "鄞州区姜山镇卫生院", "padmin", "更正2021年度后保持原状态"),
           (2021, "鄞州区姜山镇卫生院", "padmin", "入职档案")])),
    Edge("first-year-grade-three-cycle", "2006：三级医院人员5年内须获得国家级项目10学分（周期：未满5年显示进度，不判不达标）",
         _first_year_grade_three_learner, (True, [(Decimal("0.00"), Decimal("10.00"), 1, 5, False)])),
    Edge("grade-three-cycle-complete", "2006：三级医院人员5年内须获得国家级项目10学分（满5年后判定）",
         _grade_three_learner_after_five_years, ({"multi_year": Decimal("2.00")}, [(Decimal("8.00"), 5, True)])),
    Edge("rule-set-by-unit-type-and-title", "达标标准可按单位类型和职称级别（副高、正高）选择适用人群",
         _rule_set_for_a_unit_type, ["疾控人员标准(测试)", "2024年全国继续医学教育学分标准", "2024年全国继续医学教育学分标准"]),
    Edge("free-form-unit-activities-capped", "单位、科室组织的学术活动（含病例讨论会）每年最多计10学分，不论是否向导录入",
         _free_form_unit_activities_capped,
         ([(Decimal("15.00"), Decimal("10.00"), Decimal("10.00"), True)], Decimal("30.00"), Decimal("25.00"), True,
          Decimal("10.00"))),
    Edge("free-form-and-wizard-share-the-cap", "单位、科室组织的学术活动每年最多10学分：向导记录与非向导记录合计",
         _free_form_and_wizard_share_the_cap, ([(Decimal("12.00"), Decimal("10.00"))], Decimal("10.00"))),
    Edge("aid-24-months-from-march", "援助西部等医疗活动6个月及以上视为达标：3月起24个月，2023、2024两个年度各满6个月",
         _aid_24_months_from_march, [(2023, True, True), (2024, True, True), (2025, False, False)]),
    Edge("training-6-months-from-september", "进修6个月及以上视为达标：9月起6个月，累计满6个月的2024年度视为达标",
         _training_6_months_from_september, [(2023, False, False), (2024, True, True)]),
    Edge("training-6-months-each-year-reading", "另一种读法（仅当年满6个月的年度视为达标）：9月起6个月不使任何年度达标",
         _training_6_months_from_september_each_year_reading, [(2023, False, False), (2024, False, False)]),
    Edge("browse-states-the-deeming-reading", "达标标准浏览写明期间记录视为哪些年度达标",
         _browse_states_the_deeming_reading, (True, True)),
    Edge("2024-papers-only-published-reading", "2024：每年25学分（不少于90学时）；默认读法：学时单独要求，无学时的论文不计学时",
         _papers_only_2024_published_reading,
         ((Decimal("25.00"), Decimal("0.0"), Decimal("0.0"), False), ["学时还差 90.0 学时（未载明学时的记录不计学时）"])),
    Edge("2024-papers-only-hours-per-credit", "2024：另一种读法（改一个字段）：未载明学时的记录每学分按3.6学时（90÷25）计",
         _papers_only_2024_hours_per_credit, ((Decimal("25.00"), Decimal("0.0"), Decimal("90.0"), True), [])),
    Edge("2024-browse-states-the-hours-reading", "达标标准浏览用中文写明学时是否单独要求及无学时记录如何计",
         _browse_states_the_hours_reading,
         ["每年至少 90.0 学时。 学时单独要求：未载明学时的记录（论文、科研、著作、进修等）不计学时，无论其学分多少。"]),
    Edge("degree-study-deems-the-year-of-study", "在职学历教育计当年学分，学习年度视为达标", _degree_study_deems_the_year,
         (True, True, Decimal("25.00"), False)),
    Edge("four-new-and-standardized-training-in-the-tree", "各类学分汇总：四新教育有其类别；规培学分计入II类学分节点",
         _four_new_and_standardized_training_in_the_tree, ("29.00", "4.00", "25.00", False)),
    Edge("training-of-any-length", "经单位批准,到外单位进修(含出国培训)：按月计学分，满6个月视为达标",
         _training_of_any_length, ([(2023, False, False)], [(2023, True, True)])),
    Edge("free-form-beyond-its-level-and-hours", "省级项目6学时计1学分、每项最多10学分：非向导录入超出时照录并提示审核人",
         _free_form_beyond_its_level_and_hours, (Decimal("5.00"), True, "")),
    Edge("ranks-beyond-the-table", "发表论文：第1~3作者按表计分，其余作者“余类推”（每名少1分，至0分为止）",
         _ranks_beyond_the_table, (Decimal("2.00"), 400)),
    Edge("characters-truncate", "自学综述：2000字计1学分（不足的部分按整百分位截断，不进位）", _characters_truncate,
         [Decimal("0.99"), Decimal("1.00"), Decimal("1.99")]),
    Edge("rank-contradicting-the-choice", "向导：所选具体规定（外国期刊第一作者）与所报作者排序矛盾时拒收并指明字段",
         _rank_contradicting_the_choice, (400, ["author_rank"], True, 201, "10.00")),
]


@pytest.mark.parametrize("edge", EDGES, ids=[e.id for e in EDGES])
def test_rule_edge(app, users, restore_rule_sets, edge):
    users.province_admin()
    assert edge.run(app, users) == edge.expected, edge.rule


def test_only_the_provincial_admin_corrects_a_year(app, users):
    """A unit admin (of the person's own unit) sends the correction the provincial admin may send:
    refused, and the history is unchanged; the provincial admin's goes through with their name."""
    from portal.models import PersonHistory
    from tests.helpers import api_token

    users.province_admin()
    unit = users.unit("330101", level="三级")
    admin = users.person(unit, role="unit_admin", name="单位管理员")
    learner = users.person(unit, name="李学员")
    body = {"unit_id": unit, "title": "主任医师", "title_level": "正高", "status": "正常", "reason": "改高职称"}
    client = app.test_client()

    def rows():
        with app.app_context():
            return db.session.query(PersonHistory).filter_by(person_id=learner.id).count()

    before = rows()
    headers = {"Authorization": f"Bearer {api_token(client, admin.username, admin.password)}"}
    assert client.put(f"/api/v1/people/{learner.id}/years/2022", headers=headers, json=body).status_code == 403
    assert rows() == before
    headers = {"Authorization": f"Bearer {api_token(client, 'padmin', PASSWORD)}"}
    refused = client.put(f"/api/v1/people/{learner.id}/years/{clock.now().year}", headers=headers, json=body)
    assert refused.status_code == 400 and "只能更正以往年度" in refused.json["message"]["year"][0]
    no_reason = client.put(f"/api/v1/people/{learner.id}/years/2022", headers=headers, json={**body, "reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json["message"]
    done = client.put(f"/api/v1/people/{learner.id}/years/2022", headers=headers, json=body)
    assert done.status_code == 200
    corrected = next(h for h in done.json["result"]["history"] if h["year"] == 2022 and h["reason"] == "改高职称")
    assert (corrected["title_level"], corrected["changed_by"], corrected["unit_grade"]) == ("正高", "padmin", "三级")


def test_migration_fills_history_and_unit_fields_on_the_demo_province(app, restore_rule_sets):
    """The demo province loaded, taken back to before 0015 and brought forward: tiers and types
    from the tree and the names, 高级 split by title, history dated from the first record, and
    the yearly summary still matching the records."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from portal.demo import load_demo_data
    from portal.models import PersonHistory, Unit

    migrations = app.extensions["migrate"].directory
    with app.app_context():
        load_demo_data(seed=7)
        db.session.commit()
        db.session.remove()
        downgrade(directory=migrations, revision="0011")
        db.session.remove()
        upgrade(directory=migrations)
        db.session.remove()
        units = {u.name: (u.tier, u.level, u.type) for u in db.session.scalars(select(Unit))}
        assert units["宁波市鄞州区人民医院"] == ("县区", "二级", "医院")
        assert units["杭州市西湖区社区卫生服务中心"] == ("乡镇街道", "乡镇", "社区卫生服务中心")
        assert units["杭州市第一人民医院"] == ("市", "三级", "医院")
        assert units["宁波市"] == ("市", None, "卫生行政部门")
        levels = {(p.title, p.title_level) for p in db.session.scalars(select(Person))}
        assert ("主任医师", "正高") in levels or ("副主任医师", "副高") in levels
        assert not any(level == "高级" for _, level in levels)
        assert all(level == ("正高" if title == "主任医师" else "副高") for title, level in levels
                   if title in ("主任医师", "副主任医师", "副主任护师"))
        history = db.session.scalars(select(PersonHistory)).all()
        assert history and all(h.unit_tier and h.unit_type for h in history)
        first = {}
        for h in history:
            first[h.person_id] = min(first.get(h.person_id, 9999), h.year)
        with_records = {p.id for p in db.session.scalars(select(Person)) if p.out_of_province is False}
        assert {first[p] for p in with_records} <= {2025, clock.now().year}
        county = db.session.scalar(select(Unit.id).where(Unit.name == "宁波市鄞州区人民医院"))
        staff = db.session.scalar(select(Person).where(Person.unit_id == county, Person.out_of_province.is_(False)))
        with app.test_request_context():
            assert services.person_year(staff, 2024).rule_set.name == COUNTY
        db.session.remove()
    assert "matches the records" in app.test_cli_runner().invoke(args=["portal", "compliance-check"]).output


def test_the_issuing_body_may_be_named_and_the_certificate_names_it_as_entered(app, users):
    """发证机构 outside the province: typed on the API (as the free form and the wizard post it);
    neither a unit nor a name, or both, is refused; the certificate and figure 8 name it as typed."""
    from portal.certificates.statement import statement
    from portal.models import CreditRecord
    from tests.test_credit_api import World, category_id, free_form

    world = World(app, users)
    free = category_id(app, FREE)
    post = world["learner"].post
    named = post("/api/v1/credits/", json={"category_id": free, "fields": free_form(None, issuer_name="中华医学会")})
    assert named.status_code == 201, named.get_data(as_text=True)
    neither = post("/api/v1/credits/", json={"category_id": free, "fields": free_form(None)})
    both = post("/api/v1/credits/", json={"category_id": free, "fields": free_form(world.unit, issuer_name="中华医学会")})
    assert (neither.status_code, both.status_code) == (400, 400)
    assert "请选择发证机构，或填写其名称" in neither.json["message"]["issuing_unit_id"][0]
    assert "二者选其一" in both.json["message"]["issuing_unit_id"][0]
    with app.test_request_context():
        record = db.session.get(CreditRecord, named.json["result"]["id"])
        assert record.issuer == "中华医学会"
        assert statement(record, "2026-TEST", "token", dt.date(2026, 1, 5))["organiser"] == "中华医学会"


def test_a_regraded_unit_changes_its_staffs_years_from_now_on(app, users, restore_rule_sets):
    """The province regrades a 二级 district hospital to a city-tier 三级 one through the API: its
    staff stand in the regraded unit from this year; their 2022 is still judged as county-tier."""
    from tests.helpers import api_token

    users.province_admin()
    hospital = users.unit("330281", "宁波市鄞州区人民医院", level="二级", tier="县区")
    year = Year(app, users, users.person(hospital, self_entry=True))
    users.since(year.person, 2021)
    year.free(dt.date(2022, 6, 1), "20")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client, 'padmin', PASSWORD)}"}
    changed = client.put(f"/api/v1/units/{hospital}", headers=headers, json={"level": "三级", "tier": "市"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert year.verdict(2022).rule_set.name == COUNTY
    with app.test_request_context():
        from portal.people import standing

        now = standing.history(db.session.get(Person, year.person.id)).at(clock.now().year)
    assert (now.grade, now.tier) == ("三级", "市")
