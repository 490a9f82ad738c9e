"""What a form states, frozen when it is generated (``portal.contracts.RegistrationFormStatement``,
``VerificationTableStatement``): the person's line, each year's figures and compliance result,
and (registration form) the year's counted records. Figures and dates are text, so the PDF, the
print page and the verification page show the same thing years later."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from portal.compliance import services, summaries, versions
from portal.compliance.rules import Verdict
from portal.compliance.year_records import record_dictionaries, record_row
from portal.contracts import (
    FormStatement,
    PersonLine,
    RegistrationFormStatement,
    VerificationTableStatement,
    YearFigures,
    credits_text,
    hours_text,
)
from portal.documents.statement import province_name, verify_url
from portal.models import Person
from portal.models.credit_forms import REGISTRATION, VERIFICATION
from portal.people import standing


def person_line(person: Person, year: int | None = None) -> PersonLine:
    """人员编号, 姓名, 科室, 职称, 性别, 出生日期, 状态 and the unit, as the forms print them: for a
    year's form, the unit, title and status of that year."""
    stood = standing.history(person).at(year) if year is not None else standing.current(person)
    return {"person_no": person.person_no, "name": person.name, "unit": stood.unit_name,
            "department": person.department, "title": stood.title, "sex": person.sex,
            "birth_date": person.birth_date.isoformat(), "status": stood.status}


def year_figures(verdict: Verdict) -> YearFigures:
    """A year's totals (counted, after caps), its result and what is missing."""
    start, end = summaries.year_range(verdict.year)
    return {
        "year": verdict.year, "period_start": start.isoformat(), "period_end": end.isoformat(),
        "records": verdict.records, "credits": credits_text(verdict.credits), "class_1": credits_text(verdict.class_1),
        "class_2": credits_text(verdict.class_2), "other": credits_text(verdict.other), "hours": hours_text(verdict.hours),
        "compliant": verdict.compliant, "result": verdict.result,
        "rule_set": versions.version_name(verdict.rule_set),
        "shortfalls": [s.message for s in verdict.shortfalls],
    }


def _common(kind: str, title: str, person: Person, number: str, token: str, issued_on: dt.date,
            year: int | None = None) -> FormStatement:
    return {"kind": kind, "number": number, "title": f"{province_name()}{title}", "person": person_line(person, year),
            "issued_on": issued_on.isoformat(), "verify_url": verify_url(token)}


def registration(person: Person, year: int, number: str, token: str, issued_on: dt.date) -> RegistrationFormStatement:
    """打印学分登记表: the person's line, the year's counted records, totals by class and the result."""
    verdict = services.person_year(person, year)
    counted = services.counted_records(person.id, year)
    dictionaries = record_dictionaries()
    deeming = next((r for r in counted if r.id == verdict.deemed_by), None)
    records = []
    for record in counted:
        row = record_row(person, record, dictionaries)
        records.append({"date": row["date"].isoformat(), "number": row["number"], "name": row["name"],
                        "credit_class": row["credit_class"], "category": row["category"], "unit": row["unit"],
                        "credits": credits_text(row['credits']), "hours": hours_text(row['hours'])})
    return {
        **_common(REGISTRATION, _("CME credit registration form"), person, number, token, issued_on, year),
        "year": year, "figures": year_figures(verdict), "records": records,
        "deemed_by": deeming.activity_name if deeming else "",
    }


def verification(person: Person, years: list[int], number: str, token: str,
                 issued_on: dt.date) -> VerificationTableStatement:
    """多年度学分验证表: each year's date range, totals and result, and the multi-year requirements
    with the credits each year's window holds."""
    verdicts = services.person_years(person, sorted(years))
    return {
        **_common(VERIFICATION, _("CME multi-year credit verification table"), person, number, token, issued_on),
        "years": [year_figures(v) for v in verdicts],
        "multi_year": [{"year": v.year, "requirement": p.label, "have": credits_text(p.have), "need": credits_text(p.need),
                        "met": p.met, "judged": p.judged} for v in verdicts for p in v.multi_year],
    }
