"""The portal's select field: wtforms' SelectField whose options are written directly. wtforms
turns every choice into a SelectChoice and then a Choice (twice over for grouped choices), looks
up render_option's signature for each select, and builds each option's attributes with
html_params (sorted, key-cleaned, escaped and formatted as Markup one by one): for the entry
form's some 130 disciplines and levels that was a third of the page's time. Choices given as
(value, label) pairs, in a list or in groups, are written here; any other kind (with attributes,
boolean values) still goes through wtforms."""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import SelectField as WtformsSelectField
from wtforms import widgets
from wtforms.widgets import html_params


def _pairs(choices) -> bool:
    return isinstance(choices, list | tuple) and all(
        isinstance(c, tuple) and len(c) == 2 and not isinstance(c[0], bool) for c in choices)


def _groups(choices) -> list | None:
    """(optgroup, [(value, label), ...]) as wtforms groups the choices (None: no group); None for
    choices of another kind."""
    if isinstance(choices, dict):
        return list(choices.items()) if all(_pairs(group) for group in choices.values()) else None
    return [(None, choices)] if _pairs(choices) else None


def _option(value, label, selected: bool) -> str:
    # The attributes in html_params' order: "selected" sorts before "value".
    return f'<option {"selected " if selected else ""}value="{escape(value)}">{escape(label or value)}</option>'


class OptionsSelect(widgets.Select):
    def __call__(self, field, **kwargs):
        groups = None if self.multiple else _groups(field.choices)
        if groups is None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for optgroup, choices in groups:
            if optgroup is not None:
                html.append(f'<optgroup label="{escape(optgroup)}">')
            html.extend(_option(value, label, field.coerce(value) == field.data) for value, label in choices)
            if optgroup is not None:
                html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        return Markup(_option(choice.value, choice.label, choice.selected))


class SelectField(WtformsSelectField):
    widget = OptionsSelect()
