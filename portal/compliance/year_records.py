"""The year's counted records as the compliance query shows and exports them (the columns of the
manual's figure 8: 日期, 项目编号, 活动名称, 学分类别, 学分子类别 = the credit level, 学科 = the third-level
discipline, 举办方式, 学时, 学分, 学分录入单位 = the issuing body as entered), with the totals row."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from portal.accounts.actor import Actor
from portal.compliance import services, stats
from portal.compliance.services import CountedRecord
from portal.contracts import CLASS_LABELS, Column, Table, credits_text, hours_text
from portal.dictionaries.services import names
from portal.models import Person
from portal.people import services as people

# (key, export kind, width)
RECORD_COLUMNS = (
    ("date", "date", 12), ("number", "text", 16), ("name", "text", 36), ("credit_class", "text", 8),
    ("credit_level", "text", 26), ("discipline", "text", 14), ("hosting_method", "text", 14), ("hours", "hours", 8),
    ("credits", "credits", 8), ("issuer", "text", 24),
)
RECORD_KEYS = tuple(key for key, kind, width in RECORD_COLUMNS)


def record_labels() -> dict[str, str]:
    return {"date": _("Date"), "number": _("Project number"), "name": _("Activity name"),
            "credit_class": _("Credit category"), "credit_level": _("Credit subcategory"), "discipline": _("Subject"),
            "hosting_method": _("Hosting method"), "hours": _("Hours"), "credits": _("Credits"),
            "issuer": _("Entered by unit")}


def record_row(person: Person, record: CountedRecord, dictionaries: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """A counted record as the columns show it (and, for the registration form, its category and
    reviewing unit); ``dictionaries`` from ``record_dictionaries()``. A wizard record without a
    学分级别 shows its category as its subcategory; a discipline without a third level, the second."""
    return {
        "id": record.id, "person_no": person.person_no, "date": record.activity_date, "number": record.activity_number,
        "name": record.activity_name, "category": record.category_name,
        "credit_class": dictionaries["credit_classes"].get(record.credit_class, record.credit_class),
        "credit_level": dictionaries["credit_levels"].get(record.credit_level) or record.category_name,
        "discipline": dictionaries["disciplines"].get(record.sub_discipline or record.discipline,
                                                      record.sub_discipline or record.discipline),
        "issuer": record.issuer,
        "hosting_method": dictionaries["hosting_methods"].get(record.hosting_method, record.hosting_method),
        "unit": record.unit_name, "credits": record.credits, "hours": record.hours,
    }


def record_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row for the API: the figure's columns, the date as ISO, credits with two decimals, hours with one."""
    shown = {key: row[key] for key in RECORD_KEYS}
    shown.update(id=row["id"], date=row["date"].isoformat(), credits=credits_text(row['credits']), hours=hours_text(row['hours']))
    return shown


def record_dictionaries() -> dict[str, dict[str, str]]:
    """The names record_row shows for codes, read and translated once for all the rows."""
    found = {name: names(name) for name in ("disciplines", "hosting_methods", "credit_levels")}
    found["credit_classes"] = {code: str(label) for code, label in CLASS_LABELS.items()}
    return found


def compliance_table(actor: Actor, params: Mapping[str, str]) -> Table:
    year = stats.chosen_year(params.get("year"))
    person = people.whose(actor, params.get("person_id"))
    verdict = services.person_year(person, year)
    counted = services.counted_records(person.id, year)
    dictionaries = record_dictionaries()
    labels = record_labels()
    totals = {"number": _("Total"), "credits": verdict.entered, "hours": verdict.hours,
              "name": _("%(year)d: %(result)s, %(credits)s credits counted", year=year, result=verdict.result,
                        credits=verdict.credits)}
    return Table(
        title=_("Compliance %(year)d", year=year), filename=_("Compliance %(year)d %(name)s", year=year, name=person.name),
        columns=tuple(Column(labels[key], kind, width) for key, kind, width in RECORD_COLUMNS),
        rows=(tuple(record_row(person, r, dictionaries)[key] for key in RECORD_KEYS) for r in counted),
        totals=tuple(totals.get(key, "") for key in RECORD_KEYS), expected_rows=len(counted),
    )
