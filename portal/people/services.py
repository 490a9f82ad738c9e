"""People: scoped queries and changes. Every read goes through ``scoped()``, so another unit's
person is simply not found (404) for a unit admin, in pages and API alike."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import abort, current_app
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from flask_babel import gettext as _
from sqlalchemy import Row, Select, exists, func, or_, select
from sqlalchemy import update as update_rows

from portal import events
from portal.accounts import audit, sessions
from portal.accounts import services as accounts
from portal.accounts.actor import Actor
from portal.accounts.roles import API_ROLES, LEARNER, OUT_OF_PROVINCE, SELF_ENTRY, UNIT_ADMIN, UNIT_ADMIN_GRANTS
from portal.extensions import db
from portal.models import AccountState, AuditEntry, CreditRecord, Person, PersonHistory, Unit, clock
from portal.models.sealed import id_hashes, unseal
from portal.models.tallies import mark_people, mark_units
from portal.models.units import subtree
from portal.pagination import Page
from portal.people import id_number, standing

SELF_SERVICE_FIELDS = ("mobile", "phone", "email", "ethnicity", "ic_card_no")
STAFF_FIELDS = SELF_SERVICE_FIELDS + (
    "name", "id_number", "person_no", "political_status", "education", "degree",
    "department", "position", "status", "transfer_status", "title", "title_level",
)
HISTORY_FIELDS = ("unit_id", "title", "title_level", "status")
# What an admin's edit may leave empty to mean "unchanged": admins see the ID and contact numbers
# masked (portal.people.forms.StaffEditForm); the person clears their own on their profile.
KEEP_WHEN_EMPTY = ("id_number", "person_no", "mobile", "phone")
PER_PAGE = 20
# What is masked outside the owner's view and an admin may reveal, one audited request at a time.
REVEALABLE = ("id_number", "mobile", "phone")
BATCH = 1000
CANCELLED = "注销"


class PersonNeeded(LookupError):
    """Someone with no person record (the provincial admin) opened a person's page without
    naming whose: they are asked to pick one."""


class PersonConflict(ValueError):
    """A value the person cannot have: taken by someone else, or (an out-of-province learner's
    mobile number, where their sign-in code goes) left empty. ``field`` names the form field, the
    message is for the user."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def has_role(role_name: str, person=Person):
    """SQL: the person's account (of ``person``, Person or an alias of it) has ``role_name``."""
    return exists().where(
        assoc_user_role.c.user_id == person.user_id,
        assoc_user_role.c.role_id == select(Role.id).where(Role.name == role_name).scalar_subquery(),
    )


def scoped(actor: Actor) -> Select:
    """People the actor may see: everyone for the province, the own unit's staff for a unit admin."""
    query = select(Person)
    if actor.is_province_admin:
        return query
    if actor.is_unit_admin:
        return query.where(Person.unit_id == actor.unit_id)
    return query.where(False)


def get(actor: Actor, person_id: int) -> Person:
    person = db.session.scalar(scoped(actor).where(Person.id == person_id))
    if person is None:
        abort(404)
    return person


def may_manage_account(actor: Actor, person: Person) -> bool:
    """Whether the actor may reset the person's password, change their roles or edit them: the
    province anyone; a unit admin (who sees their unit's staff, ``get``) only accounts whose
    roles are all ones they may grant, so never a fellow unit admin or a provincial admin."""
    if actor.is_province_admin:
        return True
    return actor.is_unit_admin and {r.name for r in person.user.roles} <= UNIT_ADMIN_GRANTS


class TooManyReveals(RuntimeError):
    """The admin revealed REVEALS_PER_HOUR values in the last hour (a scraper, or a stolen session)."""


