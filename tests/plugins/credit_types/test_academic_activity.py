"""单位组织的学术活动 (lecturer 2, attendee 0.5) and, with other parameters, 病例讨论会、大查房
(lecturer 1, attendee 0.2). Their shared yearly cap is category configuration, not the type's."""
from decimal import Decimal

from werkzeug.datastructures import MultiDict

from portal_plugins.credit_types.academic_activity import AcademicActivity
from tests.plugins.credit_types.scoring import refused, score

TYPE = AcademicActivity()
CASE_DISCUSSION = {**TYPE.default_params(), "lecturer_credits": "1", "attendee_credits": "0.2"}


def test_unit_activity_defaults():
    assert score(TYPE, role="lecturer").credits == Decimal("2.00")
    assert score(TYPE, role="attendee").credits == Decimal("0.50")
    assert score(TYPE, role="attendee").credit_class is None
    assert not score(TYPE, role="lecturer").deems_compliant


def test_case_discussion_category():
    assert score(TYPE, CASE_DISCUSSION, role="lecturer").credits == Decimal("1.00")
    assert score(TYPE, CASE_DISCUSSION, role="attendee").credits == Decimal("0.20")


def test_wizard_offers_lecturer_and_attendee():
    [group] = TYPE.wizard(TYPE.params(TYPE.default_params()))
    assert group.name == "Academic activity"
    assert [(r.name, str(r.credits), r.fields) for r in group.rules] == [
        ("Lecturer", "2.00", {"role": "lecturer"}), ("Attendee", "0.50", {"role": "attendee"}),
    ]
    [group] = TYPE.wizard(TYPE.params(CASE_DISCUSSION))
    assert [str(r.credits) for r in group.rules] == ["1.00", "0.20"]


def test_role_must_be_lecturer_or_attendee():
    assert "role" in refused(TYPE, role="organiser")


def test_category_editor_refuses_negative_credits():
    stored = {**TYPE.default_params(), "attendee_credits": "-0.5"}
    form = TYPE.Params(formdata=MultiDict(stored))
    assert not form.validate()
    assert set(form.errors) == {"attendee_credits"}
