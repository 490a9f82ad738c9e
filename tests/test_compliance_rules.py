"""A learner's year built record by record and judged under each shipped rule set: totals,
class split, caps, interchange, multi-year rules, deemed compliance, corrections, and the
records that must not count."""
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from portal.accounts.actor import actor_for
from portal.compliance import services, summaries
from portal.credits import services as credits
from portal.extensions import db
from portal.models import CreditRecord, CreditYear, CreditYearBucket, EvidenceFile, Person
from portal.review import services as review
from tests.helpers import approved_record

FREE = "非向导录入"


@pytest.fixture
def learner(app, users):
    """A learner of a 二级 hospital (no multi-year requirement) with a provincial admin to review."""
    users.province_admin()
    return users.person(users.unit("330101", level="二级"), self_entry=True)


def add(app, person, day, credits, hours="0", level="city", category=FREE, **fields):
    values = {"credits": credits, "hours": hours} if category == FREE else fields
    return approved_record(app, person.id, category, day, values, credit_level=level)


def submitted_correction(person, original_id, day, level, credits_):
    """A correction of the approved record ``original_id`` to this date, level and credits, with
    its evidence, submitted by the learner (inside a request context)."""
    me = actor_for(person.user)
    correction = credits.correct(me, db.session.get(CreditRecord, original_id))
    credits.update(me, correction, correction.version, correction.category, {"activity_date": day, "credit_level": level},
                   {"credits": credits_, "hours": "0"})
    db.session.add(EvidenceFile(record_id=correction.id, record_year=correction.credit_year, person_id=person.id,
                                stored_name=f"c{correction.id:030d}", original_name="a.jpg", media_type="image/jpeg",
                                size=1, sha256="0" * 64))
    db.session.commit()
    credits.submit(me, [correction])
    return correction


def verdict(app, person, year):
    with app.test_request_context():
        return services.person_year(db.session.get(Person, person.id), year)


def shortfalls(v):
    return {s.requirement: s.missing for s in v.shortfalls}


# --- 2006 national rules (years up to 2018): 25 a year, I类 5–10, II类 ≥ 15, no interchange ----

def test_2006_exactly_at_the_minimum_is_compliant(app, learner):
    add(app, learner, dt.date(2015, 3, 1), "5", level="national")
    add(app, learner, dt.date(2015, 6, 1), "20")
    v = verdict(app, learner, 2015)
    assert v.rule_set.name == "2006年全国继续医学教育学分标准"
    assert (v.compliant, v.credits, v.class_1, v.class_2, v.records) == (True, Decimal("25.00"), Decimal("5.00"),
                                                                          Decimal("20.00"), 2)
    assert v.shortfalls == []


def test_2006_class_1_beyond_its_maximum_does_not_count(app, learner):
    add(app, learner, dt.date(2015, 3, 1), "12", level="national")
    add(app, learner, dt.date(2015, 6, 1), "13")
    v = verdict(app, learner, 2015)
    assert (v.class_1, v.class_1_excess, v.credits) == (Decimal("12.00"), Decimal("2.00"), Decimal("23.00"))
    assert v.compliant is False
    assert shortfalls(v) == {"total": Decimal("2.00"), "class_2": Decimal("2.00")}


def test_2006_classes_cannot_stand_in_for_each_other(app, learner):
    add(app, learner, dt.date(2015, 6, 1), "25")
    v = verdict(app, learner, 2015)
    assert v.credits == Decimal("25.00") and v.compliant is False
    assert shortfalls(v) == {"class_1": Decimal("5.00")}
    with app.test_request_context():
        assert [s.message for s in v.shortfalls] == ["I类学分还差 5.00 分"]


def test_a_year_with_no_records_misses_everything(app, learner):
    v = verdict(app, learner, 2016)
    assert (v.compliant, v.records, v.credits) == (False, 0, Decimal("0.00"))
    assert shortfalls(v) == {"total": Decimal("25.00"), "class_1": Decimal("5.00"), "class_2": Decimal("15.00")}


