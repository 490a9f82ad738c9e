"""The password policy: at least 8 characters, not a common or breached password (portal/data/
common_passwords.txt, about 40,000 of them, matched after normalisation so that Aa123456!,
P@ssw0rd and Dragon2024 are refused too), not the username, and no run of six or more characters
taken from the person's ID number. Every path that sets a password goes through
``password_problems`` (or ``check``)."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128
ID_RUN = 6
_LEET = str.maketrans({"@": "a", "4": "a", "8": "b", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s",
                       "7": "t", "+": "t", "2": "z"})
_TRAILING = re.compile(r"[\W\d_]+$")
_TRAILING_SYMBOLS = re.compile(r"[\W_]+$")


class WeakPassword(ValueError):
    """A password the policy refuses; ``problems`` are the messages for the user."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = files("portal").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def _candidates(password: str) -> set[str]:
    """The forms of ``password`` looked up in the list: as typed, without trailing symbols, without
    trailing digits and symbols, each also with leetspeak undone (all lower-cased)."""
    lowered = password.lower()
    forms = {lowered, _TRAILING_SYMBOLS.sub("", lowered), _TRAILING.sub("", lowered)}
    forms |= {form.translate(_LEET) for form in forms}
    forms |= {_TRAILING.sub("", form) for form in forms}
    return {form for form in forms if form}


def is_common(password: str) -> bool:
    return not _candidates(password).isdisjoint(_common_passwords())


def check(password: str, username: str = "", id_number: str = "") -> None:
    """WeakPassword unless ``password`` is acceptable."""
    problems = password_problems(password, username, id_number)
    if problems:
        raise WeakPassword(problems)


def password_problems(password: str, username: str = "", id_number: str = "") -> list[str]:
    """What is wrong with ``password``, as messages for the user; empty when it is acceptable."""
    problems = []
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    if is_common(password):
        problems.append(_l("This password is too common and easy to guess; choose another."))
    if username and len(username) >= 3 and username.lower() in lowered:
        problems.append(_l("The password must not contain your username."))
    id_number = id_number.upper()
    if id_number and any(id_number[i : i + ID_RUN] in password.upper() for i in range(len(id_number) - ID_RUN + 1)):
        problems.append(_l("The password must not contain digits of your ID number."))
    return [str(p) for p in problems]
