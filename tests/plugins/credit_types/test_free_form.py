"""非向导录入: the learner's credits and hours as typed; the class follows the 学分级别."""
from decimal import Decimal

import pytest

from portal.contracts import Common, ScoringContext
from portal_plugins.credit_types.free_form import FreeForm
from tests.plugins.credit_types.scoring import LEVEL_CLASSES, learner_fields, refused, score

TYPE = FreeForm()
PARAMS = TYPE.params(TYPE.default_params())


def scored(credit_level, **raw):
    data = learner_fields(TYPE, **raw)
    assert TYPE.validate(data, PARAMS) == {}
    return TYPE.score(data, PARAMS, ScoringContext(common=Common(credit_level=credit_level or ""),
                                                   level_classes=LEVEL_CLASSES))


@pytest.mark.parametrize("level, credit_class", [("national", "I"), ("provincial", "I"), ("city", "II"),
                                                 ("county", None), (None, None)])
def test_class_follows_the_credit_level(level, credit_class):
    assert scored(level, credits="2", hours="6").credit_class == credit_class


def test_credits_as_entered_and_hours_rounded():
    result = score(TYPE, credits="1.25", hours="2.25")
    assert (result.credits, result.hours) == (Decimal("1.25"), Decimal("2.3"))
    assert score(TYPE, credits="25", hours="0").hours == Decimal("0.0")
    assert score(TYPE, credits="1.250", hours="1").credits == Decimal("1.25")  # a zero more changes nothing


def test_credits_with_more_than_two_decimals_are_refused_not_rounded():
    assert refused(TYPE, credits="1.255", hours="3")["credits"] == ["Credits have at most two decimals, e.g. 2.5 or 2.56."]


@pytest.mark.parametrize("credits", ["0", "-1", "", "a few"])
def test_credits_must_be_positive(credits):
    assert refused(TYPE, credits=credits, hours="3")["credits"]


@pytest.mark.parametrize("hours", ["-1", "", "1000.5"])
def test_hours_must_be_between_0_and_1000(hours):
    assert refused(TYPE, credits="1", hours=hours)["hours"]


def test_more_than_the_category_maximum_is_refused():
    data = learner_fields(TYPE, credits="25.5", hours="10")
    assert TYPE.validate(data, PARAMS)["credits"] == [
        "One record may claim at most 25 credits: check the certificate, or enter each activity as its own record."]
    assert TYPE.validate(data, TYPE.params({"max_credits_per_record": "30"})) == {}


def test_no_wizard():
    assert TYPE.wizard(PARAMS) == []
