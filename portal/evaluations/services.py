"""项目评价, the code that writes: the province's default form (shipped as data, edited by the
provincial admin), an organiser attaching it to an activity, a learner who attended submitting it
once, and the figures organisers and the province read. An answer is stored without its person;
the separate "has evaluated" row enforces once, so no page or response can put a name beside a rating."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accounts import audit as accounts_audit
from portal.accounts.actor import Actor
from portal.activities import services as activities
from portal.extensions import db
from portal.models import Activity, ActivityEvaluated, ActivityEvaluation, EvaluationAnswer, EvaluationForm, Person

DEFAULT_FORM = Path(__file__).resolve().parent.parent / "data" / "evaluations" / "default_form.json"
RATINGS = range(1, 6)
MAX_ITEMS = 30
MAX_COMMENT = 2000


class EvaluationRefused(RuntimeError):
    """``code`` is the API's name for the reason (not_attended, already_evaluated)."""

    def __init__(self, code: str):
        self.code = code
        super().__init__({"not_attended": _("Only learners who attended this activity can evaluate it."),
                          "already_evaluated": _("You have evaluated this activity already.")}[code])


class EvaluationInvalid(ValueError):
    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = {name: [str(m) for m in messages] for name, messages in errors.items()}
        super().__init__("; ".join(m for messages in self.errors.values() for m in messages))


# --- the province's form -------------------------------------------------------------------------

def default_form() -> EvaluationForm:
    """The province's form; the one shipped with the portal until the province first edits it."""
    form = db.session.scalar(select(EvaluationForm).order_by(EvaluationForm.id).limit(1))
    if form is None:
        shipped = json.loads(DEFAULT_FORM.read_text(encoding="utf-8"))
        form = EvaluationForm(name=shipped["name"], items=shipped["items"])
        db.session.add(form)
        db.session.commit()
    return form


def edit_default(actor: Actor, name: str, labels: Iterable[str]) -> EvaluationForm:
    """The province replaces the default form's items (one label a line); activities that have the
    form attached keep the items they were given."""
    if not actor.is_province_admin:
        abort(404)
    labels = [str(label).strip()[:200] for label in labels if str(label).strip()]
    errors = {}
    if not str(name).strip():
        errors["name"] = [_("Give the form's name.")]
    if not 1 <= len(labels) <= MAX_ITEMS:
        errors["items"] = [_("Give from 1 to %(n)d items, one a line.", n=MAX_ITEMS)]
    if errors:
        raise EvaluationInvalid(errors)
    form = default_form()
    known = {item["label"]: item["key"] for item in form.items}
    used = set(known.values())
    items = []
    for label in labels:
        key = known.get(label)
        if key is None:
            key = next(f"item{n}" for n in range(1, 10 * MAX_ITEMS) if f"item{n}" not in used)
            used.add(key)
        items.append({"key": key, "label": label})
    before = {"name": form.name, "items": [i["label"] for i in form.items]}
    form.name, form.items, form.updated_by = str(name).strip()[:200], items, actor.user.id
    accounts_audit.write(accounts_audit.EVALUATION_FORM_EDIT, None, actor, None, before=before,
                         after={"name": form.name, "items": labels})
    db.session.commit()
    return form


# --- an activity's evaluation ---------------------------------------------------------------------

def of(activity: Activity) -> ActivityEvaluation | None:
    return db.session.get(ActivityEvaluation, activity.id)


def attach(actor: Actor, activity: Activity, required: bool) -> ActivityEvaluation:
    """Attach the province's form to an activity the actor organises (``activities.get`` found it),
    or change whether the credit waits for it. Its items are refreshed only while nobody has answered."""
    evaluation = of(activity)
    answered = db.session.scalar(select(func.count()).where(ActivityEvaluated.activity_id == activity.id))
    if evaluation is None:
        evaluation = ActivityEvaluation(activity_id=activity.id)
        db.session.add(evaluation)
    if not answered:
        evaluation.items = [dict(item) for item in default_form().items]
    evaluation.required = bool(required)
    accounts_audit.write(accounts_audit.EVALUATION_ATTACH, None, actor, activity.unit_id,
                         after={"activity_id": activity.id, "name": activity.name, "number": activity.number,
                                "required": evaluation.required})
    db.session.commit()
    return evaluation


def teachers(activity: Activity) -> list[str]:
    return list(dict.fromkeys(s.teacher for s in activity.sessions if s.teacher))


def for_learner(actor: Actor, activity_id: int) -> tuple[Activity, ActivityEvaluation]:
    """An activity the learner may attend, with its evaluation; anything else is a 404."""
    person = actor.person
    activity = db.session.get(Activity, activity_id)
    if person is None or activity is None or not activities.may_attend(activity, person):
        abort(404)
    evaluation = of(activity)
    return activity, evaluation or abort(404)


def has_evaluated(activity_id: int, person_id: int) -> bool:
    return db.session.get(ActivityEvaluated, (activity_id, person_id)) is not None


