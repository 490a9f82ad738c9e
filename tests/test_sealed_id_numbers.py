"""ID numbers at rest: sealed (AES-GCM) with a keyed hash for lookups. From the side of someone
holding the database: no table holds a plain ID number; without the keys file nothing opens; the
keys rotate, and every lookup (sign-in by SMS, duplicates, transfers, search) still finds people."""
from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from flask_appbuilder import Model
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect as sqlalchemy_inspect
from sqlalchemy import select, text

from plugins.auth.sms import codes
from portal import create_app
from portal.cli import portal_cli
from portal.extensions import db
from portal.models import Person, SmsCode, sealed
from portal.people import services as people
from portal.setup import prepare_database
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, id_number, login, scratch_database

STAFF_ID = id_number(region="330106", birth="19791231", seq=91)
# A check character X, to see that "x" and "X" are one number.
X_ID = next(n for n in (id_number(region="330106", birth="19880808", seq=s) for s in range(200)) if n.endswith("X"))
VISITOR_ID = id_number(region="310101", birth="19850612", seq=4)


def _all_rows_text(app) -> str:
    """Every value of every table, as text."""
    with app.app_context():
        connection = db.session.connection()
        found = [repr(connection.execute(select(table)).all()) for table in Model.metadata.sorted_tables]
        db.session.remove()
    return "\n".join(found)


def test_no_table_holds_a_plain_id_number_after_every_path_that_takes_one(app, client, users):
    ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州一院", "institution", "三级", "33"),
                       ("3302", "杭州二院", "institution", "三级", "33")])
    admin = users.person(ids["3301"], role="unit_admin", name="王管理")
    other_admin = users.person(ids["3302"], role="unit_admin", name="赵管理")
    users.person(ids["3302"], name="调动者", id_number=STAFF_ID)
    users.person(ids["3301"], name="艾克斯", id_number=X_ID.lower())
    users.person(ids["3301"], name="沪上来客", id_number=VISITOR_ID, mobile="13900004321", out_of_province=True)
    with app.test_request_context():
        assert codes.request_code(VISITOR_ID, "13900004321").sent           # an SMS code, by ID number
    login(client, admin.username, PASSWORD)
    token = csrf_from(client.get("/transfers/").get_data(as_text=True))
    client.post("/transfers/ask", data={"csrf_token": token, "id_number": STAFF_ID})   # a transfer, by ID number
    assert "调动者" in client.get("/transfers/").get_data(as_text=True)
    assert "艾克斯" in client.get(f"/people/?q={X_ID}").get_data(as_text=True)      # a search, by ID number
    other = client.application.test_client()
    login(other, other_admin.username, PASSWORD)

    everything = _all_rows_text(app)
    for number in (STAFF_ID, X_ID, X_ID.lower(), VISITOR_ID):
        assert number not in everything
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        raw = b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if os.path.exists(p))
        assert not [n for n in (STAFF_ID, X_ID, VISITOR_ID) if n.encode() in raw]
    with app.app_context():
        sealed_value, digest = db.session.execute(
            select(Person.id_sealed, Person.id_hash).where(Person.name == "艾克斯")).one()
        assert sealed_value.startswith(f"{sealed.keys().current}:") and len(digest) == 64
        assert db.session.scalar(select(Person.name).where(Person.with_id_number(X_ID.lower()))) == "艾克斯"
        assert db.session.scalar(select(SmsCode.id_hash)) == sealed.id_hash(VISITOR_ID)


def test_the_same_number_in_either_case_is_one_person(app, users):
    unit = users.unit("330101")
    users.person(unit, name="艾克斯", id_number=X_ID)
    with app.app_context(), pytest.raises(people.PersonConflict):
        users.person(unit, name="冒名者", id_number=X_ID.lower())


def test_a_query_that_compares_the_sealed_attribute_fails_loudly_instead_of_finding_nobody(app):
    with app.app_context(), pytest.raises(TypeError, match="with_id_number"):
        select(Person).where(Person.id_number == STAFF_ID)


