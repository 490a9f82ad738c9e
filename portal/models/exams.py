"""在线考试, after Moodle's quiz: a question of an activity's bank has versions (an edit makes a new
version, so an attempt keeps the one it showed); an activity's exam settings; attempts with their
drawn questions and option order (slots), deadline and state, stored on the server."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.clock import now

SINGLE, MULTIPLE, JUDGE = "single", "multiple", "judge"
QUESTION_KINDS = (SINGLE, MULTIPLE, JUDGE)
IN_PROGRESS, FINISHED = "in_progress", "finished"


class Question(Model):
    __tablename__ = "exam_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    # The version new attempts draw; None once the question is withdrawn from the bank.
    current_version_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)

    versions: Mapped[list[QuestionVersion]] = relationship(back_populates="question", order_by="QuestionVersion.version")


class QuestionVersion(Model):
    """What one version of a question says: ``options`` [{"id", "text", "correct"}] (ids stay with
    their option across shuffles and versions)."""

    __tablename__ = "exam_question_version"
    __table_args__ = (UniqueConstraint("question_id", "version", name="uq_exam_question_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("exam_question.id"))
    version: Mapped[int] = mapped_column(Integer)
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)

    question: Mapped[Question] = relationship(back_populates="versions")


class Exam(Model):
    """An activity's exam settings. ``pass_mark`` is a percentage of the questions answered right."""

    __tablename__ = "exam"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    draw_single: Mapped[int] = mapped_column(Integer, default=0)
    draw_multiple: Mapped[int] = mapped_column(Integer, default=0)
    draw_judge: Mapped[int] = mapped_column(Integer, default=0)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    time_limit_s: Mapped[int] = mapped_column(Integer, default=1800)
    opens_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Scores and correctness are shown once this has passed; without it, as soon as an attempt ends.
    closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    pass_mark: Mapped[int] = mapped_column(Integer, default=60)
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)
    wait_s: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=False)


class ExamAttempt(Model):
    __tablename__ = "exam_attempt"
    __table_args__ = (UniqueConstraint("activity_id", "person_id", "number", name="uq_exam_attempt_number"),
                      Index("ix_exam_attempt_state_deadline", "state", "deadline"))

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    deadline: Mapped[dt.datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(16), default=IN_PROGRESS)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Percent of the slots answered exactly right, and whether that reaches the pass mark.
    score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    # How often the exam page was hidden (another app or tab) during the attempt.
    visibility_changes: Mapped[int] = mapped_column(Integer, default=0)

    slots: Mapped[list[AttemptSlot]] = relationship(order_by="AttemptSlot.slot", cascade="all, delete-orphan")


class AttemptSlot(Model):
    """One drawn question of an attempt: the version shown, the option order shown, the answer given."""

    __tablename__ = "exam_attempt_slot"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempt.id"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("exam_question_version.id"))
    option_order: Mapped[list[int]] = mapped_column(JSON, default=list)
    answer: Mapped[list[int] | None] = mapped_column(JSON)
    saved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    version: Mapped[QuestionVersion] = relationship()
