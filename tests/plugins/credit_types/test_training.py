"""进修: 5 credits a month; 6 months or more give the year's 25 credits and deem it compliant."""
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from portal_plugins.credit_types.training import TrainingElsewhere
from tests.plugins.credit_types.scoring import refused, score

TYPE = TrainingElsewhere()


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


def test_a_category_with_its_own_rate_scores_by_it():
    assert score(TYPE, {**TYPE.default_params(), "credits_per_month": "4"}, months=3).credits == Decimal("12.00")
    params = {**TYPE.default_params(), "months_to_deem": 3}
    assert score(TYPE, params, months=3).deems_compliant


def test_months_must_be_whole_and_in_range():
    for months in ("", "0", "25", "2.5"):
        assert "months" in refused(TYPE, months=months)
    assert "1 to 24" in refused(TYPE, months="0")["months"][0]


def test_wizard_explains_the_rule():
    [group] = TYPE.wizard(TYPE.params(TYPE.default_params()))
    [rule] = group.rules
    assert group.name == "Training elsewhere"
    assert rule.credits is None
    assert rule.name == "5.00 credits a month; 6 months or more: 25.00 credits and the year is compliant"


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