def test_only_approved_records_count(app, learner, users):
    add(app, learner, dt.date(2015, 3, 1), "5", level="national")
    add(app, learner, dt.date(2015, 6, 1), "20")
    with app.test_request_context():
        person = db.session.get(Person, learner.id)
        me = actor_for(person.user)
        admin = actor_for(app.appbuilder.sm.find_user("padmin"))
        common = {"activity_name": "未通过", "activity_date": dt.date(2015, 7, 1), "credit_level": "city"}
        from portal.models import CreditCategory, EvidenceFile
        free = db.session.scalar(select(CreditCategory).where(CreditCategory.name == FREE))
        rejected, waiting, draft = (credits.create(me, free, {**common, "activity_name": f"未通过{n}"},
                                                   {"credits": "5", "hours": "0"}) for n in range(3))
        for record in (rejected, waiting):
            db.session.add(EvidenceFile(record_id=record.id, record_year=record.credit_year,
                                        person_id=person.id, stored_name=f"f{record.id:030d}",
                                        original_name="a.jpg", media_type="image/jpeg", size=1, sha256="0" * 64))
        db.session.commit()
        credits.submit(me, [rejected, waiting])
        review.decide(admin, [rejected], "reject", "证明不清楚")
    v = verdict(app, learner, 2015)
    assert (v.records, v.credits, v.class_2) == (2, Decimal("25.00"), Decimal("20.00"))


def test_multi_year_national_credits_for_staff_of_grade_three_hospitals(app, users):
    users.province_admin()
    person = users.person(users.unit("330102", level="三级"), self_entry=True)
    users.since(person, 2010)
    add(app, person, dt.date(2010, 5, 1), "5", level="national")  # six years back: outside the window
    add(app, person, dt.date(2014, 3, 1), "3", level="national")
    add(app, person, dt.date(2015, 3, 1), "5", level="national")
    add(app, person, dt.date(2015, 6, 1), "20")
    v = verdict(app, person, 2015)
    assert v.compliant is False
    assert shortfalls(v) == {"multi_year": Decimal("2.00")}
    with app.test_request_context():
        assert v.shortfalls[0].message == "近5年国家级继续医学教育项目学分还差 2.00 分"
    add(app, person, dt.date(2011, 5, 1), "2", level="national")
    assert verdict(app, person, 2015).compliant is True


def test_a_cap_cuts_the_records_of_its_group(app, learner):
    """Unit activities and case discussions share a yearly cap of 10."""
    add(app, learner, dt.date(2015, 1, 5), "5", level="national")
    for month in range(1, 6):
        add(app, learner, dt.date(2015, month, 10), None, category="单位组织的学术活动", role="lecturer")
    add(app, learner, dt.date(2015, 7, 1), None, category="病例讨论会、多科室案例讨论会、大查房", role="lecturer")
    add(app, learner, dt.date(2015, 8, 1), "10")
    v = verdict(app, learner, 2015)
    assert v.entered == Decimal("26.00")
    assert [(c.entered, c.cap, c.counted) for c in v.caps] == [(Decimal("11.00"), Decimal("10.00"), Decimal("10.00"))]
    assert "单位组织的学术活动" in v.caps[0].label and "病例讨论会" in v.caps[0].label
    assert (v.class_2, v.credits, v.compliant) == (Decimal("20.00"), Decimal("25.00"), True)
    assert v.nodes["unit_activity"][0] == Decimal("10.00")


def test_a_deeming_record_makes_the_year_compliant(app, learner):
    record_id = add(app, learner, dt.date(2016, 2, 1), None, category="经单位批准,到外单位进修(含出国培训)6个月及以上",
                    months=7)
    v = verdict(app, learner, 2016)
    assert (v.compliant, v.deemed_by, v.shortfalls) == (True, record_id, [])
    # Short training gives credits by the month and deems nothing.
    add(app, learner, dt.date(2017, 2, 1), None, category="经批准到外单位进修未满6个月", months=3)
    v = verdict(app, learner, 2017)
    assert (v.compliant, v.deemed_by, v.credits) == (False, None, Decimal("15.00"))


def test_an_approved_correction_replaces_the_record_it_corrects(app, learner):
    original = add(app, learner, dt.date(2015, 6, 1), "20")
    add(app, learner, dt.date(2015, 3, 1), "5", level="national")
    with app.test_request_context():
        person = db.session.get(Person, learner.id)
        correction = submitted_correction(person, original, dt.date(2015, 6, 1), "city", "16")
        assert services.person_year(person, 2015).credits == Decimal("25.00")  # waiting: the original still counts
        review.decide(actor_for(app.appbuilder.sm.find_user("padmin")), [correction], "approve")
    v = verdict(app, learner, 2015)
    assert (v.records, v.class_2, v.credits) == (2, Decimal("16.00"), Decimal("21.00"))


# --- transitional rules (2019–2024): 50 % interchange; 20 credits for county-level units -----