def test_keys_are_made_once_private_and_never_the_same_twice(tmp_path):
    made = []
    for name in ("one", "two"):
        instance = tmp_path / name
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.db", "INSTANCE_PATH": str(instance),
                          "SECRET_KEY": "k" * 40})
        path = instance / sealed.KEYS_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(instance.stat().st_mode) == 0o700
        made.append(json.loads(path.read_text()))
        again = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.db", "INSTANCE_PATH": str(instance),
                            "SECRET_KEY": "k" * 40})
        assert json.loads(path.read_text()) == made[-1]                     # kept, not remade
        assert again.extensions["id_keys"].hash_key == app.extensions["id_keys"].hash_key
    assert made[0]["hash_key"] != made[1]["hash_key"] and made[0]["keys"] != made[1]["keys"]


@contextlib.contextmanager
def _scratch(tmp_path):
    """A database of its own, on the PostgreSQL server the suite runs on, or SQLite."""
    server = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if server:
        with scratch_database(server, "cme_sealed") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'scratch.db'}"


def _fresh_app(url: str, instance):
    """An app with keys of its own (not the test run's shared ones)."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance),
                       "SECRET_KEY": "s" * 40, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"})


def _add_person(app, number: str, name: str = "张三") -> None:
    from portal.accounts import services as accounts
    from portal.accounts.actor import actor_for
    from portal.accounts.roles import PROVINCE_ADMIN
    from portal.models import Unit

    with app.test_request_context():
        unit = db.session.scalar(select(Unit)) or Unit(code="330101", name="一院", kind="institution", level="三级")
        db.session.add(unit)
        admin = accounts.find_user("keeper") or accounts.create_user("keeper", "k", [PROVINCE_ADMIN], password=PASSWORD)[0]
        db.session.commit()
        people.create(actor_for(admin), {"unit_id": unit.id, "name": name, "id_number": number, "role": "learner"})
        db.session.remove()


def _release(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_database_beside_a_keys_file_not_its_own_refuses_to_start(tmp_path):
    with _scratch(tmp_path) as url:
        first = _fresh_app(url, tmp_path / "first")
        prepare_database(first)
        _add_person(first, STAFF_ID)
        _release(first)
        # The instance folder lost (or a restore without its keys): a start makes new keys...
        stranger = _fresh_app(url, tmp_path / "lost")
        with pytest.raises(sealed.SealBroken, match=sealed.KEYS_FILE):
            prepare_database(stranger)   # ...and refuses to serve rather than find nobody by ID number
        _release(stranger)


def test_the_encryption_key_rotates_while_other_workers_keep_serving(tmp_path):
    """On a portal of its own: a rotation re-seals every row, which the run's shared database and
    keys must not see (later tests' apps would hold keys without the new one)."""
    with _scratch(tmp_path) as url:
        portal = _fresh_app(url, tmp_path / "instance")
        prepare_database(portal)
        numbers = [id_number(seq=500 + i) for i in range(5)]
        for i, number in enumerate(numbers):
            _add_person(portal, number, f"学员{i}")
        # Another worker of the same portal, started before the rotation, with the keys it read then.
        worker = _fresh_app(url, tmp_path / "instance")
        before = sealed.IdKeys.load(sealed.keys_path(portal))
        result = CliRunner().invoke(portal_cli, ["rotate-id-key", "--batch", "2"], obj=_script_info(portal))
        assert result.exit_code == 0, result.output
        assert "5 ID numbers sealed under key k2" in result.output
        after = json.loads(sealed.keys_path(portal).read_text())
        assert after["current"] == "k2" and set(after["keys"]) == {"k1", "k2"}          # the old key stays
        assert stat.S_IMODE(sealed.keys_path(portal).stat().st_mode) == 0o600
        with portal.app_context():
            stored = db.session.execute(select(Person.id, Person.id_sealed)).all()
            assert all(value.startswith("k2:") for _, value in stored)
            db.session.remove()
        with worker.app_context():
            # The older worker opens the new key's values and seals new ones with it.
            assert {p.id_number for p in db.session.scalars(select(Person))} == set(numbers)
            assert sealed.seal(STAFF_ID).startswith("k2:")
            assert db.session.scalar(select(Person.id).where(Person.with_id_number(numbers[0]))) is not None
            db.session.remove()
        # Sealed by the old key and the new: both open with the rotated file.
        assert sealed.IdKeys.load(sealed.keys_path(portal)).open(before.seal(STAFF_ID)) == STAFF_ID
        _release(worker)
        _release(portal)


def test_the_hash_key_is_replaced_only_when_asked_to_and_lookups_still_find_everyone(app, users):
    unit = users.unit("330101")
    made = [users.person(unit, name=f"学员{i}") for i in range(3)]
    before = sealed.IdKeys.load(sealed.keys_path(app))
    refused = CliRunner().invoke(portal_cli, ["rehash-ids"], obj=_script_info(app))
    assert refused.exit_code != 0 and "stop every portal process" in refused.output
    result = CliRunner().invoke(portal_cli, ["rehash-ids", "--yes"], obj=_script_info(app))
    assert result.exit_code == 0 and "3 ID numbers rehashed" in result.output, result.output
    with app.app_context():
        assert sealed.keys().hash_key != before.hash_key
        for person in made:
            assert db.session.scalar(select(Person.id).where(Person.with_id_number(person.id_number))) == person.id
        db.session.remove()
    _restore_test_keys(app, before)


def test_migration_0018_seals_the_demo_province_and_its_downgrade_opens_it(tmp_path):
    with _scratch(tmp_path) as url:
        app = _fresh_app(url, tmp_path / "instance")
        app.config["DEMO_DATA"] = True
        prepare_database(app)
        directory = app.extensions["migrate"].directory
        with app.app_context():
            numbers = {p.id: p.id_number for p in db.session.scalars(select(Person))}
            assert len(numbers) > 40
            below = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(directory)) \
                .get_revision("0018").down_revision
            db.session.remove()
            downgrade(directory=directory, revision=below)
            plain = dict(db.session.execute(text("SELECT id, id_number FROM person")).all())
            assert plain == numbers                          # the rows as they were before 0018
            db.session.remove()
            upgrade(directory=directory)
            columns = {c["name"] for c in sqlalchemy_inspect(db.engine).get_columns("person")}
            assert "id_number" not in columns and {"id_sealed", "id_hash"} <= columns
            assert "id_number" not in {c["name"] for c in sqlalchemy_inspect(db.engine).get_columns("sms_code")}
            assert {p.id: p.id_number for p in db.session.scalars(select(Person))} == numbers
            some = next(iter(numbers.values()))
            assert db.session.scalar(select(Person.id).where(Person.with_id_number(some))) is not None
            db.session.remove()
        everything = _all_rows_text(app)
        assert not [n for n in numbers.values() if n in everything]
        _release(app)


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def _restore_test_keys(app, keys: sealed.IdKeys) -> None:
    """Put the run's shared keys back (later tests' apps read the same file)."""
    keys.save()
    with app.app_context():
        sealed.keys().reload()


