"""Helpers to build units, people and sessions in tests."""
from __future__ import annotations

import contextlib
import functools
import itertools
import re
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.accounts import services as accounts
from portal.accounts.actor import actor_for
from portal.accounts.roles import PROVINCE_ADMIN
from portal.extensions import db
from portal.models import Person, Unit
from portal.models.sealed import KEYS_FILE, IdKeys
from portal.people import services as people
from portal.people.id_number import check_character

CAPTCHA = "TEST"
PASSWORD = "Kx7!river-stone"
SECRET = "test-secret-key-" + "x" * 40
# Tests hash passwords with one round of PBKDF2: a slow hash (production's) made most of the suite's time.
TEST_HASH_METHOD = "pbkdf2:sha256:1"
_seq = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD, method=TEST_HASH_METHOD)


@functools.cache
def _test_id_keys() -> IdKeys:
    """This test process's own ID number keys (made fresh: there is no default key)."""
    return IdKeys.generate(Path(KEYS_FILE))


def install_test_id_keys(instance: Path) -> None:
    """The process's ID number keys in ``instance``, unless it has keys already: every app a test
    makes (and every server it starts there) opens what another app of the same run sealed."""
    if not (instance / KEYS_FILE).exists():
        _test_id_keys().moved(instance / KEYS_FILE).save(exclusive=True)


def make_test_app(database_url: str, instance: Path, **overrides):
    """An app on ``database_url`` whose captcha answer is always CAPTCHA (test configuration only)."""
    install_test_id_keys(instance)
    return create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": SECRET,
        "CAPTCHA_TEST_ANSWER": CAPTCHA,
        "AUTH_RATE_LIMIT": "10000 per minute",
        "CAPTCHA_RATE_LIMIT": "10000 per minute",
        "VERIFY_RATE_LIMIT": "10000 per minute",
        "SMS_RATE_LIMIT": "10000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
        "AUTH_DB_FAKE_PASSWORD_HASH_CHECK": _password_hash(),
        **overrides,
    })