def test_transitional_interchange_down_to_half_of_each_minimum(app, learner):
    add(app, learner, dt.date(2020, 3, 1), "2.5", level="provincial")
    add(app, learner, dt.date(2020, 6, 1), "22.5")
    v = verdict(app, learner, 2020)
    assert v.rule_set.name.startswith("过渡期继续医学教育")
    assert v.compliant is True
    add(app, learner, dt.date(2021, 3, 1), "2", level="provincial")
    add(app, learner, dt.date(2021, 6, 1), "23")
    v = verdict(app, learner, 2021)
    assert (v.compliant, shortfalls(v)) == (False, {"class_1": Decimal("0.50")})
    with app.test_request_context():
        assert v.shortfalls[0].message == "I类学分还差 0.50 分"


def test_transitional_county_level_units_need_twenty_without_classes(app, users):
    users.province_admin()
    county = users.person(users.unit("330103", level="乡镇", tier="乡镇街道", type="卫生院"), self_entry=True)
    add(app, county, dt.date(2022, 6, 1), "20")
    v = verdict(app, county, 2022)
    assert v.rule_set.name.startswith("过渡期县级及以下")
    assert (v.compliant, v.shortfalls) == (True, [])


# --- 2024 national rules (2025 on): 25 credits and 90 hours; self-study counts 10 at most -----

def test_2024_needs_ninety_hours(app, learner):
    add(app, learner, dt.date(2025, 3, 1), "25", hours="89")
    v = verdict(app, learner, 2025)
    assert v.rule_set.name == "2024年全国继续医学教育学分标准"
    assert (v.compliant, shortfalls(v)) == (False, {"hours": Decimal("1.0")})
    add(app, learner, dt.date(2025, 4, 1), "0.5", hours="1")
    assert verdict(app, learner, 2025).compliant is True


def test_2024_rule_set_replaces_the_self_study_cap(app, learner):
    add(app, learner, dt.date(2025, 2, 1), None, category="自学综述", characters=30000)  # 15 credits
    add(app, learner, dt.date(2018, 2, 1), None, category="自学综述", characters=30000)
    v = verdict(app, learner, 2025)
    assert [(c.entered, c.counted) for c in v.caps] == [(Decimal("15.00"), Decimal("10.00"))]
    assert verdict(app, learner, 2018).caps[0].counted == Decimal("5.00")  # the category's own cap in 2006 rules


def test_no_rule_set_for_the_year_says_nothing(app, learner):
    add(app, learner, dt.date(1998, 6, 1), "3")
    v = verdict(app, learner, 1998)
    assert (v.rule_set, v.compliant, v.credits) == (None, None, Decimal("3.00"))


# --- the summary itself ----------------------------------------------------------------------

def test_the_summary_matches_the_records_and_drift_is_reported(app, learner):
    add(app, learner, dt.date(2015, 3, 1), "5", level="national")
    add(app, learner, dt.date(2016, 6, 1), "20")
    with app.app_context():
        assert summaries.drift() == []
        db.session.execute(update(CreditYear).where(CreditYear.year == 2016).values(credits=Decimal("19.00")))
        db.session.commit()
        drift = [(year, what.split(",")[0]) for _, year, what in summaries.drift()]
        assert drift == [(2016, "stored 19.00 credits in 1 records")]
        assert summaries.rebuild([2016]) == 1
        db.session.commit()
        assert summaries.drift() == []


def test_an_approval_writes_the_changed_buckets_and_drops_the_emptied_one(app, learner):
    def stored():
        with app.app_context():
            buckets = {(b.credit_class, b.node): (b.records, b.credits) for b in db.session.scalars(
                select(CreditYearBucket).where(CreditYearBucket.person_id == learner.id, CreditYearBucket.year == 2015))}
            return buckets, db.session.get(CreditYear, (learner.id, 2015)).credits

    national = add(app, learner, dt.date(2015, 3, 1), "5", level="national")
    add(app, learner, dt.date(2015, 6, 1), "20")
    assert stored() == ({("I", "national"): (1, Decimal("5.00")), ("II", "city"): (1, Decimal("20.00"))}, Decimal("25.00"))
    # A correction moves the national record to the city level: approving it empties the
    # national bucket (removed), fills the city one further (changed) and changes the year's total.
    with app.test_request_context():
        correction = submitted_correction(db.session.get(Person, learner.id), national, dt.date(2015, 3, 1), "city", "6")
        review.decide(actor_for(app.appbuilder.sm.find_user("padmin")), [correction], "approve")
    assert stored() == ({("II", "city"): (2, Decimal("26.00"))}, Decimal("26.00"))
    with app.app_context():
        assert summaries.drift() == []


