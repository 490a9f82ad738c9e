"""项目评价: the evaluation forms (the province's default, edited by the provincial admin), the form an
activity uses, the answers, and who has evaluated. Answers carry no person: the separate
``activity_evaluated`` row is what enforces once per learner, so nothing an organiser reads ties a
rating or a comment to a name."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.clock import now


class EvaluationForm(Model):
    """The province's form: items rated 1–5 (``items``: [{"key", "label"}]) plus free comments."""

    __tablename__ = "evaluation_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))


class ActivityEvaluation(Model):
    """An activity's evaluation: a copy of the form's items as attached (a later edit of the
    province's form does not change what was asked), and whether the credit waits for it."""

    __tablename__ = "activity_evaluation"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)


class EvaluationAnswer(Model):
    """One learner's answers, without the learner and without a time (``ratings``: item key → 1–5;
    ``teachers``: teacher name → 1–5)."""

    __tablename__ = "evaluation_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    ratings: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    teachers: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")


class ActivityEvaluated(Model):
    """That a person has evaluated an activity (and so may not again), and nothing of what they said."""

    __tablename__ = "activity_evaluated"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
