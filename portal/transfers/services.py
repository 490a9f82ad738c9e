"""Transfers: the receiving unit's admin asks for a person by ID number; the releasing unit's admin
(or the province) approves or refuses with a reason; the asker may withdraw while it waits. The
provincial admin may ask on behalf of any unit. An approved transfer moves the person
(``people.services.move``): records and history stay theirs."""
from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from portal.accounts import audit
from portal.accounts.actor import Actor
from portal.extensions import db
from portal.models import Person, Transfer, Unit
from portal.models.clock import now
from portal.people import id_number
from portal.people import services as people


class TransferInvalid(ValueError):
    """The transfer cannot be asked for or decided; the message says why."""


def ask(actor: Actor, id_number_text: str, note: str = "", to_unit_id: int | None = None) -> Transfer:
    """Ask for the person with this ID number to join the actor's unit (the province: ``to_unit_id``)."""
    if actor.is_province_admin:
        to_unit = db.session.get(Unit, to_unit_id) if to_unit_id else None
        if to_unit is None:
            raise TransferInvalid(_("Choose the unit the person moves to."))
    elif actor.is_unit_admin:
        to_unit = db.session.get(Unit, actor.unit_id)
    else:
        abort(404)
    try:
        number = id_number.parse(id_number_text or "").number
    except id_number.InvalidIdNumber as e:
        raise TransferInvalid(str(e)) from None
    person = db.session.scalar(select(Person).where(Person.with_id_number(number)))
    if person is None or person.out_of_province:
        raise TransferInvalid(_("Nobody with this ID number is staff in the province: add a new person on the staff page."))
    if person.unit_id == to_unit.id:
        raise TransferInvalid(_("%(name)s is already staff of %(unit)s.", name=person.name, unit=to_unit.name))
    if db.session.scalar(select(Transfer.id).where(Transfer.person_id == person.id, Transfer.state == "requested")):
        raise TransferInvalid(_("A transfer of this person is already waiting for a decision."))
    transfer = Transfer(person_id=person.id, from_unit_id=person.unit_id, to_unit_id=to_unit.id,
                        note=(note or "").strip()[:200], requested_by=actor.user.id, reason="")
    db.session.add(transfer)
    _audit(audit.TRANSFER_REQUEST, actor, transfer, person)
    db.session.commit()
    return transfer


def visible(actor: Actor) -> Select:
    """Transfers into or out of the actor's unit; every transfer for the province."""
    query = select(Transfer).options(joinedload(Transfer.person), joinedload(Transfer.from_unit),
                                     joinedload(Transfer.to_unit))
    if actor.is_province_admin:
        return query
    if actor.is_unit_admin:
        return query.where(or_(Transfer.from_unit_id == actor.unit_id, Transfer.to_unit_id == actor.unit_id))
    return query.where(False)


def get(actor: Actor, transfer_id: int) -> Transfer:
    return db.session.scalar(visible(actor).where(Transfer.id == transfer_id)) or abort(404)


def decide(actor: Actor, transfer: Transfer, approve: bool, reason: str = "") -> Transfer:
    """The releasing unit (or the province) lets the person go, or refuses with a reason."""
    if not (actor.is_province_admin or transfer.from_unit_id == actor.unit_id):
        abort(404)
    _waiting(transfer)
    reason = (reason or "").strip()[:200]
    if not approve and not reason:
        raise TransferInvalid(_("Say why the transfer is refused."))
    transfer.state, transfer.reason = ("approved" if approve else "refused"), reason
    transfer.decided_by, transfer.decided_at = actor.user.id, now()
    if approve:
        people.move(transfer.person, transfer.to_unit_id, actor,
                    _("Transfer from %(unit)s", unit=transfer.from_unit.name))
    _audit(audit.TRANSFER_APPROVE if approve else audit.TRANSFER_REFUSE, actor, transfer, transfer.person)
    db.session.commit()
    return transfer


def withdraw(actor: Actor, transfer: Transfer) -> Transfer:
    """The asking unit (or the province) takes a waiting request back."""
    if not (actor.is_province_admin or transfer.to_unit_id == actor.unit_id):
        abort(404)
    _waiting(transfer)
    transfer.state, transfer.decided_by, transfer.decided_at = "withdrawn", actor.user.id, now()
    _audit(audit.TRANSFER_WITHDRAW, actor, transfer, transfer.person)
    db.session.commit()
    return transfer


def _audit(action: str, actor: Actor, transfer: Transfer, person: Person) -> None:
    audit.write(action, person.user, actor, transfer.from_unit_id,
                after={"from_unit_id": transfer.from_unit_id, "to_unit_id": transfer.to_unit_id, "reason": transfer.reason})


def _waiting(transfer: Transfer) -> None:
    if transfer.state != "requested":
        raise TransferInvalid(_("This transfer was already decided."))