@contextlib.contextmanager
def scratch_database(server: str, prefix: str):
    """A fresh database on the PostgreSQL ``server`` (a SQLAlchemy URL), dropped afterwards;
    yields its URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def id_number(region: str = "330102", birth: str = "19800101", seq: int | None = None) -> str:
    first17 = f"{region}{birth}{(seq if seq is not None else next(_seq)) % 1000:03d}"
    return first17 + check_character(first17)


@dataclass
class Made:
    id: int
    username: str
    password: str
    unit_id: int | None = None
    id_number: str = ""


class TestUsers:
    """Creates data through the real services, inside an app context."""

    __test__ = False

    def __init__(self, app):
        self.app = app

    def unit(self, code: str, name: str | None = None, kind: str = "institution", level: str | None = "三级",
             tier: str = "市", type: str = "医院") -> int:
        with self.app.app_context():
            unit = Unit(code=code, name=name or f"单位{code}", kind=kind, level=level, tier=tier, type=type)
            db.session.add(unit)
            db.session.commit()
            return unit.id

    def units(self, spec: list[tuple[str, str, str, str | None, str | None]]) -> dict[str, int]:
        """A unit tree from rows of (code, name, kind, level, parent code), parents first; code → id."""
        ids: dict[str, int] = {}
        with self.app.app_context():
            for code, name, kind, level, parent in spec:
                unit = Unit(code=code, name=name, kind=kind, level=level, parent_id=ids.get(parent))
                db.session.add(unit)
                db.session.flush()
                ids[code] = unit.id
            db.session.commit()
        return ids

    def province_admin(self, username: str = "padmin") -> Made:
        with self.app.app_context():
            user, _ = accounts.create_user(username, "省管理员", [PROVINCE_ADMIN], password=PASSWORD)
            db.session.commit()
            return Made(user.id, username, PASSWORD)

    def person(self, unit_id: int, role: str = "learner", self_entry: bool = False, initial: bool = False,
               name: str = "张三", **fields) -> Made:
        """A person; with ``initial`` they keep the random initial password (forced change),
        otherwise their password is PASSWORD."""
        with self.app.app_context():
            admin = (accounts.find_user("__factory__")
                     or accounts.create_user("__factory__", "factory", [PROVINCE_ADMIN], password=PASSWORD)[0])
            number = fields.pop("id_number", None) or id_number()
            person, password = people.create(actor_for(admin), {
                "unit_id": unit_id, "role": role, "name": name, "id_number": number, **fields,
            })
            if self_entry:
                people.update(actor_for(admin), person, {"self_entry": True})
            if not initial:
                # The hash of PASSWORD made once, rather than a second hash per person.
                person.user.password = _password_hash()
                accounts.account_state(person.user).must_change_password = False
                password = PASSWORD
            db.session.commit()
            return Made(person.id, person.user.username, password, unit_id, number)


    def since(self, person: Made, year: int, reviewer_username: str = "padmin") -> None:
        """The provincial admin records that ``person`` has stood where they stand now since ``year``."""
        with self.app.test_request_context():
            found = db.session.get(Person, person.id)
            people.correct_year(actor_for(accounts.find_user(reviewer_username)), found, year, {
                "unit_id": found.unit_id, "title": found.title, "title_level": found.title_level, "status": found.status,
                "reason": "入职档案"})


def login(client, username: str, password: str, captcha: str = CAPTCHA, next_url: str | None = None):
    """Sign in through the web form, captcha included; returns the POST response."""
    page = client.get("/login/" + (f"?next={next_url}" if next_url else ""))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.get("/login/captcha.png")
    return client.post("/login/" + (f"?next={next_url}" if next_url else ""),
                       data={"csrf_token": token, "username": username, "password": password, "captcha": captcha})


def api_token(client, username: str, password: str) -> str:
    response = client.post("/api/v1/security/login", json={"username": username, "password": password, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["access_token"]


def approved_record(app, learner_id: int, category_name: str, day, fields: dict, credit_level: str = "provincial",
                    wizard_rule: str = "", name: str = "学习活动", reviewer_username: str = "padmin"):
    """An approved record of the person ``learner_id``, made through the real workflow (create,
    evidence, submit, review by the provincial admin ``reviewer_username``), so that the yearly
    summary is written as in production. Returns the record's id."""
    from sqlalchemy import select

    from portal.credits import services as credits
    from portal.models import CreditCategory, EvidenceFile, Person
    from portal.review import services as review

    with app.test_request_context():
        person = db.session.get(Person, learner_id)
        learner = actor_for(person.user)
        reviewer = actor_for(accounts.find_user(reviewer_username))
        category = db.session.scalar(select(CreditCategory).where(CreditCategory.name == category_name))
        common = {"activity_name": name, "activity_date": day, "credit_level": credit_level, "issuing_unit_id": None}
        # Tests make several records of one default name and day: not duplicates they mean to enter.
        record = credits.create(learner, category, common, fields, wizard_rule, duplicate_confirmed=True)
        db.session.add(EvidenceFile(record_id=record.id, record_year=record.credit_year,
                                    person_id=learner_id, stored_name=secrets.token_hex(16),
                                    original_name="证书.jpg", media_type="image/jpeg", size=10, sha256="0" * 64))
        db.session.commit()
        credits.submit(learner, [record])
        review.decide(reviewer, [record], "approve")
        return record.id


def without_nonces(html: str) -> str:
    """The page without its CSP nonces: each response has its own, so two answers that must be
    the same differ only there."""
    return re.sub(r'nonce="[^"]*"', "", html)


def save_rule_set(app, admin: Made, name: str, values: dict, effective_from=None) -> int:
    """Create the rule set ``name`` (when none has that name) or change it, as the provincial admin
    ``admin`` saves it in the editor: a new version, effective from ``effective_from`` (the
    editor's default when None). Returns its id."""
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import select

    from portal.models import RuleSet
    from portal.standards import services as standards

    with app.test_request_context():
        rule_set = db.session.scalar(select(RuleSet).where(RuleSet.name == name)) or RuleSet(name=name, enabled=True)
        standards.save(rule_set, values, actor_for(db.session.get(User, admin.id)), effective_from)
        return rule_set.id


def compute_tallies(app, years, full: bool = True) -> list:
    """Run the tallies job for ``years`` here and now (the timer's ``portal tallies`` without
    Redis): what the provincial dashboards read."""
    from portal.compliance import tallies

    with app.app_context():
        done = tallies.run(list(years), full)
        db.session.remove()
    return done
