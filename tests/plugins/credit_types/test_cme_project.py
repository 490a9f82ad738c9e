"""继续医学教育项目: the DOMAIN.md table — national 3 学时 = 1 (lecturer 2 an hour), max 10;
provincial 6 学时 = 1 (lecturer 1 an hour), max 10; distance/promotion 3 学时 = 1, max 5."""
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from portal_plugins.credit_types.cme_project import CmeProject
from tests.plugins.credit_types.scoring import learner_fields, refused, score

TYPE = CmeProject()
NATIONAL = TYPE.default_params()
PROVINCIAL = {"hours_per_credit": "6", "lecturer_credits_per_hour": "1", "max_credits_per_project": "10"}
DISTANCE = {"hours_per_credit": "3", "lecturer_credits_per_hour": None, "max_credits_per_project": "5"}


def test_national_project_is_the_default():
    assert TYPE.params(NATIONAL) == {"hours_per_credit": Decimal(3), "lecturer_credits_per_hour": Decimal(2),
                                     "max_credits_per_project": Decimal(10)}


@pytest.mark.parametrize("params, role, entered, expected", [
    (NATIONAL, "attendee", "6", "2.00"),
    (NATIONAL, "attendee", "4", "1.33"),
    (NATIONAL, "lecturer", "2.5", "5.00"),
    (PROVINCIAL, "attendee", "12", "2.00"),
    (PROVINCIAL, "attendee", "8", "1.33"),
    (PROVINCIAL, "lecturer", "3", "3.00"),
    (DISTANCE, "attendee", "9", "3.00"),
])
def test_credits_from_hours(params, role, entered, expected):
    result = score(TYPE, params, role=role, hours=entered)
    assert (result.credits, result.hours, result.note) == (Decimal(expected), Decimal(entered).quantize(Decimal("0.1")), "")
    assert result.credit_class is None


@pytest.mark.parametrize("params, role, entered, cap", [
    (NATIONAL, "attendee", "40", "10"), (NATIONAL, "lecturer", "6", "10"),
    (PROVINCIAL, "attendee", "90", "10"), (DISTANCE, "attendee", "18", "5"),
])
def test_the_per_project_maximum_cuts_and_says_so(params, role, entered, cap):
    result = score(TYPE, params, role=role, hours=entered)
    assert result.credits == Decimal(cap)
    assert result.hours == Decimal(entered)
    assert result.note == f"Capped at {cap} credits per project."


@pytest.mark.parametrize("role, entered", [("attendee", "30"), ("lecturer", "5")])
def test_exactly_at_the_maximum_is_not_capped(role, entered):
    result = score(TYPE, role=role, hours=entered)
    assert (result.credits, result.note) == (Decimal("10.00"), "")


def test_hours_are_scored_as_recorded_with_one_decimal():
    result = score(TYPE, role="attendee", hours="4.25")
    assert (result.hours, result.credits) == (Decimal("4.3"), Decimal("1.43"))


def test_distance_project_refuses_lecturers_with_a_way_out():
    data = learner_fields(TYPE, role="lecturer", hours="2")
    errors = TYPE.validate(data, TYPE.params(DISTANCE))
    assert "choose Attendee" in errors["role"][0]
    assert TYPE.validate(data, TYPE.params(NATIONAL)) == {}


@pytest.mark.parametrize("entered", ["0", "-1", "", "1001", "three"])
def test_hours_outside_a_project_are_refused(entered):
    assert refused(TYPE, role="attendee", hours=entered)["hours"]


def test_unknown_role_is_refused():
    assert "role" in refused(TYPE, role="organiser", hours="3")


def test_wizard_states_the_category_rates():
    [national] = TYPE.wizard(TYPE.params(NATIONAL))
    assert [(r.key, r.name, r.credits, r.fields) for r in national.rules] == [
        ("attendee", "Attendee: 3 hours = 1 credit, at most 10 credits", None, {"role": "attendee"}),
        ("lecturer", "Lecturer: 2 credits an hour, at most 10 credits", None, {"role": "lecturer"}),
    ]
    [distance] = TYPE.wizard(TYPE.params(DISTANCE))
    assert [r.name for r in distance.rules] == ["Attendee: 3 hours = 1 credit, at most 5 credits"]


def test_category_editor_accepts_an_empty_lecturer_rate_only():
    form = TYPE.Params(formdata=MultiDict({"hours_per_credit": "3", "lecturer_credits_per_hour": "",
                                           "max_credits_per_project": "5"}))
    assert form.validate() and form.data["lecturer_credits_per_hour"] is None
    form = TYPE.Params(formdata=MultiDict({"hours_per_credit": "", "lecturer_credits_per_hour": "1",
                                           "max_credits_per_project": "0"}))
    assert not form.validate() and set(form.errors) == {"hours_per_credit", "max_credits_per_project"}