def reveal(actor: Actor, person_id: int, field: str) -> str:
    """The full value of a masked field of a person the admin may see (404 otherwise: another
    unit's person, an unknown field, or a caller who is no admin), written to the audit trail.
    The trail is also the count the hourly limit is checked against, in every worker alike."""
    if field not in REVEALABLE or not (actor.is_province_admin or actor.is_unit_admin):
        abort(404)
    person = get(actor, person_id)
    since = clock.now() - dt.timedelta(hours=1)
    done = db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.user_id == actor.user.id, AuditEntry.action == audit.PERSONAL_DATA_REVEAL, AuditEntry.at > since))
    if done >= current_app.config["REVEALS_PER_HOUR"]:
        raise TooManyReveals
    audit.write(audit.PERSONAL_DATA_REVEAL, person.user, actor, person.unit_id, after={"field": field})
    db.session.commit()
    return getattr(person, field)


def managed(actor: Actor, person_id: int) -> Person:
    """The person, for a change of their account: 404 when not visible, 403 when visible but
    beyond what the actor may grant."""
    person = get(actor, person_id)
    if not may_manage_account(actor, person):
        abort(403)
    return person


def whose(actor: Actor, person_id: Any) -> Person:
    """The person whose credits are asked for: oneself by default; a unit admin's staff or, for the
    provincial admin, anyone; any other id is a 404. Without an id and a person of one's own,
    PersonNeeded."""
    if person_id in (None, ""):
        if actor.person is None:
            raise PersonNeeded
        return actor.person
    try:
        wanted = int(person_id)
    except (TypeError, ValueError):
        abort(404)
    if actor.is_person(wanted):
        return actor.person
    return get(actor, wanted)


def matching(actor: Actor, q: str = "", unit_id: int | None = None, role: str | None = None) -> Select:
    """The people the actor may see who match the staff list's filters (all of them, every page)."""
    query = scoped(actor)
    q = (q or "").strip()
    if q:
        normalised = id_number.normalise(q)
        # The exact matches come from a subquery on their unique indexes: with them inline the
        # name search must read every whole row; this way it scans the (unit_id, name) index.
        exact = select(Person.id).where(or_(Person.person_no == q, Person.with_id_number(normalised)))
        query = query.where(or_(Person.name.contains(q), Person.id.in_(exact)))
    if unit_id:
        query = query.where(Person.unit_id.in_(subtree(unit_id)))
    if role in API_ROLES:
        query = query.where(has_role(UNIT_ADMIN) if role == "unit_admin" else ~has_role(UNIT_ADMIN))
    return query


