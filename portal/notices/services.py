"""Notices: saved in each person's notice box, then handed to the notifier plugins that
PORTAL_NOTIFIERS names, at most PORTAL_NOTICE_DAILY_LIMIT a day per person and notifier. The log
says what kind went to how many people and through what, never who or what it said."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from portal.accounts import audit
from portal.accounts.actor import Actor
from portal.compliance import services as compliance
from portal.contracts import NoticeInfo
from portal.events import person_info
from portal.extensions import db
from portal.models import CreditRecord, Notice, Person
from portal.models.clock import now

log = logging.getLogger("portal.notices")

REVIEW, REMINDER, DEADLINE = "review", "reminder", "deadline"
KIND_LABELS = {REVIEW: _l("Review result"), REMINDER: _l("Reminder"), DEADLINE: _l("Deadline")}


def send(kind: str, messages: Iterable[tuple[int, str, str]], sender: Actor | None = None) -> int:
    """Put each (person id, title, body) in that person's box (one commit), then deliver them;
    returns how many were put. One INSERT for them all, not an object each through the unit of
    work: an approval puts twenty (13 million instructions as objects, 8 so), a reminder thousands."""
    rows = [{"person_id": person_id, "kind": kind, "title": title, "body": body, "delivered": "",
             "sent_by": sender.user.id if sender else None} for person_id, title, body in messages]
    ids = db.session.scalars(insert(Notice).returning(Notice.id, sort_by_parameter_order=True), rows).all() if rows else []
    db.session.commit()
    _deliver([(row["person_id"], NoticeInfo(id_, kind, row["title"], row["body"])) for id_, row in zip(ids, rows, strict=True)])
    log.info("notice %s put in %d boxes", kind, len(rows))
    return len(rows)


def review_results(records: Iterable[CreditRecord]) -> None:
    """Tell each learner the decision on their record, with the reviewer's comment."""
    messages = []
    for record in records:
        if record.status == "approved":
            messages.append((record.person_id, _("Record approved: %(name)s", name=record.activity_name),
                             _("%(credits)s credits are counted.", credits=record.credits)))
        else:
            messages.append((record.person_id, _("Record returned: %(name)s", name=record.activity_name),
                             _("Reason: %(comment)s. Correct it and submit it again.", comment=record.review_comment or "—")))
    send(REVIEW, messages)


def behind(year: int, unit_ids: list[int] | None) -> list[compliance.PersonResult]:
    """The active staff of ``unit_ids`` (everyone's when None) who are not yet compliant in ``year``."""
    return [r for r in compliance.results(year, unit_ids) if r.verdict.compliant is False]


def remind(year: int, unit_ids: list[int] | None, sender: Actor | None, deadline: dt.date | None = None) -> int:
    """A reminder to each person behind in ``year``, saying what is missing (and by when)."""
    messages = []
    for result in behind(year, unit_ids):
        body = _("Still missing for %(year)d: %(missing)s.", year=year,
                 missing="；".join(s.message for s in result.verdict.shortfalls))
        if deadline:
            body += _(" Enter and submit your credits by %(date)s.", date=deadline.isoformat())
        messages.append((result.person_id, _("Your %(year)d credits are not complete yet", year=year), body))
    if sender is not None:
        audit.write(audit.REMINDERS_SENT, None, sender, unit_ids[0] if unit_ids and len(unit_ids) == 1 else None,
                    after={"year": year, "people": len(messages), "deadline": deadline.isoformat() if deadline else None})
    return send(DEADLINE if deadline else REMINDER, messages, sender)


def box(person_id: int, limit: int = 100) -> list[Notice]:
    """A person's latest notices, newest first."""
    return list(db.session.scalars(select(Notice).where(Notice.person_id == person_id)
                                   .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)))


def unread(person_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notice)
                             .where(Notice.person_id == person_id, Notice.read_at.is_(None)))


def mark_read(person_id: int) -> int:
    """Mark all of a person's notices read; returns how many were unread."""
    changed = db.session.execute(update(Notice).where(Notice.person_id == person_id, Notice.read_at.is_(None))
                                 .values(read_at=now())).rowcount
    db.session.commit()
    return changed


def _deliver(notices: list[tuple[int, NoticeInfo]]) -> None:
    """Hand each (person id, notice) to the configured notifiers."""
    registry, slugs = current_app.extensions["portal"], current_app.config["NOTIFIERS"]
    if not notices or not slugs:
        return
    person_ids = {person_id for person_id, _ in notices}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    since, limit = now() - dt.timedelta(days=1), current_app.config["NOTICE_DAILY_LIMIT"]
    for slug in slugs:
        notifier, reached, skipped = registry.notifiers[slug](current_app), [], 0
        delivered = _delivered_since(person_ids, slug, since)
        for person_id, notice in notices:
            if delivered.get(person_id, 0) >= limit:
                skipped += 1
                continue
            try:
                if notifier.send(person_info(people[person_id]), notice):
                    reached.append(notice.id)
                    delivered[person_id] = delivered.get(person_id, 0) + 1
            except Exception:  # a notifier's failure must not lose the notice, which is in the box
                log.exception("notifier %s failed on notice %d", slug, notice.id)
        if reached:
            db.session.execute(update(Notice).where(Notice.id.in_(reached)).values(delivered=Notice.delivered + f",{slug},"))
        db.session.commit()
        log.info("notifier %s delivered %d notices (%d over the daily limit)", slug, len(reached), skipped)


def _delivered_since(person_ids: set[int], slug: str, since: dt.datetime) -> dict[int, int]:
    """person id → notices ``slug`` delivered to them since ``since`` (one query for the batch)."""
    return dict(db.session.execute(
        select(Notice.person_id, func.count()).where(Notice.person_id.in_(person_ids), Notice.created_at >= since,
                                                     Notice.delivered.contains(f",{slug},"))
        .group_by(Notice.person_id)).all())
