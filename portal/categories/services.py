"""Credit categories: finding each one's credit type, describing a category to a learner's form
or the API (fields, wizard choices), and saving the admin's edits."""
from __future__ import annotations

from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, or_, select

from portal.compliance import summaries
from portal.contracts import CreditType, Entry, WizardGroup, to_json
from portal.extensions import db
from portal.models import CreditCategory
from portal.models.tallies import mark_years


def credit_types() -> dict[str, type[CreditType]]:
    return current_app.extensions["portal"].credit_types


def credit_type(category: CreditCategory) -> CreditType | None:
    """The category's credit type, or None when its plugin is not installed."""
    cls = credit_types().get(category.type_slug)
    return cls() if cls else None


def get(category_id: int) -> CreditCategory:
    return db.get_or_404(CreditCategory, category_id)


@cache
def _in_order() -> Select:
    """Every category in the order the admin set; built once, like _enabled (entry forms and the
    review queue read them on every request)."""
    return select(CreditCategory).order_by(CreditCategory.position, CreditCategory.id)


@cache
def _enabled(in_a_year: bool) -> Select:
    """The enabled categories, or (``in_a_year``) those valid in the year bound as ``year``."""
    query = _in_order().where(CreditCategory.enabled.is_(True))
    if not in_a_year:
        return query
    year = bindparam("year")
    return query.where(or_(CreditCategory.valid_from.is_(None), CreditCategory.valid_from <= year),
                       or_(CreditCategory.valid_to.is_(None), CreditCategory.valid_to >= year))


def everything() -> list[CreditCategory]:
    """Every category, enabled or not, in the order the admin set."""
    return list(db.session.scalars(_in_order()))


def enabled(year: int | None = None) -> list[CreditCategory]:
    """Categories learners may choose (for ``year``, when given), whose type is installed."""
    found = db.session.scalars(_enabled(year is not None), {"year": year})
    return [c for c in found if c.type_slug in credit_types()]


def offering(entry: Entry) -> list[CreditCategory]:
    """Enabled categories whose type offers this way of entering (``Entry.FORM``: the free form)."""
    return [c for c in enabled() if entry in credit_types()[c.type_slug].entry]


def field_schema(credit_type: CreditType) -> list[dict[str, Any]]:
    """The learner fields of a type, as the API and the page scripts describe them."""
    schema = []
    for f in credit_type.Fields():
        item = {"name": f.name, "label": str(f.label.text), "type": f.type, "required": bool(f.flags.required)}
        if hasattr(f, "choices") and f.choices is not None:
            item["choices"] = [{"value": value, "label": str(label)} for value, label in f.choices]
        if f.description:
            item["description"] = str(f.description)
        schema.append(item)
    return schema


def wizard(category: CreditCategory) -> list[WizardGroup]:
    credit_type_ = credit_type(category)
    return credit_type_.wizard(credit_type_.params(category.params)) if credit_type_ else []


def wizard_json(groups: list[WizardGroup]) -> list[dict[str, Any]]:
    return [
        {"name": g.name, "rules": [{"id": r.key, "name": r.name, "credits": to_json(r.credits), "hours": to_json(r.hours),
                                    "fields": to_json(dict(r.fields))} for r in g.rules]}
        for g in groups
    ]


def describe(category: CreditCategory) -> dict[str, Any]:
    credit_type_ = credit_type(category)
    return {
        "id": category.id, "name": category.name, "type": category.type_slug,
        "entry": [mode.name.lower() for mode in Entry if credit_type_ and mode in credit_type_.entry],
        "class": category.credit_class, "yearly_cap": to_json(category.yearly_cap), "cap_group": category.cap_group,
        "fields": field_schema(credit_type_) if credit_type_ else [],
        "wizard": wizard_json(wizard(category)),
    }


def name_taken(name: str, category_id: int | None) -> bool:
    """Whether another category than ``category_id`` has this name."""
    query = select(CreditCategory.id).where(CreditCategory.name == name)
    if category_id:
        query = query.where(CreditCategory.id != category_id)
    return db.session.scalar(query) is not None


def save(category: CreditCategory, params: dict[str, Any], node_before: str) -> None:
    """Store a category the admin's form has filled in, with its type's parameters, in one commit.
    When it moved to another 各类学分汇总 node, the years its records count in are recomputed."""
    category.summary_node = category.summary_node or ""
    category.cap_group = category.cap_group or ""
    category.params = to_json(params)
    db.session.add(category)
    if category.id:
        # Its caps, cap group or deeming may judge every year anew.
        mark_years(0)
        if category.summary_node != node_before:
            summaries.refresh_category(category.id)
    db.session.commit()
