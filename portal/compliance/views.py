"""达标情况查询: for a 统计年度, whether the person is compliant and, if not, what is missing; the
record that deems the year compliant; caps as applied; the year's counted records; 各类学分汇总;
导出Excel. Learners see their own year; unit admins their staff's; the provincial admin anyone's."""
from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.compliance import services, stats, summaries, versions
from portal.compliance.rules import describe
from portal.compliance.year_records import RECORD_KEYS, record_dictionaries, record_labels, record_row
from portal.contracts import CLASS_LABELS
from portal.people import services as people


class ComplianceView(BaseView):
    route_base = "/compliance"
    class_permission_name = "ComplianceQuery"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = current_actor()
        person = people.whose(actor, request.args.get("person_id"))
        year = stats.chosen_year(request.args.get("year"))
        verdict = services.person_year(person, year)
        ctx = services.context()
        counted = services.counted_records(person.id, year)
        deeming = next((r for r in counted if r.id == verdict.deemed_by), None)
        dictionaries = record_dictionaries()
        return self.render_template(
            "portal/compliance/query.html", title=_("Compliance query"), person=person, year=year,
            own=actor.is_person(person.id), years=stats.years_offered(year, stats.first_record_year(person.id)),
            span=summaries.year_range(year), verdict=verdict, deeming=deeming,
            judged_with=versions.version_words(verdict.rule_set),
            rules=describe(verdict.rule_set, ctx) if verdict.rule_set else [],
            tree=services.summary_tree(verdict, ctx), labels=record_labels(), keys=RECORD_KEYS,
            rows=[record_row(person, r, dictionaries) for r in counted], class_labels=CLASS_LABELS,
            export={"year": year, "person_id": person.id},
        )
