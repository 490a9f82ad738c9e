"""Accounts: creating them with a one-time initial password, changing passwords, lockout state."""
from __future__ import annotations

import secrets
import uuid

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _

from portal.accounts import audit, passwords, sessions, throttle
from portal.accounts.actor import actor_for
from portal.accounts.password_policy import check, password_problems
from portal.extensions import db
from portal.models import AccountState

_INITIAL_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_initial_password() -> str:
    """12 random characters with letters and digits, through the policy like any other: shown
    once, changed at first login."""
    while True:
        password = "".join(secrets.choice(_INITIAL_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password) and not password_problems(password):
            return password


def account_state(user: User) -> AccountState:
    state = db.session.get(AccountState, user.id)
    if state is None:
        state = AccountState(user_id=user.id, must_change_password=False)
        db.session.add(state)
    return state


def new_user(username: str, display_name: str, roles: list, password: str | None = None) -> tuple[User, str]:
    """An active account with ``roles``, not yet added to the session. Without ``password`` it
    gets a random initial one. Returns the user and the password to show once; WeakPassword when
    ``password`` does not pass the policy."""
    generated = password is None
    password = password or generate_initial_password()
    if not generated:
        check(password, username)
    user = current_app.appbuilder.sm.user_model()
    user.username = username
    user.first_name = display_name
    user.last_name = ""
    # FAB requires a unique e-mail on every account; people's real e-mail lives on their profile.
    user.email = f"{uuid.uuid4().hex}@accounts.invalid"
    user.active = True
    user.roles = roles
    _set_hash(user, password, generated)
    return user, password


def create_user(username: str, display_name: str, role_names: list[str], password: str | None = None) -> tuple[User, str]:
    """A new active account (flushed). Without ``password`` it gets a random initial one that
    must be changed at first login. Returns the user and the password to show once."""
    sm = current_app.appbuilder.sm
    user, password_shown = new_user(username, display_name, [sm.find_role(name) for name in role_names], password)
    db.session.add(user)
    db.session.flush()
    account_state(user).must_change_password = password is None
    return user, password_shown


def set_password(user: User, password: str, must_change: bool) -> None:
    """Set a password chosen by an administrator (initial) or by the user (not initial); clears the
    wrong-password count and ends every session of the account. WeakPassword when it does not pass
    the policy."""
    check(password, user.username)
    _set_hash(user, password)
    account_state(user).must_change_password = must_change
    throttle.clear(user.username)
    sessions.end_all(user.id)


def disable_password(user: User) -> None:
    """For an account that signs in another way (SMS code): a random password nobody is told."""
    _set_hash(user, secrets.token_urlsafe(32))
    sessions.end_all(user.id)
    account_state(user).must_change_password = False


def reset_to_initial_password(user: User) -> str:
    password = generate_initial_password()
    set_password(user, password, must_change=True)
    return password


def find_user(username: str) -> User | None:
    return current_app.appbuilder.sm.find_user(username=username)


def change_password(user: User, old: str, new: str, id_number: str = "") -> list[str]:
    """Problems with the change (for the user), or an empty list when the password was changed."""
    if not passwords.matches(user.password, old or ""):
        return [_("The current password is not correct.")]
    problems = password_problems(new or "", user.username, id_number)
    if not problems and passwords.matches(user.password, new):
        problems = [_("The new password must differ from the current one.")]
    if problems:
        return problems
    set_password(user, new, must_change=False)
    actor = actor_for(user)
    audit.write(audit.PASSWORD_CHANGE, user, actor, actor.unit_id)
    db.session.commit()
    return []


def must_change_password(user_id: int) -> bool:
    state = db.session.get(AccountState, user_id)
    return bool(state and state.must_change_password)


def _set_hash(user: User, password: str, generated: bool = False) -> None:
    """A slow hash for passwords people choose (portal.accounts.passwords). A generated initial
    password (about 69 random bits) gains nothing from one against a stolen table, and a slow hash
    would make importing 5,000 staff take minutes: it gets a salted PBKDF2 of
    GENERATED_PASSWORD_HASH_METHOD, until its first change."""
    user.password = passwords.make(password, current_app.config["GENERATED_PASSWORD_HASH_METHOD"] if generated else None)
