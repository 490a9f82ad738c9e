"""Password hashes. A password someone chose is hashed with Argon2id at OWASP's minimum (19 MiB
of memory, 2 passes, 1 lane): the Password Storage Cheat Sheet's first choice, stronger by its
measure than the scrypt Werkzeug offered (N=2^15, a quarter of OWASP's 2^17 for scrypt), and a
quarter of its cost here (16 ms of a core against 69 ms, about a tenth of the deadline-day load
test's CPU). Hashes made before (Werkzeug's scrypt and PBKDF2) are still checked, and a chosen
password's older hash is replaced when its owner next signs in. A generated initial password
keeps a salted PBKDF2 (portal.accounts.services._set_hash says why).

PASSWORD_HASH_METHOD names the method for chosen passwords: ``argon2id``, or a Werkzeug method
(the test suite's one round of PBKDF2)."""
from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2ID = "argon2id"
_ARGON2_PREFIX = "$argon2"


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def make(password: str, method: str | None = None) -> str:
    """The hash of ``password`` by ``method`` (the configured one for chosen passwords)."""
    method = method or current_app.config["PASSWORD_HASH_METHOD"]
    if method == ARGON2ID:
        return _hasher().hash(password)
    return generate_password_hash(password, method=method, salt_length=16)


def matches(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (False for no hash or a broken one)."""
    if not stored:
        return False
    if stored.startswith(_ARGON2_PREFIX):
        try:
            return _hasher().verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    try:
        return check_password_hash(stored, password)
    except ValueError:  # not a hash Werkzeug knows
        return False


def outdated(stored: str) -> bool:
    """Whether a chosen password's hash should be made again with the configured method."""
    if current_app.config["PASSWORD_HASH_METHOD"] != ARGON2ID:
        return False
    return not stored.startswith(_ARGON2_PREFIX) or _hasher().check_needs_rehash(stored)


@functools.cache
def _balance_hash() -> str:
    return _hasher().hash("the work of one password check")


def spend_a_check() -> None:
    """The work of one check, where there is nothing to check (an unknown username), so that a
    refusal does not answer faster than a wrong password."""
    if current_app.config["PASSWORD_HASH_METHOD"] == ARGON2ID:
        matches(_balance_hash(), "password")
    else:
        matches(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
