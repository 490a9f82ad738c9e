"""在线考试, the code that writes. The server owns every rule: it draws each attempt's questions and
option order and stores them, keeps the deadline, saves each answer as it is given, closes an
attempt whose time is up with what was saved, refuses answers after the deadline, and keeps
correctness (and the score) to itself until the exam closes. A pass the activity requires lets its
credit be granted through the activities' one grant rule."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import abort
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy import Update, bindparam, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts import audit as accounts_audit
from portal.accounts.actor import Actor, actor_for
from portal.activities import codes
from portal.activities import services as activities
from portal.extensions import db
from portal.models import Activity, AttemptSlot, Exam, ExamAttempt, Person, Question, QuestionVersion
from portal.models.exams import FINISHED, IN_PROGRESS, JUDGE, MULTIPLE, QUESTION_KINDS, SINGLE

MAX_OPTIONS = 6
MAX_DRAW = 200
_random = random.SystemRandom()


class ExamRefused(RuntimeError):
    """``code`` is the API's name for the reason."""

    def __init__(self, code: str, **details: Any):
        self.code, self.details = code, details
        super().__init__(refusal_text(code))


def refusal_text(code: str) -> str:
    return {
        "attempts_used": _("You have used every attempt this exam allows."),
        "wait": _("You must wait before the next attempt."),
        "deadline_passed": _("The time for this attempt is up; the answers saved before it count."),
        "attempt_finished": _("This attempt has been handed in."),
        "exam_closed": _("The exam is not open now."),
        "not_attended": _("Only learners who attended this activity can take its exam."),
        "no_questions": _("The exam has too few questions in its bank to draw from."),
    }.get(code, code)


class ExamInvalid(ValueError):
    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = {name: [str(m) for m in messages] for name, messages in errors.items()}
        super().__init__("; ".join(m for messages in self.errors.values() for m in messages))


def kind_label(kind: str) -> str:
    return {SINGLE: _("Single choice"), MULTIPLE: _("Multiple choice"), JUDGE: _("True or false")}[kind]


def judge_options() -> list[dict[str, Any]]:
    return [{"id": 1, "text": _("True")}, {"id": 2, "text": _("False")}]


# --- the organiser's bank and settings --------------------------------------------------------------

def exam_of(activity: Activity) -> Exam | None:
    return db.session.get(Exam, activity.id)


def bank(activity: Activity) -> list[tuple[Question, QuestionVersion]]:
    """The questions new attempts draw from, each with its current version."""
    query = (select(Question, QuestionVersion).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
             .where(Question.activity_id == activity.id).order_by(Question.id))
    return [(q, v) for q, v in db.session.execute(query)]


def question_of(activity: Activity, question_id: int) -> Question:
    found = db.session.scalar(select(Question).where(Question.id == question_id, Question.activity_id == activity.id))
    return found or abort(404)


def read_question(data: Mapping[str, Any], where: str = "") -> tuple[dict[str, Any] | None, list[str]]:
    """A question from {"type", "stem", "options": [texts], "correct": [0-based indexes]}: its
    version's fields, or the problems found."""
    kind = str(data.get("type") or "")
    stem = str(data.get("stem") or "").strip()
    problems = []
    if kind not in QUESTION_KINDS:
        problems.append(_("choose single choice, multiple choice or true or false"))
    if not stem:
        problems.append(_("give the question"))
    correct = data.get("correct") or []
    if not isinstance(correct, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in correct):
        correct = [-1]
    if kind == JUDGE:
        if len(correct) != 1 or correct[0] not in (0, 1):
            problems.append(_("say whether the statement is true or false"))
        # Stored in no language: the exam page names them (judge_options).
        options = [{"id": 1, "text": "true", "correct": correct == [0]}, {"id": 2, "text": "false", "correct": correct == [1]}]
    else:
        texts = [str(t).strip()[:500] for t in data.get("options") or [] if str(t).strip()]
        if not 2 <= len(texts) <= MAX_OPTIONS:
            problems.append(_("give from 2 to %(n)d options", n=MAX_OPTIONS))
        if not correct or any(not 0 <= c < len(texts) for c in correct) or len(set(correct)) != len(correct):
            problems.append(_("mark the right options among those given"))
        elif kind == SINGLE and len(correct) != 1:
            problems.append(_("a single-choice question has exactly one right option"))
        elif kind == MULTIPLE and len(correct) < 2:
            problems.append(_("a multiple-choice question has at least two right options"))
        options = [{"id": n + 1, "text": text, "correct": n in correct} for n, text in enumerate(texts)]
    if problems:
        return None, [f"{where}{'；'.join(problems)}"]
    return {"kind": kind, "stem": stem[:4000], "options": options}, []


