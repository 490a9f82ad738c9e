"""人员调动: ask for a person by ID number, decide on the requests for one's staff, see what was decided."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.extensions import db
from portal.models import Transfer
from portal.people import services as people
from portal.transfers import services
from portal.transfers.services import TransferInvalid

RECENT = 50


class TransferView(BaseView):
    route_base = "/transfers"
    class_permission_name = "Transfers"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        actor = current_actor()
        transfers = db.session.scalars(services.visible(actor).order_by(Transfer.requested_at.desc()).limit(RECENT)).all()
        waiting = [t for t in transfers if t.state == "requested"]
        return self.render_template(
            "portal/transfers/index.html", title=_("Transfers"), actor=actor,
            to_decide=[t for t in waiting if actor.is_province_admin or t.from_unit_id == actor.unit_id],
            asked=[t for t in waiting if not actor.is_province_admin and t.to_unit_id == actor.unit_id],
            decided=[t for t in transfers if t.state != "requested"],
            units=people.units_for(actor) if actor.is_province_admin else [],
            states={"approved": _("Moved"), "refused": _("Refused"), "withdrawn": _("Withdrawn")},
        )

    @expose("/ask", methods=["POST"])
    @has_access
    def ask(self):
        try:
            transfer = services.ask(current_actor(), request.form.get("id_number", ""), request.form.get("note", ""),
                                    request.form.get("to_unit_id", type=int))
            flash(_("Transfer of %(name)s from %(unit)s asked for; that unit decides.", name=transfer.person.name,
                    unit=transfer.from_unit.name), "success")
        except TransferInvalid as e:
            flash(str(e), "danger")
        return redirect(url_for("TransferView.index"))

    @expose("/<int:transfer_id>/decide", methods=["POST"])
    @has_access
    def decide(self, transfer_id: int):
        actor = current_actor()
        transfer = services.get(actor, transfer_id)
        approve = request.form.get("approve") == "1"
        try:
            services.decide(actor, transfer, approve, request.form.get("reason", ""))
            flash(_("%(name)s now belongs to %(unit)s.", name=transfer.person.name, unit=transfer.to_unit.name) if approve
                  else _("The transfer of %(name)s was refused.", name=transfer.person.name), "success")
        except TransferInvalid as e:
            flash(str(e), "danger")
        return redirect(url_for("TransferView.index"))

    @expose("/<int:transfer_id>/withdraw", methods=["POST"])
    @has_access
    def withdraw(self, transfer_id: int):
        actor = current_actor()
        try:
            services.withdraw(actor, services.get(actor, transfer_id))
            flash(_("The request was withdrawn."), "success")
        except TransferInvalid as e:
            flash(str(e), "danger")
        return redirect(url_for("TransferView.index"))
