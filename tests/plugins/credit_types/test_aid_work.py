"""援助西部、农村、海岛、援外等医疗活动: the same rule as 进修 — 5 credits a month, 6 months or more
give the year's 25 credits and deem it compliant."""
from decimal import Decimal

from portal_plugins.credit_types.aid_work import AidWork
from tests.plugins.credit_types.scoring import score

TYPE = AidWork()


def test_six_months_deem_the_year_compliant():
    result = score(TYPE, months=6)
    assert (result.credits, result.deems_compliant) == (Decimal("25.00"), True)


def test_less_than_six_months_count_per_month():
    results = [score(TYPE, months=m) for m in (3, 5)]
    assert [(r.credits, r.deems_compliant) for r in results] == [(Decimal("15.00"), False), (Decimal("25.00"), False)]


def test_a_category_with_its_own_rate_scores_by_it():
    assert score(TYPE, {**TYPE.default_params(), "credits_per_month": "4"}, months=3).credits == Decimal("12.00")


def test_wizard_is_named_after_the_type():
    assert [g.name for g in TYPE.wizard(TYPE.params(TYPE.default_params()))] == ["Medical aid work"]
