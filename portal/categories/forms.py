"""The category editor's common fields (the type's own parameters come from its Params form)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal.contracts import CLASS_LABELS, CREDIT_CLASSES
from portal.select_field import SelectField

YEAR = NumberRange(1990, 2100, message=_l("Enter a year such as 2025."))


class CategoryForm(FlaskForm):
    name = StringField(_l("Category name"), [DataRequired(message=_l("Enter the name learners will see.")), Length(max=100)])
    credit_class = SelectField(_l("Credit class"), choices=[(c, CLASS_LABELS[c]) for c in CREDIT_CLASSES],
                               description=_l("The free form takes the class of each record's credit level instead."))
    summary_node = SelectField(_l("Node in the credit summary"), choices=[], default="",
                               description=_l("Where its credits count in 各类学分汇总."))
    yearly_cap = DecimalField(
        _l("Yearly cap"), [Optional(), NumberRange(min=0, message=_l("Enter a number of credits, 0 or more."))], places=2,
        description=_l("Most credits a person counts from it in a year; empty: no cap. "
                       "A cap cuts what counts, never what is entered."))
    cap_group = StringField(
        _l("Cap group"),
        [Optional(), Regexp(r"^[a-z0-9_]{1,40}$",
                            message=_l("Use up to 40 lowercase letters, digits and underscores, e.g. unit_activities."))],
        description=_l("Categories with the same group share one yearly cap (e.g. unit activities and case discussions)."))
    enabled = BooleanField(_l("Enabled"), default=True, description=_l("Learners can choose only enabled categories."))
    valid_from = IntegerField(_l("Valid from (year)"), [Optional(), YEAR])
    valid_to = IntegerField(_l("Valid until (year)"), [Optional(), YEAR], description=_l("Empty: no limit."))
    position = IntegerField(_l("Order"), [Optional()], default=0, description=_l("Smaller numbers are listed first."))

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The last valid year cannot be before the first."))

    def validate_cap_group(self, field):
        if field.data and self.yearly_cap.data is None:
            raise ValidationError(_l("A cap group needs a yearly cap."))


def summary_node_choices() -> list[tuple[str, str]]:
    """The 各类学分汇总 nodes a category can count under (from the summary_nodes dictionary)."""
    from portal.dictionaries.services import tree

    choices = [("", _l("By the record's credit level"))]
    for root in tree("summary_nodes"):
        choices.append((root["code"], root["name"]))
        choices.extend((child["code"], f"{root['name']} / {child['name']}") for child in root["children"])
    return choices
