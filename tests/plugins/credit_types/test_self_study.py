"""自学综述: the DOMAIN.md rule — 2,000 characters = 1 credit, at most 5 a year."""
from decimal import Decimal

import pytest

from portal_plugins.credit_types.self_study import SelfStudy
from tests.plugins.credit_types.scoring import refused, score

TYPE = SelfStudy()


@pytest.mark.parametrize("characters, expected", [
    (2000, "1.00"), (3000, "1.50"), (2500, "1.25"), (1, "0.00"), (10000, "5.00"),
])
def test_2000_characters_a_credit(characters, expected):
    result = score(TYPE, characters=characters)
    assert (result.credits, result.hours, result.credit_class) == (Decimal(expected), Decimal("0.0"), None)


def test_parameters_are_characters_per_credit_only():
    assert TYPE.params(TYPE.default_params()) == {"characters_per_credit": 2000}

def test_a_category_with_its_own_rate_scores_by_it():
    assert score(TYPE, {"characters_per_credit": 1000}, characters=2500).credits == Decimal("2.50")


@pytest.mark.parametrize("characters", [0, -5, "", "1.5", "many"])
def test_a_length_that_is_not_a_count_is_refused(characters):
    assert refused(TYPE, characters=characters)["characters"]


def test_wizard_states_the_rate():
    [group] = TYPE.wizard(TYPE.params(TYPE.default_params()))
    [rule] = group.rules
    assert (group.name, rule.name, rule.credits) == ("Self-study", "2000 characters = 1 credit", None)
