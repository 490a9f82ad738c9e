"""The portal's select writes its options itself (portal.select_field): the markup must be what
wtforms' own widget writes, hostile labels and values escaped, the chosen option selected."""
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, widgets
from wtforms.validators import DataRequired

from portal.select_field import SelectField

HOSTILE = [("", "—"), ('a"b', "<script>alert(1)</script>"), ("02", "临床内科学 & 护理"), ("x'y", "O'Neil \"quoted\"")]


class Choosing(Form):
    flat = SelectField(choices=HOSTILE)
    grouped = SelectField(choices={"二级 <学科>": [("0201", "心血管病学"), ("0202", "<b>呼吸</b>")], "": [("", "—")]})


def _both(form: Form, name: str) -> tuple[str, str]:
    field = form[name]
    return str(field()), str(widgets.Select()(field))


def test_options_are_written_as_wtforms_writes_them_and_escaped():
    form = Choosing(MultiDict({"flat": 'a"b', "grouped": "0202"}))
    for name in ("flat", "grouped"):
        ours, theirs = _both(form, name)
        assert ours == theirs
        assert "<script>" not in ours and "<b>" not in ours
    flat = str(form.flat())
    assert '<option selected value="a&#34;b">&lt;script&gt;alert(1)&lt;/script&gt;</option>' in flat
    assert flat.count("selected") == 1
    assert isinstance(form.flat(), Markup)


def test_an_option_with_its_own_attributes_still_goes_through_wtforms():
    class WithAttributes(Form):
        pick = SelectField(choices=[("1", "one", {"disabled": True}), ("2", "two")])

    form = WithAttributes()
    ours, theirs = _both(form, "pick")
    assert ours == theirs and "disabled" in ours


def test_every_kind_of_choices_the_forms_give_is_written_as_wtforms_writes_it():
    """Numbers coerced, booleans (left to wtforms), a required field's flag and a disabled select."""
    class Kinds(Form):
        numbers = SelectField(choices=[(1, "一级"), (2, "二级")], coerce=int, validators=[DataRequired()])
        answers = SelectField(choices=[(True, "是"), (False, "否")], coerce=bool)
        empty = SelectField(choices=[])

    form = Kinds(MultiDict({"numbers": "2", "answers": "True"}))
    for name in ("numbers", "answers", "empty"):
        ours, theirs = _both(form, name)
        assert ours == theirs
    assert str(form.numbers(disabled=True)) == str(widgets.Select()(form.numbers, disabled=True))
    assert '<option selected value="2">二级</option>' in str(form.numbers())
    assert " required" in str(form.numbers())