def submit(actor: Actor, activity_id: int, data: Mapping[str, Any]) -> None:
    """The learner's answers: ``ratings`` {item key: 1–5} for every item, ``teachers`` {name: 1–5}
    for every teacher, ``comment``. Once per learner; the credit follows when it was all that was missing."""
    activity, evaluation = for_learner(actor, activity_id)
    person = actor.person
    if not activities.attended(activity, [person.id]).get(person.id):
        raise EvaluationRefused("not_attended")
    if has_evaluated(activity.id, person.id):
        raise EvaluationRefused("already_evaluated")
    ratings = _ratings(data.get("ratings"), [i["key"] for i in evaluation.items])
    teacher_ratings = _ratings(data.get("teachers"), teachers(activity))
    if ratings is None or teacher_ratings is None:
        raise EvaluationInvalid({"ratings": [_("Rate every item and every teacher from 1 to 5.")]})
    try:
        with db.session.begin_nested():
            db.session.add(ActivityEvaluated(activity_id=activity.id, person_id=person.id))
            db.session.flush()
    except IntegrityError:  # the same form sent twice at once: the other request counted
        db.session.rollback()
        raise EvaluationRefused("already_evaluated") from None
    db.session.add(EvaluationAnswer(activity_id=activity.id, ratings=ratings, teachers=teacher_ratings,
                                    comment=str(data.get("comment") or "").strip()[:MAX_COMMENT]))
    db.session.commit()
    if evaluation.required:
        activities.grant_if_due(actor, activity, person)


def _ratings(given: Any, keys: list[str]) -> dict[str, int] | None:
    if not isinstance(given, Mapping):
        return None if keys else {}
    found = {}
    for key in keys:
        value = given.get(key)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or value not in RATINGS:
            return None
        found[key] = value
    return found


def evaluated(activity: Activity, person_ids: Iterable[int]) -> set[int]:
    """The activities' credit condition: everyone, unless the activity requires its evaluation."""
    ids = set(person_ids)
    evaluation = of(activity)
    if evaluation is None or not evaluation.required:
        return ids
    done = db.session.scalars(select(ActivityEvaluated.person_id).where(ActivityEvaluated.activity_id == activity.id))
    return ids & set(done)


# --- what organisers and the province read --------------------------------------------------------

def _mean(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class Summary:
    activity: Activity
    count: int = 0
    items: list[tuple[str, Decimal | None]] = field(default_factory=list)
    teachers: list[tuple[str, Decimal | None]] = field(default_factory=list)
    overall: Decimal | None = None
    comments: list[str] = field(default_factory=list)


def summary(activity: Activity) -> Summary:
    """Averages per item and per teacher and the comments, in an order that says nothing of who wrote them."""
    evaluation = of(activity)
    answers = list(db.session.scalars(select(EvaluationAnswer).where(EvaluationAnswer.activity_id == activity.id)))
    found = Summary(activity, count=len(answers))
    if evaluation is None:
        return found
    found.items = [(item["label"], _mean([a.ratings[item["key"]] for a in answers if item["key"] in a.ratings]))
                   for item in evaluation.items]
    names = list(dict.fromkeys(teachers(activity) + [n for a in answers for n in a.teachers]))
    found.teachers = [(name, _mean([a.teachers[name] for a in answers if name in a.teachers])) for name in names]
    found.overall = _mean([v for a in answers for v in a.ratings.values()])
    found.comments = sorted(a.comment for a in answers if a.comment)
    return found


def overview(actor: Actor, limit: int = 200) -> tuple[list[Summary], list[tuple[str, Decimal | None, int]]]:
    """Every evaluated activity the actor organises (the province: all), and each teacher's average over them."""
    query = (activities.organised(actor).join(ActivityEvaluation, ActivityEvaluation.activity_id == Activity.id)
             .order_by(Activity.starts_on.desc(), Activity.id.desc()).limit(limit))
    summaries = [summary(a) for a in db.session.scalars(query)]
    ratings: dict[str, list[int]] = {}
    ids = [s.activity.id for s in summaries]
    if ids:
        for answer in db.session.scalars(select(EvaluationAnswer).where(EvaluationAnswer.activity_id.in_(ids))):
            for name, value in answer.teachers.items():
                ratings.setdefault(name, []).append(value)
    return summaries, sorted(((name, _mean(v), len(v)) for name, v in ratings.items()), key=lambda t: t[0])


def learner_state(person: Person, activity_ids: Iterable[int]) -> dict[int, str]:
    """For 考勤记录查询: activity id → "open" (an evaluation to give) or "done"; absent: none offered."""
    ids = list(set(activity_ids))
    if not ids:
        return {}
    offered = db.session.scalars(select(ActivityEvaluation.activity_id).where(ActivityEvaluation.activity_id.in_(ids)))
    done = set(db.session.scalars(select(ActivityEvaluated.activity_id).where(
        ActivityEvaluated.person_id == person.id, ActivityEvaluated.activity_id.in_(ids))))
    return {activity_id: "done" if activity_id in done else "open" for activity_id in offered}
