"""The password policy: at least 8 characters, not a common password, not the username,
and no run of six or more characters taken from the person's ID number."""
from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128
ID_RUN = 6


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = files("portal").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problems(password: str, username: str = "", id_number: str = "") -> list[str]:
    """What is wrong with ``password``, as messages for the user; empty when it is acceptable."""
    problems = []
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    if lowered in _common_passwords():
        problems.append(_l("This password is too common and easy to guess; choose another."))
    if username and len(username) >= 3 and username.lower() in lowered:
        problems.append(_l("The password must not contain your username."))
    id_number = id_number.upper()
    if id_number and any(id_number[i : i + ID_RUN] in password.upper() for i in range(len(id_number) - ID_RUN + 1)):
        problems.append(_l("The password must not contain digits of your ID number."))
    return [str(p) for p in problems]