def search(actor: Actor, q: str = "", unit_id: int | None = None, role: str | None = None,
           page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of people with their unit and account flags, in two queries (rows + count)."""
    query = matching(actor, q, unit_id, role)
    total = db.session.scalar(query.with_only_columns(func.count(Person.id)).order_by(None))
    order = (Person.unit_id, Person.name, Person.id)
    # The page's ids first, then their details: the role flags are worked out for these rows
    # only (given them for every match, PostgreSQL hashes all the province's role grants).
    page_ids = (
        query.with_only_columns(Person.id).order_by(*order)
        .limit(per_page).offset((max(page, 1) - 1) * per_page).subquery()
    )
    rows = db.session.execute(
        select(
            Person.id, Person.person_no, Person.name, Person.sex, Person.id_sealed, Person.mobile,
            Person.department, Person.title, Person.title_level, Person.status, Person.out_of_province,
            Unit.name.label("unit_name"),
            User.username, has_role(SELF_ENTRY).label("self_entry"), has_role(UNIT_ADMIN).label("unit_admin"),
        )
        .join(page_ids, page_ids.c.id == Person.id)
        .join(Unit, Unit.id == Person.unit_id)
        .join(User, User.id == Person.user_id)
        .order_by(*order)
    ).all()
    return Page(rows=[SimpleNamespace(**row._mapping, id_number=unseal(row.id_sealed)) for row in rows],
                total=total or 0, page=max(page, 1), per_page=per_page)


def units_for(actor: Actor) -> list[Row]:
    """Units the actor may put people in: rows of id, code and name (a province has hundreds,
    listed on every search page; plain rows cost a fraction of ORM objects)."""
    query = select(Unit.id, Unit.code, Unit.name).order_by(Unit.code)
    if not actor.is_province_admin:
        query = query.where(Unit.id == actor.unit_id)
    return list(db.session.execute(query))


def create(actor: Actor, data: dict[str, Any]) -> tuple[Person, str | None]:
    """A new person with a login account. Returns the person and the initial password,
    which is shown once to the admin and must be changed at first login; an out-of-province
    learner (only the provincial admin registers them) gets none: they sign in by SMS code."""
    unit_id = data.get("unit_id") if actor.is_province_admin else actor.unit_id
    role = data.get("role", "learner") if actor.is_province_admin else "learner"
    out_of_province = bool(data.get("out_of_province")) and actor.is_province_admin
    parsed = id_number.parse(data["id_number"])
    _check_unique(None, parsed.number, data.get("person_no") or None)
    username = (data.get("username") or "").strip()
    if username and _username_taken(username):
        raise PersonConflict("username", _("This username is already taken."))
    person = Person(unit_id=unit_id, person_no="", sex=parsed.sex, birth_date=parsed.birth_date,
                    out_of_province=out_of_province)
    for field in STAFF_FIELDS:
        if field in data and data[field] is not None:
            setattr(person, field, data[field])
    person.id_number = parsed.number
    # An out-of-province learner's account gets a random password nobody is told.
    user, password = accounts.create_user(
        username or f"pending-{secrets.token_hex(8)}", data["name"],
        [OUT_OF_PROVINCE if out_of_province else API_ROLES.get(role, LEARNER)],
        password=secrets.token_urlsafe(32) if out_of_province else None,
    )
    if out_of_province:
        password = None
    person.user_id = user.id
    db.session.add(person)
    db.session.flush()
    if not person.person_no:
        person.person_no = _generated_number(person)
    if not username:
        user.username = person.person_no
        if _username_taken(user.username, user.id):
            raise PersonConflict("username", _("The staff number is already used as a username; enter a username."))
    _record_history(person)
    mark_people([person.id], clock.now().year)
    events.person_created(person, actor)
    db.session.commit()
    return person, password


def create_many(actor: Actor, rows: list[dict[str, Any]]) -> list[tuple[Person, str]]:
    """Learners from an import, already validated (``import_check``): one transaction, committed
    by the caller, so that all of them are created or none. Returns each person with the initial
    password to hand over once."""
    learner = current_app.appbuilder.sm.find_role(LEARNER)
    made = []
    for row in rows:
        parsed = id_number.parse(row["id_number"])
        user, password = accounts.new_user(f"pending-{secrets.token_hex(8)}", row["name"], [learner])
        person = Person(unit_id=row["unit_id"] if actor.is_province_admin else actor.unit_id, user=user,
                        sex=parsed.sex, birth_date=parsed.birth_date, out_of_province=False)
        for field in STAFF_FIELDS:
            if row.get(field) is not None:
                setattr(person, field, row[field])
        person.id_number = parsed.number
        # Unique until the person has an id to be numbered by (below).
        person.person_no = person.person_no or user.username
        made.append((person, password))
    db.session.add_all(person for person, _password in made)
    db.session.flush()
    codes = dict(db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_({p.unit_id for p, _pw in made}))).all())
    for person, _password in made:
        if person.person_no == person.user.username:
            person.person_no = f"{codes[person.unit_id]}-{person.id:06d}"
        person.user.username = person.person_no
        db.session.add(AccountState(user_id=person.user_id, must_change_password=True))
        _record_history(person)
        events.person_created(person, actor)
    mark_people([person.id for person, _password in made], clock.now().year)
    db.session.flush()
    return made


def import_conflicts(id_numbers: set[str], staff_numbers: set[str]) -> tuple[dict[str, str], set[str]]:
    """What an import's rows clash with: ID number → the name of the unit that holds that person,
    and the staff numbers already taken (as staff numbers, or as usernames in any case)."""
    held, taken = {}, set()
    if id_numbers:
        wanted = id_hashes(id_numbers)
        held = {wanted[digest]: name for digest, name in db.session.execute(
            select(Person.id_hash, Unit.name).join(Unit, Unit.id == Person.unit_id).where(Person.id_hash.in_(wanted)))}
    if staff_numbers:
        used = set(db.session.scalars(select(Person.person_no).where(Person.person_no.in_(staff_numbers))))
        used |= set(db.session.scalars(select(func.lower(User.username))
                                       .where(func.lower(User.username).in_({n.lower() for n in staff_numbers}))))
        taken = {n for n in staff_numbers if n in used or n.lower() in used}
    return held, taken


def update(actor: Actor, person: Person, data: dict[str, Any]) -> Person:
    """Change the fields an admin may change; unit, role and out-of-province only for the
    provincial admin; nothing for an account beyond the actor's grant (403)."""
    if not may_manage_account(actor, person):
        abort(403)
    before = {f: getattr(person, f) for f in HISTORY_FIELDS}
    was_out_of_province = person.out_of_province
    roles_before = _role_names(person)
    if "id_number" in data and data["id_number"]:
        parsed = id_number.parse(data["id_number"])
        data = {**data, "id_number": parsed.number}
        person.sex, person.birth_date = parsed.sex, parsed.birth_date
    _check_unique(person.id, data.get("id_number"), data.get("person_no") or None)
    for field in STAFF_FIELDS:
        if field in data and data[field] is not None and (data[field] or field not in KEEP_WHEN_EMPTY):
            setattr(person, field, data[field])
    if actor.is_province_admin:
        if data.get("unit_id"):
            person.unit_id = data["unit_id"]
        if data.get("out_of_province") is not None and bool(data["out_of_province"]) != person.out_of_province:
            _set_out_of_province(person, bool(data["out_of_province"]))
        if data.get("role") in API_ROLES and not person.out_of_province:
            set_role(person, API_ROLES[data["role"]])
    if "self_entry" in data and data["self_entry"] is not None:
        _set_self_entry(person, bool(data["self_entry"]))
    if person.out_of_province and not person.mobile:
        db.session.rollback()
        raise PersonConflict("mobile", _("An out-of-province learner needs a mobile number: their sign-in code is sent to it."))
    person.user.first_name = person.name
    if CANCELLED in (before["status"], person.status) and before["status"] != person.status:
        _set_cancelled(person, person.status == CANCELLED)
    _audit_roles(actor, person, roles_before)
    if any(getattr(person, f) != before[f] for f in HISTORY_FIELDS):
        _record_history(person)
        mark_people([person.id], clock.now().year)
    elif person.out_of_province != was_out_of_province:
        mark_people([person.id], clock.now().year)
    db.session.commit()
    return person


def update_own(person: Person, data: dict[str, Any]) -> None:
    for field in SELF_SERVICE_FIELDS:
        if field in data and data[field] is not None:
            setattr(person, field, data[field])
    db.session.commit()


@dataclass
class SelfEntryChange:
    """What a batch grant or revoke did: ``changed`` people, and those it skipped, by why."""

    changed: int = 0
    already: int = 0           # had (or lacked) the permission already
    out_of_province: int = 0   # they enter nothing: their records come from projects
    beyond_grant: int = 0      # accounts the actor may not change (a fellow admin)
    not_found: int = 0         # not among the people the actor sees


def set_self_entry(actor: Actor, person_ids: list[int], granted: bool) -> SelfEntryChange:
    """Grant or revoke the credit self-entry permission for several people, each change audited
    (ids the actor may not see are skipped, as if they did not exist)."""
    wanted = set(person_ids)
    people = list(db.session.scalars(scoped(actor).where(Person.id.in_(wanted))))
    change = SelfEntryChange(not_found=len(wanted) - len(people))
    for person in people:
        if not may_manage_account(actor, person):
            change.beyond_grant += 1
        elif granted and person.out_of_province:
            change.out_of_province += 1
        elif self_entry_of(person) == granted:
            change.already += 1
        else:
            roles_before = _role_names(person)
            _set_self_entry(person, granted)
            _audit_roles(actor, person, roles_before)
            change.changed += 1
    db.session.commit()
    return change


def set_self_entry_matching(actor: Actor, q: str, unit_id: int | None, role: str | None,
                            granted: bool) -> SelfEntryChange:
    """``set_self_entry`` for everyone the filters match, pages never shown included, one
    transaction per BATCH people."""
    ids = db.session.scalars(matching(actor, q, unit_id, role).with_only_columns(Person.id).order_by(Person.id)).all()
    total = SelfEntryChange()
    for start in range(0, len(ids), BATCH):
        change = set_self_entry(actor, ids[start:start + BATCH], granted)
        for name in ("changed", "already", "out_of_province", "beyond_grant", "not_found"):
            setattr(total, name, getattr(total, name) + getattr(change, name))
    return total


def reset_password(actor: Actor, person: Person) -> str:
    if not may_manage_account(actor, person):
        abort(403)
    password = accounts.reset_to_initial_password(person.user)
    audit.write(audit.PASSWORD_RESET, person.user, actor, person.unit_id)
    db.session.commit()
    return password


def role_of(person: Person) -> str:
    return "unit_admin" if any(r.name == UNIT_ADMIN for r in person.user.roles) else "learner"


def self_entry_of(person: Person) -> bool:
    return any(r.name == SELF_ENTRY for r in person.user.roles)


def set_role(person: Person, role_name: str) -> None:
    sm = current_app.appbuilder.sm
    keep = [r for r in person.user.roles if r.name not in (LEARNER, UNIT_ADMIN, OUT_OF_PROVINCE)]
    person.user.roles = keep + [sm.find_role(role_name)]


def _set_cancelled(person: Person, cancelled: bool) -> None:
    """注销 closes the account: it cannot sign in and its sessions end; restored, it can again."""
    person.user.active = not cancelled
    if cancelled:
        sessions.end_all(person.user_id)


def _role_names(person: Person) -> set[str]:
    return {r.name for r in person.user.roles}


def _audit_roles(actor: Actor, person: Person, before: set[str]) -> None:
    """An audit row when the person's roles changed: a self-entry grant or revocation, or a role change."""
    after = _role_names(person)
    if after == before:
        return
    if before ^ after == {SELF_ENTRY}:
        action = audit.SELF_ENTRY_GRANT if SELF_ENTRY in after else audit.SELF_ENTRY_REVOKE
    else:
        action = audit.ROLE_CHANGE
    audit.write(action, person.user, actor, person.unit_id, before={"roles": sorted(before)}, after={"roles": sorted(after)})


def _set_out_of_province(person: Person, out_of_province: bool) -> None:
    """An out-of-province learner has their one role and no password; back on the staff they
    are a learner, with no password until an admin resets it."""
    person.out_of_province = out_of_province
    if out_of_province:
        person.user.roles = [current_app.appbuilder.sm.find_role(OUT_OF_PROVINCE)]
        accounts.disable_password(person.user)
    else:
        set_role(person, LEARNER)


def _set_self_entry(person: Person, granted: bool) -> None:
    roles = [r for r in person.user.roles if r.name != SELF_ENTRY]
    if granted and not person.out_of_province:  # they enter nothing: their records come from projects
        roles.append(current_app.appbuilder.sm.find_role(SELF_ENTRY))
    person.user.roles = roles


def _check_unique(person_id: int | None, number: str | None, person_no: str | None) -> None:
    others = select(Person.id).where(Person.id != person_id) if person_id else select(Person.id)
    holder = db.session.scalar(select(Unit.name).join(Person, Person.unit_id == Unit.id)
                               .where(Person.with_id_number(number), Person.id != (person_id or 0))) if number else None
    if holder:
        raise PersonConflict("id_number", _("A person with this ID number is already staff of %(unit)s; to bring them "
                                            "here, ask for a transfer (人员调动).", unit=holder))
    if person_no and db.session.scalar(others.where(Person.person_no == person_no)):
        raise PersonConflict("person_no", _("This staff number is already in use."))


def _username_taken(username: str, except_user_id: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.username) == username.lower())
    if except_user_id:
        query = query.where(User.id != except_user_id)
    return db.session.scalar(query) is not None