def test_an_approval_deeming_a_later_year_keeps_that_years_other_credits(app, learner):
    """Approving a stay of 24 months from March 2016 deems 2016 and 2017: 2017 gets the stay's
    (empty) bucket with the deeming record, and keeps its own credits, total and buckets."""
    add(app, learner, dt.date(2017, 5, 1), "20")
    add(app, learner, dt.date(2017, 6, 1), "5", level="national")
    stay = add(app, learner, dt.date(2016, 3, 1), None, category="经单位批准,到外单位进修(含出国培训)6个月及以上",
               months=24)
    later = verdict(app, learner, 2017)
    assert (later.deemed_by, later.compliant, later.credits, later.records) == (stay, True, Decimal("25.00"), 2)
    assert verdict(app, learner, 2016).deemed_by == stay
    with app.app_context():
        assert summaries.drift() == []
        kept = {(b.credit_class, b.node): b.credits for b in db.session.scalars(
            select(CreditYearBucket).where(CreditYearBucket.person_id == learner.id, CreditYearBucket.year == 2017))
            if b.deeming_record_id is None}
        assert kept == {("II", "city"): Decimal("20.00"), ("I", "national"): Decimal("5.00")}


def test_unit_results_judge_everyone_from_the_summary(app, users):
    users.province_admin()
    unit = users.unit("330104", level="二级")
    done, short = users.person(unit, self_entry=True, name="甲"), users.person(unit, self_entry=True, name="乙")
    add(app, done, dt.date(2025, 3, 1), "25", hours="90")
    add(app, short, dt.date(2025, 3, 1), "20", hours="90")
    with app.test_request_context():
        answers = {a.name: a.verdict for a in services.results(2025, [unit])}
        assert answers["甲"].compliant is True
        assert shortfalls(answers["乙"]) == {"total": Decimal("5.00")}
        assert services.rate(list(services.results(2025, [unit]))) == Decimal("50.0")


def test_concurrent_approvals_of_one_persons_year_both_count(app, learner):
    """Two admins approve two records of the same person-year at the same moment: the summary
    row is written under a lock on the person, so the second sees the first's approval."""
    import threading

    from portal.models import CreditCategory, EvidenceFile

    with app.test_request_context():
        person = db.session.get(Person, learner.id)
        me = actor_for(person.user)
        free = db.session.scalar(select(CreditCategory).where(CreditCategory.name == FREE))
        made = []
        for n, amount in enumerate(("5", "7.5")):
            record = credits.create(me, free, {"activity_name": f"同时审核{n}", "activity_date": dt.date(2025, 4, 1 + n),
                                               "credit_level": "city"}, {"credits": amount, "hours": "1"})
            db.session.add(EvidenceFile(record_id=record.id, record_year=record.credit_year,
                                        person_id=person.id, stored_name=f"t{record.id:030d}",
                                        original_name="a.jpg", media_type="image/jpeg", size=1, sha256="0" * 64))
            db.session.commit()
            credits.submit(me, [record])
            made.append(record.id)
    barrier, errors = threading.Barrier(2), []

    def approve(record_id):
        try:
            with app.test_request_context():
                admin = actor_for(app.appbuilder.sm.find_user("padmin"))
                record = db.session.get(CreditRecord, record_id)
                barrier.wait(timeout=10)
                review.decide(admin, [record], "approve")
                db.session.remove()
        except Exception as error:  # reported below, with the thread's own traceback lost
            errors.append(error)

    threads = [threading.Thread(target=approve, args=(i,)) for i in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with app.app_context():
        assert summaries.drift() == []
        row = db.session.get(CreditYear, (learner.id, 2025))
        assert (row.records, row.credits) == (2, Decimal("12.50"))


def test_compliance_check_command_reports_and_repairs_drift(app, learner):
    add(app, learner, dt.date(2016, 6, 1), "20")
    runner = app.test_cli_runner()
    assert "matches the records" in runner.invoke(args=["portal", "compliance-check"]).output
    with app.app_context():
        db.session.execute(update(CreditYear).values(records=5))
        db.session.commit()
    found = runner.invoke(args=["portal", "compliance-check", "--year", "2016"])
    assert found.exit_code != 0 and f"person {learner.id}, 2016: stored 20.00 credits in 5 records" in found.output
    fixed = runner.invoke(args=["portal", "compliance-check", "--year", "2016", "--fix"])
    assert fixed.exit_code == 0 and "1 person-years written" in fixed.output
    assert "matches the records" in runner.invoke(args=["portal", "compliance-check"]).output
