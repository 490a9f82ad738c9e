"""Bringing a database up to date: Alembic migrations, then the roles and permissions
(FAB_CREATE_DB and FAB_UPDATE_PERMS are off, so this is the one place they are made)."""
from __future__ import annotations

import datetime as dt

from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal import partitions
from portal.accounts.roles import ROLES
from portal.compliance import summaries
from portal.credentials import keys as credential_keys
from portal.evidence.sweep import sweep
from portal.extensions import db
from portal.models import CreditRecord, CreditYear, Person, sealed


def sync_roles() -> None:
    appbuilder = current_app.appbuilder
    appbuilder.add_permissions(update_perms=True)
    for name in ROLES:
        appbuilder.sm.add_role(name)
    db.session.commit()


def prepare_database(app: Flask) -> None:
    """Upgrade the schema, sync roles, make the credential signing key if there is none, report
    what the evidence sweep finds, and load the demo province into an empty database when
    PORTAL_DEMO_DATA is on."""
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        _partitions_ahead(app)
        _check_id_keys()
        sync_roles()
        credential_keys.ensure(app)
        _fill_summaries()
        _report_evidence(app)
        if app.config["DEMO_DATA"] and not db.session.scalar(select(func.count(Person.id))):
            from portal.demo import load_demo_data

            load_demo_data(print_credentials=True)


def _partitions_ahead(app: Flask) -> None:
    """This year's and next year's partitions of credit records and attendance (PostgreSQL), made
    before a row of next year can arrive. A year blocked by rows in a default partition is
    reported, not fatal: those rows are still stored and found, in the default partition, and
    the other table still gets its partitions."""
    this = dt.date.today().year
    for table in partitions.TABLES:
        try:
            made = partitions.ensure(db.session.connection(), this, this + 1, [table])
        except partitions.Blocked as e:
            db.session.rollback()
            app.logger.warning("%s", e)
            continue
        db.session.commit()
        if made.get(table):
            app.logger.info("made the %s partitions of %s", table, ", ".join(map(str, made[table])))


def _check_id_keys() -> None:
    """Refuse to serve a database whose ID numbers the keys file cannot open (a restore without
    its keys file, or a new file made beside an old database): every lookup by ID would miss."""
    for first in (True, False):
        found = db.session.scalar(select(Person.id_sealed).order_by(Person.id if first else Person.id.desc()).limit(1))
        if found is None:
            return
        try:
            sealed.unseal(found)
        except sealed.SealBroken as e:
            raise sealed.SealBroken(f"{e}: the ID numbers in this database were sealed with other keys. Put back the "
                                    f"keys file that belongs to it (it is in the backup, {sealed.KEYS_FILE}).") from None


def _fill_summaries() -> None:
    """A database approved records before the yearly summary existed (migration 0005) gets it."""
    if db.session.scalar(select(CreditRecord.id).where(CreditRecord.status == "approved").limit(1)) is None:
        return
    if db.session.scalar(select(CreditYear.person_id).limit(1)) is None:
        summaries.rebuild()
        db.session.commit()


def _report_evidence(app: Flask) -> None:
    """The evidence sweep, report only (``portal evidence-sweep --fix`` acts on it)."""
    found = sweep()
    if found.clean:
        app.logger.info(found.summary())
        return
    app.logger.warning("%s; run `flask --app run.py portal evidence-sweep` for the list", found.summary())
    for line in found.lines():
        app.logger.warning("evidence sweep: %s", line)