def _generated_number(person: Person) -> str:
    unit_code = db.session.scalar(select(Unit.code).where(Unit.id == person.unit_id))
    return f"{unit_code}-{person.id:06d}"


def _record_history(person: Person, year: int | None = None, actor: Actor | None = None, reason: str = "") -> None:
    """A history row of the person's standing now, from ``year`` (this year) on."""
    unit = db.session.get(Unit, person.unit_id)
    db.session.add(PersonHistory(
        person=person, year=year or clock.now().year, unit_id=unit.id, unit_tier=unit.tier or "",
        unit_grade=unit.level or "", unit_type=unit.type or "", title=person.title, title_level=person.title_level,
        status=person.status, changed_by=actor.user.id if actor else None, reason=reason,
    ))


def move(person: Person, unit_id: int, actor: Actor, reason: str) -> None:
    """An approved transfer: the person belongs to ``unit_id`` from now on (a history row says
    since when). Records not yet approved go with them, to be reviewed there; approved ones stay
    with the unit that approved them. The caller commits."""
    person.unit_id = unit_id
    db.session.execute(update_rows(CreditRecord).where(CreditRecord.person_id == person.id,
                                                  CreditRecord.status.in_(("draft", "submitted", "rejected")))
                       .values(unit_id=unit_id))
    _record_history(person, actor=actor, reason=reason)
    mark_people([person.id], clock.now().year)  # both units: the history names the one left


