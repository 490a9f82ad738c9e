"""The year's counted records as the compliance query shows and exports them (the columns of
DOMAIN.md), with the totals row."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from portal.accounts.actor import Actor
from portal.compliance import services, stats
from portal.contracts import CLASS_LABELS, Column, Table
from portal.dictionaries.services import names
from portal.models import CreditRecord, Person
from portal.people import services as people

# (key, export kind, width)
RECORD_COLUMNS = (
    ("person_no", "text", 14), ("date", "date", 12), ("number", "text", 16), ("name", "text", 36),
    ("credit_class", "text", 8), ("category", "text", 26), ("discipline", "text", 14), ("hosting_method", "text", 14),
    ("unit", "text", 24), ("credits", "credits", 8), ("hours", "hours", 8),
)
RECORD_KEYS = tuple(key for key, kind, width in RECORD_COLUMNS)


def record_labels() -> dict[str, str]:
    return {"person_no": _("Person number"), "date": _("Activity date"), "number": _("Project number"),
            "name": _("Content"), "credit_class": _("Credit class"), "category": _("Credit subcategory"),
            "discipline": _("Subject"), "hosting_method": _("Hosting method"), "unit": _("Entered by unit"),
            "credits": _("Credits"), "hours": _("Hours")}


def record_row(person: Person, record: CreditRecord, dictionaries: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """A counted record as the columns show it; ``dictionaries`` from ``record_dictionaries()``."""
    return {
        "id": record.id, "person_no": person.person_no, "date": record.activity_date, "number": record.activity_number,
        "name": record.activity_name, "credit_class": str(CLASS_LABELS.get(record.credit_class, record.credit_class)),
        "category": record.category.name,
        "discipline": dictionaries["disciplines"].get(record.discipline, record.discipline),
        "hosting_method": dictionaries["hosting_methods"].get(record.hosting_method, record.hosting_method),
        "unit": record.unit.name, "credits": record.credits, "hours": record.hours,
    }


def record_dictionaries() -> dict[str, dict[str, str]]:
    return {name: names(name) for name in ("disciplines", "hosting_methods")}


def compliance_table(actor: Actor, params: Mapping[str, str]) -> Table:
    year = stats.chosen_year(params.get("year"))
    person = people.whose(actor, params.get("person_id"))
    verdict = services.person_year(person, year)
    counted = services.counted_records(person.id, year)
    dictionaries = record_dictionaries()
    labels = record_labels()
    totals = {"person_no": _("Total"), "credits": verdict.entered, "hours": verdict.hours,
              "name": _("%(year)d: %(result)s, %(credits)s credits counted", year=year, result=verdict.result,
                        credits=verdict.credits)}
    return Table(
        title=_("Compliance %(year)d", year=year), filename=_("Compliance %(year)d %(name)s", year=year, name=person.name),
        columns=tuple(Column(labels[key], kind, width) for key, kind, width in RECORD_COLUMNS),
        rows=(tuple(record_row(person, r, dictionaries)[key] for key in RECORD_KEYS) for r in counted),
        totals=tuple(totals.get(key, "") for key in RECORD_KEYS), expected_rows=len(counted),
    )
