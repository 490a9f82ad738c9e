"""进修 and aid work (援助西部、农村、海岛、援外), one type: 5 credits a month; 6 months or more give
the year's 25 credits and deem it compliant. The categories differ in the months they accept."""
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from portal_plugins.credit_types.months_away import MonthsAway
from tests.plugins.credit_types.scoring import refused, score

TYPE = MonthsAway()
# As the shipped categories store them (migrations/versions/0003_credit_categories.py).
MONTHS = {"months_to_deem": 6, "full_year_credits": "25", "credits_per_month": "5", "min_months": 1, "max_months": 24}
LONG, SHORT = {**MONTHS, "min_months": 6}, {**MONTHS, "max_months": 5}


@pytest.mark.parametrize("months", [6, 12])
def test_six_months_and_more_give_the_full_year_and_deem_it_compliant(months):
    result = score(TYPE, months=months)
    assert (result.credits, result.deems_compliant) == (Decimal("25.00"), True)
    assert "6 months or more" in result.note


@pytest.mark.parametrize("months, credits", [(1, "5.00"), (3, "15.00"), (5, "25.00")])
def test_less_than_six_months_count_per_month_without_deeming(months, credits):
    result = score(TYPE, months=months)
    assert (result.credits, result.deems_compliant, result.note) == (Decimal(credits), False, "")
    assert result.credit_class is None


@pytest.mark.parametrize("params", [LONG, SHORT])
def test_training_and_aid_work_categories_score_alike(params):
    """The shipped 进修 and aid-work categories store the same parameters."""
    months = params["min_months"]
    assert score(TYPE, params, months=months).credits == (Decimal("25.00") if months >= 6 else Decimal("5.00"))


def test_a_category_with_its_own_rate_scores_by_it():
    assert score(TYPE, {**TYPE.default_params(), "credits_per_month": "4"}, months=3).credits == Decimal("12.00")
    params = {**TYPE.default_params(), "months_to_deem": 3}
    assert score(TYPE, params, months=3).deems_compliant


def test_months_must_be_whole_and_in_range():
    for months in ("", "0", "25", "2.5"):
        assert "months" in refused(TYPE, months=months)
    assert "1 to 24" in refused(TYPE, months="0")["months"][0]


def test_wizard_rules_fix_the_months_and_so_the_credits():
    short, long = TYPE.wizard(TYPE.params(SHORT)), TYPE.wizard(TYPE.params(LONG))
    assert [g.name for g in short] == ["Less than 6 months: 5.00 credits a month, no year deemed compliant"]
    assert [(r.key, r.name, r.credits, dict(r.fields)) for r in short[0].rules] == [
        (str(n), f"{n} month" + ("s" if n > 1 else ""), Decimal(5 * n).quantize(Decimal("0.01")), {"months": n})
        for n in range(1, 6)]
    assert [g.name for g in long] == [
        "6 months or more: 25.00 credits; a stay of 6 months or more deems the year in which it reaches 6 months, "
        "and each later year holding 6 months of it (24 months from March deem two years; 6 months from September "
        "deem the next year)"]
    assert [r.key for r in long[0].rules] == [str(n) for n in range(6, 25)]
    assert {r.credits for r in long[0].rules} == {Decimal("25.00")}
    assert len(TYPE.wizard(TYPE.params(MONTHS))) == 2  # a category for any length offers both


def test_each_rule_scores_what_it_states():
    for params in (SHORT, LONG):
        for rule in TYPE.wizard(TYPE.params(params))[0].rules:
            assert score(TYPE, params, **rule.fields).credits == rule.credits


def test_category_editor_checks_the_parameters():
    assert TYPE.Params(formdata=MultiDict(TYPE.default_params())).validate()
    form = TYPE.Params(formdata=MultiDict({**TYPE.default_params(), "months_to_deem": "0", "credits_per_month": "-1"}))
    assert not form.validate()
    assert set(form.errors) == {"months_to_deem", "credits_per_month"}


def test_a_six_months_and_more_category_refuses_three_months():
    long_stays = TYPE.params({**TYPE.default_params(), "min_months": 6})
    short_stays = TYPE.params({**TYPE.default_params(), "max_months": 5})
    assert "months" in TYPE.validate({"months": 3}, long_stays)
    assert TYPE.validate({"months": 6}, long_stays) == {}
    assert "months" in TYPE.validate({"months": 6}, short_stays)
    assert TYPE.validate({"months": 5}, short_stays) == {}