def restate_unit_staff(unit: Unit) -> int:
    """After a unit's tier, grade or type changed: its staff stand in the changed unit from this
    year on (their past years keep the unit as it was). Returns how many people."""
    staff = list(db.session.scalars(select(Person).where(Person.unit_id == unit.id)))
    for person in staff:
        _record_history(person)
    mark_units([unit.id], clock.now().year)
    return len(staff)


class YearCorrection(ValueError):
    """A correction of a year's standing that cannot be made; the message is for the user."""


def correct_year(actor: Actor, person: Person, year: int, data: dict[str, Any]) -> None:
    """The provincial admin corrects the standing of one past year (unit, title, title level,
    status): a history row for that year, naming who and why, and, if the next year had no row
    of its own, one giving it back the standing it had, so that only the year corrected changes."""
    if not actor.is_province_admin:
        abort(403)
    this_year = clock.now().year
    if not 1990 <= year < this_year:
        raise YearCorrection(_("Only a past year can be corrected; change this year on the person's profile."))
    reason = data["reason"].strip()
    unit = db.session.get(Unit, int(data["unit_id"]))
    known = standing.history(person)
    next_year = known.at(year + 1)
    has_next_row = db.session.scalar(select(PersonHistory.id).where(
        PersonHistory.person_id == person.id, PersonHistory.year == year + 1).limit(1)) is not None
    db.session.add(PersonHistory(
        person=person, year=year, unit_id=unit.id, unit_tier=unit.tier or "", unit_grade=unit.level or "",
        unit_type=unit.type or "", title=data.get("title") or "", title_level=data.get("title_level") or "",
        status=data.get("status") or "正常", changed_by=actor.user.id, reason=reason,
    ))
    if not has_next_row and year + 1 <= this_year:
        db.session.add(PersonHistory(
            person=person, year=year + 1, unit_id=next_year.unit_id, unit_tier=next_year.tier,
            unit_grade=next_year.grade, unit_type=next_year.type, title=next_year.title,
            title_level=next_year.title_level, status=next_year.status, changed_by=actor.user.id,
            reason=_("Standing kept after the correction of %(year)d", year=year),
        ))
    mark_people([person.id], year)
    db.session.commit()
