"""Who is asking: the signed-in user, their person record and what they may see."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask import g
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.accounts.roles import PROJECT_ADMIN, PROVINCE_ADMIN, SELF_ENTRY, UNIT_ADMIN
from portal.extensions import db
from portal.models import Person


@dataclass(frozen=True)
class Actor:
    user: User
    person: Person | None
    roles: frozenset[str]

    @property
    def is_province_admin(self) -> bool:
        return PROVINCE_ADMIN in self.roles

    @property
    def is_unit_admin(self) -> bool:
        return UNIT_ADMIN in self.roles and self.person is not None

    @property
    def is_project_admin(self) -> bool:
        """项目管理员: organises the activities of their unit."""
        return PROJECT_ADMIN in self.roles and self.person is not None

    @property
    def unit_id(self) -> int | None:
        return self.person.unit_id if self.person else None

    def is_person(self, person_id: int) -> bool:
        """Whether ``person_id`` is the actor's own person (their own records, their own year)."""
        return self.person is not None and self.person.id == person_id

    @property
    def is_out_of_province(self) -> bool:
        return self.person is not None and self.person.out_of_province

    @property
    def can_self_enter(self) -> bool:
        return SELF_ENTRY in self.roles

    @property
    def api_role(self) -> str:
        """The role as the REST API names it."""
        if self.is_province_admin:
            return "province_admin"
        return "unit_admin" if self.is_unit_admin else "learner"


@cache
def _signed_in_statement() -> Select:
    """Every request runs it: built once (on first use, when the mappers have their relationships),
    so that it is not built and keyed for the statement cache again each time, a third of its
    cost. The person's unit is joined; an admin may have no person. Groups are not read: the
    portal has none (PortalSecurityManager.get_user_roles). The roles are joined one table after
    the other: joinedload's nested ``LEFT JOIN (ab_user_role JOIN ab_role)`` made SQLite copy
    every account's roles into a temporary table on every request (23 ms at 50,000 people)."""
    return (select(User, Person).outerjoin(Person, Person.user_id == User.id)
            .outerjoin(assoc_user_role, assoc_user_role.c.user_id == User.id)
            .outerjoin(Role, Role.id == assoc_user_role.c.role_id)
            .where(User.id == bindparam("user_id"))
            .options(contains_eager(User.roles), joinedload(Person.unit, innerjoin=False)))


def signed_in(user_id: int) -> User | None:
    """The account of a request's session or token, read with its roles and person in one
    statement (not three, on every request); the request's actor is kept for current_actor."""
    found = db.session.execute(_signed_in_statement(), {"user_id": user_id}).unique().one_or_none()
    if found is None:
        return None
    user, person = found
    g.portal_actor = Actor(user=user, person=person, roles=frozenset(r.name for r in user.roles))
    return user


def actor_for(user: User) -> Actor:
    person = db.session.scalar(select(Person).where(Person.user_id == user.id))
    return Actor(user=user, person=person, roles=frozenset(r.name for r in user.roles))


def current_actor() -> Actor:
    """The actor of this request (FAB has already put the authenticated user in ``g.user``)."""
    actor = g.get("portal_actor")
    if actor is None or actor.user.id != g.user.id:
        actor = g.portal_actor = actor_for(g.user)
    return actor
