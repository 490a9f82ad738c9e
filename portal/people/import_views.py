"""批量导入 pages: download the template, upload a filled one, see every row's problems or a
preview, confirm, then hand over the initial passwords (a download that works once)."""
from __future__ import annotations

import io
import json

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.exports.responses import send_written
from portal.extensions import db
from portal.people import importing
from portal.people.importing import ImportUnreadable

PREVIEW_ROWS = 50


class StaffImportView(BaseView):
    route_base = "/people/import"
    class_permission_name = "People"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return self._page()

    @expose("/template.xlsx")
    @has_access
    def template(self):
        data = importing.template(current_actor())
        return send_written(lambda out: out.write(data), importing.MEDIA_TYPE, _("Staff import template") + ".xlsx")

    @expose("/", methods=["POST"])
    @has_access
    def upload(self):
        actor, upload = current_actor(), request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose the filled-in template first."), "warning")
            return self._page()
        data = upload.read()
        checked = self._checked(data)
        if checked is None or checked.problems:
            return self._page(checked)
        token = importing.stash(actor.user.id, "upload", data)
        return self._page(checked, token=token)

    @expose("/confirm", methods=["POST"])
    @has_access
    def confirm(self):
        actor = current_actor()
        data = importing.unstash(actor.user.id, "upload", request.form.get("token", ""))
        if data is None:
            flash(_("This upload has expired or was already imported; upload the file again."), "warning")
            return redirect(url_for("StaffImportView.index"))
        checked = self._checked(data)
        if checked is None or checked.problems:  # the province changed since the preview
            return self._page(checked)
        accounts = importing.create(actor, checked)
        db.session.commit()
        result = {"people": [a["person_id"] for a in accounts]}
        token = importing.stash(actor.user.id, "result", json.dumps(result).encode())
        importing.stash(actor.user.id, "accounts", importing.accounts_workbook(accounts), token=token)
        return redirect(url_for("StaffImportView.done", token=token))

    @expose("/done/<token>")
    @has_access
    def done(self, token: str):
        actor = current_actor()
        result = importing.unstash(actor.user.id, "result", token, keep=True)
        if result is None:
            abort(404)
        people = json.loads(result)["people"]
        waiting = importing.stashed(actor.user.id, "accounts", token)
        return self.render_template("portal/people/import_done.html", title=_("Staff import"), people=people,
                                    token=token, waiting=waiting)

    @expose("/accounts/<token>.xlsx")
    @has_access
    def accounts(self, token: str):
        data = importing.unstash(current_actor().user.id, "accounts", token)
        if data is None:
            flash(_("The initial passwords can be downloaded once; reset a person's password on their page if one is lost."),
                  "warning")
            return redirect(url_for("StaffImportView.done", token=token))
        return send_written(lambda out: out.write(data), importing.MEDIA_TYPE, _("Initial passwords") + ".xlsx")

    def _checked(self, data: bytes) -> importing.Checked | None:
        actor = current_actor()
        try:
            return importing.check(actor, importing.read(io.BytesIO(data), actor))
        except ImportUnreadable as e:
            flash(str(e), "danger")
            return None

    def _page(self, checked: importing.Checked | None = None, token: str | None = None):
        labels = [(key, str(label)) for key, label, _width in importing.columns(current_actor())]
        return self.render_template("portal/people/import.html", title=_("Staff import"), checked=checked, token=token,
                                    preview=checked.rows[:PREVIEW_ROWS] if checked else [], labels=labels)