def save_question(actor: Actor, activity: Activity, data: Mapping[str, Any], question: Question | None = None) -> Question:
    """A new question, or a new version of one: attempts keep the version they showed."""
    fields, problems = read_question(data)
    if fields is None:
        raise ExamInvalid({"question": problems})
    if question is not None and question.kind != fields["kind"]:
        raise ExamInvalid({"question": [_("A question keeps its type; add a new question instead.")]})
    question = _add_version(actor, activity, fields, question)
    _audit(actor, activity, questions=1)
    db.session.commit()
    return question


def _add_version(actor: Actor, activity: Activity, fields: dict[str, Any], question: Question | None) -> Question:
    if question is None:
        question = Question(activity_id=activity.id, kind=fields["kind"])
        db.session.add(question)
        db.session.flush()
    number = (db.session.scalar(select(func.max(QuestionVersion.version)).where(QuestionVersion.question_id == question.id))
              or 0) + 1
    version = QuestionVersion(question_id=question.id, version=number, stem=fields["stem"], options=fields["options"],
                              created_by=actor.user.id)
    db.session.add(version)
    db.session.flush()
    question.current_version_id = version.id
    return question


def withdraw_question(actor: Actor, activity: Activity, question: Question) -> None:
    """Out of the bank for new attempts; past attempts keep it."""
    question.current_version_id = None
    _audit(actor, activity, withdrawn=question.id)
    db.session.commit()


def import_questions(actor: Actor, activity: Activity, rows: list[dict[str, Any]]) -> int:
    """Rows read and checked by ``workbook.read``: all of them, in one transaction."""
    for fields in rows:
        _add_version(actor, activity, fields, None)
    _audit(actor, activity, questions=len(rows), imported=True)
    db.session.commit()
    return len(rows)


def _audit(actor: Actor, activity: Activity, **after: Any) -> None:
    accounts_audit.write(accounts_audit.QUESTIONS_SAVE, None, actor, activity.unit_id,
                         after={"activity_id": activity.id, "name": activity.name, "number": activity.number, **after})


SETTINGS = ("time_limit_s", "pass_mark", "max_attempts", "wait_s")
LIMITS = {"time_limit_s": (60, 6 * 3600), "pass_mark": (1, 100), "max_attempts": (1, 20), "wait_s": (0, 30 * 86400)}


