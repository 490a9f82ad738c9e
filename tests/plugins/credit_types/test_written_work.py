"""自学综述, 出版著作, 考察/调研报告, 译文, one type: the DOMAIN.md rules — a self-study review
2,000 characters = 1 credit (at most 5 a year, the category's cap), a book 1,000, a report 3,000,
a translation 1,500 (the rate set per category)."""
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from portal_plugins.credit_types.written_work import WrittenWork
from tests.plugins.credit_types.scoring import refused, score

TYPE = WrittenWork()
SELF_STUDY = {"characters_per_credit": 2000}
BOOK = {"characters_per_credit": 1000}
REPORT = {"characters_per_credit": 3000}
TRANSLATION = {"characters_per_credit": 1500}


def test_a_book_is_the_default():
    assert TYPE.default_params() == BOOK


def test_parameters_are_characters_per_credit_only():
    assert TYPE.params(SELF_STUDY) == {"characters_per_credit": 2000}


@pytest.mark.parametrize("characters, expected", [
    (2000, "1.00"), (3000, "1.50"), (2500, "1.25"), (1, "0.00"), (10000, "5.00"), (1999, "0.99"), (3999, "1.99"),
])
def test_self_study_2000_characters_a_credit(characters, expected):
    result = score(TYPE, SELF_STUDY, characters=characters)
    assert (result.credits, result.hours, result.credit_class) == (Decimal(expected), Decimal("0.0"), None)


@pytest.mark.parametrize("params, characters, expected", [
    (BOOK, 1000, "1.00"), (BOOK, 150000, "150.00"), (BOOK, 1500, "1.50"),
    (REPORT, 3000, "1.00"), (REPORT, 10000, "3.33"), (REPORT, 5000, "1.66"),
    (TRANSLATION, 1500, "1.00"), (TRANSLATION, 2500, "1.66"), (TRANSLATION, 6000, "4.00"),
])
def test_credits_by_characters(params, characters, expected):
    result = score(TYPE, params, characters=characters)
    assert (result.credits, result.hours, result.credit_class) == (Decimal(expected), Decimal("0.0"), None)


def test_a_category_with_its_own_rate_scores_by_it():
    assert score(TYPE, {"characters_per_credit": 1000}, characters=2500).credits == Decimal("2.50")


@pytest.mark.parametrize("characters", [0, -5, "", "1.5", "many"])
def test_a_length_that_is_not_a_count_is_refused(characters):
    assert refused(TYPE, characters=characters)["characters"]


def test_wizard_states_the_category_rate():
    [group] = TYPE.wizard(TYPE.params(SELF_STUDY))
    [rule] = group.rules
    assert (group.name, rule.name, rule.credits) == ("Written work", "2000 characters = 1 credit", None)


def test_category_editor_refuses_a_rate_below_one_character():
    form = TYPE.Params(formdata=MultiDict({"characters_per_credit": "0"}))
    assert not form.validate() and form.errors["characters_per_credit"]
