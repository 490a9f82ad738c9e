"""初级卫技人员规范化培训或岗位培训: the year's 25 credits, and the year is deemed compliant."""
from decimal import Decimal

from portal_plugins.credit_types.standardized_training import StandardizedTraining
from tests.plugins.credit_types.scoring import refused, score

TYPE = StandardizedTraining()


def test_gives_the_full_year_and_deems_it_compliant():
    result = score(TYPE, program="住院医师规范化培训", year_of_training=2)
    assert (result.credits, result.deems_compliant, result.credit_class) == (Decimal("25.00"), True, None)
    assert "compliant" in result.note


def test_year_of_training_may_be_left_empty():
    assert score(TYPE, program="岗位培训", year_of_training="").credits == Decimal("25.00")


def test_a_category_with_its_own_credits_scores_by_them():
    assert score(TYPE, {"credits": "20"}, program="岗位培训").credits == Decimal("20.00")


def test_unknown_program_or_year_is_refused():
    assert "program" in refused(TYPE, program="研究生教育")
    errors = refused(TYPE, program="岗位培训", year_of_training=4)
    assert "1 to 3" in errors["year_of_training"][0]


def test_wizard_offers_each_program_with_its_credits():
    [group] = TYPE.wizard(TYPE.params(TYPE.default_params()))
    assert [(r.name, str(r.credits), r.fields) for r in group.rules][0] == (
        "住院医师规范化培训", "25.00", {"program": "住院医师规范化培训"})
    assert len(group.rules) == 3
