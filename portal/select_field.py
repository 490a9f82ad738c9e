"""The portal's select field: wtforms' SelectField whose options are written directly. wtforms
builds each option's attributes with html_params (sorted, key-cleaned, escaped and formatted as
Markup one by one): for the entry form's some 130 disciplines that was most of the page's time.
An option with extra attributes still goes through wtforms."""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import SelectField as WtformsSelectField
from wtforms import widgets


class OptionsSelect(widgets.Select):
    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        # The attributes in html_params' order: "selected" sorts before "value".
        selected = "selected " if choice.selected else ""
        label = choice.label or choice.value
        return Markup(f'<option {selected}value="{escape(choice.value)}">{escape(label)}</option>')


class SelectField(WtformsSelectField):
    widget = OptionsSelect()
