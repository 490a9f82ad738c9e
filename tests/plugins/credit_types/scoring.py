"""Helpers for credit-type tests: the learner's fields as the portal reads them (form data),
parameters as a category stores them (JSON), and the score."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from portal.contracts import CreditType, Score, ScoringContext

LEVEL_CLASSES = {"national": "I", "provincial": "I", "city": "II"}


def learner_fields(credit_type: CreditType, **raw: Any) -> dict[str, Any]:
    """Validated, typed field data; fails with the form's errors when the input is refused."""
    form = credit_type.Fields(formdata=MultiDict({k: str(v) for k, v in raw.items()}))
    assert form.validate(), form.errors
    return form.data


def refused(credit_type: CreditType, **raw: Any) -> dict[str, list[str]]:
    """The form's errors for input that must be refused."""
    form = credit_type.Fields(formdata=MultiDict({k: str(v) for k, v in raw.items()}))
    assert not form.validate(), f"accepted: {raw}"
    return form.errors


def score(credit_type: CreditType, params: dict | None = None, **raw: Any) -> Score:
    typed = credit_type.params(params if params is not None else credit_type.default_params())
    data = learner_fields(credit_type, **raw)
    assert credit_type.validate(data, typed) == {}
    return credit_type.score(data, typed, ScoringContext(level_classes=LEVEL_CLASSES))