def save_settings(actor: Actor, activity: Activity, data: Mapping[str, Any]) -> Exam:
    """The exam of the API's shape: draw {single, multiple, judge}, time_limit_s, pass_mark,
    max_attempts, wait_s, opens_at, closes_at (ISO 8601), shuffle_options, required."""
    errors: dict[str, list[str]] = {}
    draw = data.get("draw") if isinstance(data.get("draw"), Mapping) else {}
    counts = {}
    available = {kind: 0 for kind in QUESTION_KINDS}
    for question, _version in bank(activity):
        available[question.kind] += 1
    for kind in QUESTION_KINDS:
        value = draw.get(kind, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DRAW:
            errors.setdefault("draw", []).append(_("Draw from 0 to %(n)d questions of each type.", n=MAX_DRAW))
            break
        counts[kind] = value
    if not errors and not sum(counts.values()):
        errors["draw"] = [_("Draw at least one question.")]
    values = {}
    for name in SETTINGS:
        value, (low, high) = data.get(name), LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [_("Give a whole number from %(low)d to %(high)d.", low=low, high=high)]
        values[name] = value
    times = {}
    for name in ("opens_at", "closes_at"):
        given = data.get(name)
        times[name] = activities.to_utc(given) if given not in (None, "") else None
        if given not in (None, "") and times[name] is None:
            errors[name] = [_("Give a date and time.")]
    if times["opens_at"] and times["closes_at"] and times["closes_at"] <= times["opens_at"]:
        errors["closes_at"] = [_("The exam must close after it opens.")]
    if errors:
        raise ExamInvalid(errors)
    exam = exam_of(activity)
    if exam is None:
        exam = Exam(activity_id=activity.id)
        db.session.add(exam)
    exam.draw_single, exam.draw_multiple, exam.draw_judge = counts[SINGLE], counts[MULTIPLE], counts[JUDGE]
    for name in SETTINGS:
        setattr(exam, name, values[name])
    exam.opens_at, exam.closes_at = times["opens_at"], times["closes_at"]
    exam.shuffle_options = data.get("shuffle_options", True) is not False
    exam.required = data.get("required") is True
    accounts_audit.write(accounts_audit.EXAM_SAVE, None, actor, activity.unit_id,
                         after={"activity_id": activity.id, "name": activity.name, "number": activity.number,
                                "draw": counts, **values, "required": exam.required})
    db.session.commit()
    return exam


def draws(exam: Exam) -> dict[str, int]:
    return {SINGLE: exam.draw_single, MULTIPLE: exam.draw_multiple, JUDGE: exam.draw_judge}


# --- the learner's attempts ------------------------------------------------------------------------

def results_released(exam: Exam, now: dt.datetime | None = None) -> bool:
    """Scores leave the server once the exam has closed (at once when it has no closing time)."""
    return exam.closes_at is None or (now or codes.utc_now()) >= exam.closes_at


def for_learner(actor: Actor, activity_id: int) -> tuple[Activity, Exam]:
    person = actor.person
    activity = db.session.get(Activity, activity_id)
    if person is None or activity is None or not activities.may_attend(activity, person):
        abort(404)
    exam = exam_of(activity)
    return activity, exam or abort(404)


def attempts(activity: Activity, person: Person) -> list[ExamAttempt]:
    return list(db.session.scalars(select(ExamAttempt).where(ExamAttempt.activity_id == activity.id,
                                                             ExamAttempt.person_id == person.id)
                                   .order_by(ExamAttempt.number)))


def start(actor: Actor, activity_id: int) -> tuple[ExamAttempt, bool]:
    """The learner's attempt in progress, or a new one drawn now (True). ExamRefused says why not."""
    activity, exam = for_learner(actor, activity_id)
    person, now = actor.person, codes.utc_now()
    past = attempts(activity, person)
    for attempt in past:
        if attempt.state == IN_PROGRESS and not _close_if_overdue(actor, attempt, exam, now):
            return attempt, False
    if (exam.opens_at and now < exam.opens_at) or (exam.closes_at and now >= exam.closes_at):
        raise ExamRefused("exam_closed")
    if not activities.attended(activity, [person.id]).get(person.id):
        raise ExamRefused("not_attended")
    if len(past) >= exam.max_attempts:
        raise ExamRefused("attempts_used")
    if past and exam.wait_s:
        ready = max(a.finished_at or a.deadline for a in past) + dt.timedelta(seconds=exam.wait_s)
        if now < ready:
            raise ExamRefused("wait", retry_after=int((ready - now).total_seconds()) + 1)
    drawn = _draw(activity, exam)
    deadline = now + dt.timedelta(seconds=exam.time_limit_s)
    if exam.closes_at:
        deadline = min(deadline, exam.closes_at)
    attempt = ExamAttempt(activity_id=activity.id, person_id=person.id, number=len(past) + 1, started_at=now,
                          deadline=deadline, state=IN_PROGRESS)
    attempt.slots = [AttemptSlot(slot=n, version_id=version.id, option_order=order)
                     for n, (version, order) in enumerate(drawn, 1)]
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # the same start sent twice at once: the other request drew it
        db.session.rollback()
        return next(a for a in attempts(activity, person) if a.number == len(past) + 1), False
    db.session.commit()
    return attempt, True


def _draw(activity: Activity, exam: Exam) -> list[tuple[QuestionVersion, list[int]]]:
    by_kind: dict[str, list[QuestionVersion]] = {kind: [] for kind in QUESTION_KINDS}
    for question, version in bank(activity):
        by_kind[question.kind].append(version)
    drawn = []
    for kind, count in draws(exam).items():
        if len(by_kind[kind]) < count:
            raise ExamRefused("no_questions")
        for version in _random.sample(by_kind[kind], count):
            order = [o["id"] for o in version.options]
            if exam.shuffle_options and kind != JUDGE:
                _random.shuffle(order)
            drawn.append((version, order))
    return drawn


def own_attempt(actor: Actor, attempt_id: int) -> ExamAttempt:
    person = actor.person
    attempt = db.session.scalar(select(ExamAttempt).where(ExamAttempt.id == attempt_id,
                                                          ExamAttempt.person_id == (person.id if person else -1)))
    return attempt or abort(404)


def exam_for(attempt: ExamAttempt) -> Exam:
    return db.session.get(Exam, attempt.activity_id)


def current(actor: Actor, attempt_id: int) -> tuple[ExamAttempt, Exam]:
    """The learner's attempt, closed first when its time is up."""
    attempt = own_attempt(actor, attempt_id)
    exam = exam_for(attempt)
    if attempt.state == IN_PROGRESS:
        _close_if_overdue(actor, attempt, exam, codes.utc_now())
    return attempt, exam


@dataclass(frozen=True)
class Saved:
    slot: int
    answer: list[int]
    saved_at: dt.datetime


def save_answer(user: User, attempt_id: int, slot: int, option_ids: Any) -> Saved:
    """The answer to one slot, as given. The autosave every exam page sends, many a minute per
    learner, is one UPDATE of the signed-in account's slot while its attempt is open and in time
    (so repeats and parallel saves leave one answer, and no answer lands after the deadline); it
    returns what the answer is checked against, and an answer that is not the question's is rolled
    back. Only a refused save reads more, to say why."""
    given = _given(option_ids)
    now = codes.utc_now()
    saved = db.session.execute(_save_statement(), {"the_attempt": attempt_id, "the_slot": slot, "now": now,
                                                   "the_user": user.id, "the_answer": given or []}).first()
    if saved is None:
        db.session.rollback()
        raise _refusal(user, attempt_id, slot)
    problem = _problem(saved.option_order, saved.kind, given)
    if problem:
        db.session.rollback()
        raise ExamInvalid({"option_ids": [problem]})
    db.session.commit()
    return Saved(slot, given, now)


@cache
def _save_statement() -> Update:
    """The autosave's UPDATE, built once on first use: every save runs it, and building and keying
    this statement anew cost more than running it. Its answer's type is given, so that it is
    stored as JSON. (An UPDATE's parameters may not be named like its columns.)

    The question's kind is nested rather than joined: SQLite's RETURNING takes no table names, and
    SQLAlchemy leaves them out of a subquery there too, where each name then resolves to the
    nearest table having it."""
    version = select(QuestionVersion.question_id).where(QuestionVersion.id == AttemptSlot.version_id).correlate(AttemptSlot)
    kind = select(Question.kind).where(Question.id == version.scalar_subquery()).scalar_subquery().label("kind")
    attempt_id, now = bindparam("the_attempt"), bindparam("now")
    return (update(AttemptSlot)
            .where(AttemptSlot.attempt_id == attempt_id, AttemptSlot.slot == bindparam("the_slot"),
                   exists().where(ExamAttempt.id == attempt_id, ExamAttempt.state == IN_PROGRESS, ExamAttempt.deadline >= now,
                                  ExamAttempt.person_id == select(Person.id).where(
                                      Person.user_id == bindparam("the_user")).scalar_subquery()))
            .values(answer=bindparam("the_answer", type_=AttemptSlot.__table__.c.answer.type), saved_at=now)
            .returning(AttemptSlot.option_order, kind)
            .execution_options(synchronize_session=False))


def _given(option_ids: Any) -> list[int] | None:
    """The chosen option ids, sorted and each once; None when they are not a list of ids."""
    if not isinstance(option_ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in option_ids):
        return None
    return sorted(set(option_ids))


def _problem(option_order: list[int], kind: str, given: list[int] | None) -> str | None:
    if given is None:
        return _("Give the chosen options' ids.")
    if any(i not in option_order for i in given):
        return _("Choose among the question's options.")
    if kind != MULTIPLE and len(given) > 1:
        return _("Choose one option.")
    return None


def _refusal(user: User, attempt_id: int, slot: int) -> ExamRefused:
    """Why a save changed nothing: not the account's slot (404), or its attempt is over (closed now
    when its time is up)."""
    mine = db.session.scalar(select(AttemptSlot.slot).join(ExamAttempt, ExamAttempt.id == AttemptSlot.attempt_id)
                             .join(Person, Person.id == ExamAttempt.person_id)
                             .where(AttemptSlot.attempt_id == attempt_id, AttemptSlot.slot == slot, Person.user_id == user.id))
    if mine is None:
        abort(404)
    attempt, _exam = current(actor_for(user), attempt_id)
    return ExamRefused("attempt_finished" if attempt.finished_at and attempt.finished_at < attempt.deadline
                       else "deadline_passed")


def page_hidden(actor: Actor, attempt_id: int) -> None:
    """The exam page was hidden (another app or tab): counted for the organiser."""
    attempt = own_attempt(actor, attempt_id)
    db.session.execute(update(ExamAttempt).where(ExamAttempt.id == attempt.id, ExamAttempt.state == IN_PROGRESS)
                       .values(visibility_changes=ExamAttempt.visibility_changes + 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def submit(actor: Actor, attempt_id: int) -> tuple[ExamAttempt, Exam]:
    attempt, exam = current(actor, attempt_id)
    if attempt.state == IN_PROGRESS:
        _finish(attempt, exam, codes.utc_now())
        db.session.commit()
        _grant_if_passed(actor, attempt, exam)
    return attempt, exam


def _close_if_overdue(actor: Actor, attempt: ExamAttempt, exam: Exam, now: dt.datetime) -> bool:
    if now <= attempt.deadline:
        return False
    _finish(attempt, exam, attempt.deadline)
    db.session.commit()
    _grant_if_passed(actor, attempt, exam)
    return True


def _finish(attempt: ExamAttempt, exam: Exam, at: dt.datetime) -> None:
    """Hand the attempt in with what was saved: its score and whether it passed."""
    right = sum(1 for slot in attempt.slots if is_right(slot))
    attempt.score = round(100 * right / len(attempt.slots)) if attempt.slots else 0
    attempt.passed = attempt.score >= exam.pass_mark
    attempt.state, attempt.finished_at = FINISHED, at


def is_right(slot: AttemptSlot) -> bool:
    return sorted(slot.answer or []) == sorted(o["id"] for o in slot.version.options if o["correct"])


def _grant_if_passed(actor: Actor, attempt: ExamAttempt, exam: Exam) -> None:
    if attempt.passed and exam.required:
        activity = db.session.get(Activity, attempt.activity_id)
        activities.grant_if_due(actor, activity, db.session.get(Person, attempt.person_id))


def _finish_overdue(activity: Activity, exam: Exam) -> list[ExamAttempt]:
    """Hand in every attempt of the activity whose time is up, with what was saved (not committed)."""
    now = codes.utc_now()
    overdue = db.session.scalars(select(ExamAttempt).where(ExamAttempt.activity_id == activity.id,
                                                           ExamAttempt.state == IN_PROGRESS, ExamAttempt.deadline < now)
                                 .options(selectinload(ExamAttempt.slots))).all()
    for attempt in overdue:
        _finish(attempt, exam, attempt.deadline)
    return list(overdue)


def close_overdue(actor: Actor, activity: Activity) -> int:
    """Every attempt of the activity whose time is up, handed in; a pass the credit waited for grants it."""
    exam = exam_of(activity)
    if exam is None:
        return 0
    closed = _finish_overdue(activity, exam)
    db.session.commit()
    for attempt in closed:
        _grant_if_passed(actor, attempt, exam)
    return len(closed)


def close_all_overdue() -> int:
    """Hand in every attempt whose time is up, without waiting for anyone to look at it: each as a
    read by its learner would (scored with what was saved, a pass the credit waited for granting it).
    For a timer (``flask portal exams-close-overdue``); run again, it finds nothing to do."""
    now = codes.utc_now()
    overdue = db.session.scalars(select(ExamAttempt.id).where(ExamAttempt.state == IN_PROGRESS, ExamAttempt.deadline < now)
                                 .order_by(ExamAttempt.id)).all()
    closed = 0
    for attempt_id in overdue:
        attempt = db.session.get(ExamAttempt, attempt_id)
        if attempt.state != IN_PROGRESS:  # handed in meanwhile
            continue
        learner = actor_for(db.session.get(Person, attempt.person_id).user)
        closed += _close_if_overdue(learner, attempt, exam_for(attempt), now)
    return closed


def passed(activity: Activity, person_ids: Iterable[int]) -> set[int]:
    """The activities' credit condition: everyone, unless the activity requires a pass (an attempt
    whose time is up counts with what was saved)."""
    ids = set(person_ids)
    exam = exam_of(activity)
    if exam is None or not exam.required:
        return ids
    _finish_overdue(activity, exam)
    done = db.session.scalars(select(ExamAttempt.person_id).where(ExamAttempt.activity_id == activity.id,
                                                                  ExamAttempt.passed.is_(True)))
    return ids & set(done)


# --- what the organiser reads --------------------------------------------------------------------

@dataclass
class QuestionShare:
    question_id: int
    version: int
    stem: str
    shown: int
    right: int

    @property
    def share(self) -> int | None:
        return round(100 * self.right / self.shown) if self.shown else None


def results(actor: Actor, activity: Activity) -> tuple[list[ExamAttempt], list[QuestionShare]]:
    """Every attempt (overdue ones closed first) and, per question version shown, the share answered right."""
    close_overdue(actor, activity)
    found = list(db.session.scalars(
        select(ExamAttempt).where(ExamAttempt.activity_id == activity.id)
        .options(selectinload(ExamAttempt.slots).selectinload(AttemptSlot.version))
        .order_by(ExamAttempt.person_id, ExamAttempt.number)))
    shares: dict[int, QuestionShare] = {}
    for attempt in found:
        if attempt.state != FINISHED:
            continue
        for slot in attempt.slots:
            version = slot.version
            share = shares.setdefault(version.id, QuestionShare(version.question_id, version.version, version.stem, 0, 0))
            share.shown += 1
            share.right += is_right(slot)
    return found, sorted(shares.values(), key=lambda s: (s.share if s.share is not None else 101, s.question_id))


def attempt_people(found: Iterable[ExamAttempt]) -> dict[int, Person]:
    ids = {a.person_id for a in found}
    return {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}


def learner_state(person: Person, activity_ids: Iterable[int]) -> dict[int, str]:
    """For 考勤记录查询: activity id → "passed", "taken" or "open"; absent: no exam."""
    ids = list(set(activity_ids))
    if not ids:
        return {}
    exams = {e.activity_id: e for e in db.session.scalars(select(Exam).where(Exam.activity_id.in_(ids)))}
    states = {activity_id: "open" for activity_id in exams}
    for attempt in db.session.scalars(select(ExamAttempt).where(ExamAttempt.person_id == person.id,
                                                                ExamAttempt.activity_id.in_(list(exams)))):
        if attempt.passed and results_released(exams[attempt.activity_id]):
            states[attempt.activity_id] = "passed"
        elif states[attempt.activity_id] == "open" and attempt.state == FINISHED:
            states[attempt.activity_id] = "taken"
    return states