def test_a_backup_carries_its_keys_and_a_restore_on_a_new_server_finds_people_by_id_number(tmp_path):
    with _scratch(tmp_path) as url:
        source = _fresh_app(url, tmp_path / "source")
        prepare_database(source)
        _add_person(source, STAFF_ID, "备份者")
        made = source.test_cli_runner().invoke(args=["portal", "backup", str(tmp_path / "backup")])
        assert made.exit_code == 0, made.output
        assert sealed.KEYS_FILE in json.loads((tmp_path / "backup" / "manifest.json").read_text())["files"]
        _release(source)
    (tmp_path / "new").mkdir()
    with _scratch(tmp_path / "new") as url:
        # A new server: its first start made keys of its own, which the backup's replace.
        target = _fresh_app(url, tmp_path / "target")
        prepare_database(target)
        _release(target)
        done = target.test_cli_runner().invoke(args=["portal", "restore", str(tmp_path / "backup")])
        assert done.exit_code == 0, done.output
        assert (tmp_path / "target" / sealed.KEYS_FILE).read_bytes() == (tmp_path / "source" / sealed.KEYS_FILE).read_bytes()
        assert stat.S_IMODE((tmp_path / "target" / sealed.KEYS_FILE).stat().st_mode) == 0o600
        restarted = _fresh_app(url, tmp_path / "target")
        prepare_database(restarted)             # the start-up check opens the restored numbers
        with restarted.app_context():
            assert db.session.scalar(select(Person.name).where(Person.with_id_number(STAFF_ID))) == "备份者"
            db.session.remove()
        _release(target)
        _release(restarted)
