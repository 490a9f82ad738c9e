"""出版著作, 考察/调研报告, 译文: the DOMAIN.md rules — a book 1,000 characters = 1 credit, a report
3,000, a translation 1,500 (one type, the rate set per category)."""
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from portal_plugins.credit_types.publication import Publication
from tests.plugins.credit_types.scoring import refused, score

TYPE = Publication()
BOOK = {"characters_per_credit": 1000}
REPORT = {"characters_per_credit": 3000}
TRANSLATION = {"characters_per_credit": 1500}


def test_a_book_is_the_default():
    assert TYPE.default_params() == BOOK


@pytest.mark.parametrize("params, characters, expected", [
    (BOOK, 1000, "1.00"), (BOOK, 150000, "150.00"), (BOOK, 1500, "1.50"),
    (REPORT, 3000, "1.00"), (REPORT, 10000, "3.33"), (REPORT, 5000, "1.67"),
    (TRANSLATION, 1500, "1.00"), (TRANSLATION, 2500, "1.67"), (TRANSLATION, 6000, "4.00"),
])
def test_credits_by_characters(params, characters, expected):
    result = score(TYPE, params, characters=characters)
    assert (result.credits, result.hours, result.credit_class) == (Decimal(expected), Decimal("0.0"), None)


def test_no_characters_is_refused():
    assert refused(TYPE, characters=0)["characters"]


def test_category_editor_refuses_a_rate_below_one_character():
    form = TYPE.Params(formdata=MultiDict({"characters_per_credit": "0"}))
    assert not form.validate() and form.errors["characters_per_credit"]
