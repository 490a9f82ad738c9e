"""达标标准配置 (the provincial admin's rule set editor) and 达标标准浏览 (the rule sets in force,
for everyone signed in, with the one that applies to the reader highlighted)."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.compliance import versions
from portal.compliance.rules import choose, describe
from portal.compliance.services import context
from portal.models import RuleSet
from portal.people import standing
from portal.standards import services
from portal.standards.forms import RuleSetForm, initial

# Empty rows offered below the filled ones for caps and multi-year requirements.
BLANK_ROWS = 2


class StandardsView(BaseView):
    route_base = "/standards"
    class_permission_name = "Standards"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("portal/standards/list.html", title=_("Compliance standards"),
                                    rows=services.present(services.everything(), context()))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def create(self):
        return self._edit(RuleSet(enabled=True))

    @expose("/<int:rule_set_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, rule_set_id: int):
        return self._edit(services.get(rule_set_id))

    @expose("/<int:rule_set_id>/enabled", methods=["POST"])
    @has_access
    def set_enabled(self, rule_set_id: int):
        rule_set = services.get(rule_set_id)
        services.set_enabled(rule_set, request.form.get("enabled") == "1", current_actor())
        if rule_set.enabled:
            flash(_("“%(name)s” is enabled.", name=rule_set.name), "success")
            for warning in services.competing(rule_set):
                flash(warning, "warning")
        else:
            flash(_("“%(name)s” is disabled: the years not closed yet are judged without it; closed years keep it until "
                    "the province re-judges them.", name=rule_set.name), "success")
        return redirect(url_for("StandardsView.index"))

    @expose("/years")
    @has_access
    def years(self):
        return self.render_template("portal/standards/years.html", title=_("Years and versions"),
                                    years=services.pinned_years())

    @expose("/years/<int:year>/rejudge", methods=["GET", "POST"])
    @has_access
    def rejudge(self, year: int):
        try:
            if request.method == "POST":
                found = services.rejudge(year, current_actor(), request.form.get("changed", type=int, default=-1))
                flash(_("%(year)d is now judged with the versions in force on its last day: %(n)d people's verdict "
                        "changed.", year=year, n=found.changed), "success")
                return redirect(url_for("StandardsView.years"))
            found = services.rejudging(year)
        except services.NotPinned:
            abort(404)
        except services.CountMoved as moved:
            flash(_("The count changed while you were reading it: check the new figures and confirm again."), "warning")
            found = moved.found
        return self.render_template("portal/standards/rejudge.html", title=_("Re-judge %(year)d", year=year), found=found)

    def _edit(self, rule_set: RuleSet):
        posted = request.method == "POST"
        form = RuleSetForm(data=initial(rule_set) if rule_set.id and not posted else None)
        form.rule_set_id = rule_set.id
        preview, warnings = None, []
        if posted and form.validate():
            values = form.values()
            # The unsaved values as a rule set of their own (never added to the session).
            candidate = RuleSet(id=rule_set.id, **values)
            warnings = services.competing(candidate)
            if request.form.get("action") != "preview":
                version = services.save(rule_set, values, current_actor(), form.effective_from.data)
                flash(services.saved_words(version), "success")
                for warning in warnings:
                    flash(warning, "warning")
                return redirect(url_for("StandardsView.index"))
            preview = describe(candidate, context())
        elif not posted and rule_set.id:
            preview, warnings = describe(rule_set, context()), services.competing(rule_set)
            form.effective_from.data = services.next_year_start()
        for rows in (form.caps, form.multi_year):
            while sum(not row.form.used() for row in rows) < BLANK_ROWS and len(rows) < rows.max_entries:
                rows.append_entry()
        return self.render_template("portal/standards/form.html", title=rule_set.name or _("New rule set"), form=form,
                                    preview=preview, warnings=warnings, rule_set=rule_set)


class StandardsBrowseView(BaseView):
    route_base = "/standards"
    class_permission_name = "StandardsBrowse"
    default_view = "browse"

    @expose("/browse")
    @has_access
    def browse(self):
        year = request.args.get("year", type=int)
        if year is None or not 1990 <= year <= 2100:
            year = dt.date.today().year
        judging = versions.load()
        person = current_actor().person
        applies = choose(judging.judging(year), year, standing.history(person).at(year)) if person else None
        return self.render_template(
            "portal/standards/browse.html", title=_("Compliance standards in force"), year=year, person=person,
            applies=applies,
            periods=services.periods(services.present(services.newest_first(judging.shown(year)), context())),
        )

    @expose("/<int:rule_set_id>/versions")
    @has_access
    def versions(self, rule_set_id: int):
        rule_set = services.get(rule_set_id)
        if not rule_set.enabled and not current_actor().is_province_admin:
            abort(404)
        return self.render_template("portal/standards/versions.html", title=_("Versions of “%(name)s”", name=rule_set.name),
                                    rule_set=rule_set, shown=services.history(rule_set, context()))
