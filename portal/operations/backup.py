"""Backup and restore of a whole portal: the database, then the instance folder's files
(evidence, photos, the secret key and the ID number keys), with a manifest of row counts and file
checksums that restore checks. The ID number keys go with the database on purpose: without them
its ID numbers open for nobody and no one can sign in or be found by ID number, so a backup
must be kept as carefully as the keys themselves (docs/security.md).

The database is taken first: a file written after it has no row yet and is simply extra, while a
row whose file was taken before it existed would point at nothing. On PostgreSQL, pg_dump (custom
format) reads the same snapshot the row counts were taken in; on SQLite, the online backup API
copies a consistent database while the portal runs."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

from flask import current_app
from flask_appbuilder import Model
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from portal.extensions import db
from portal.models import sealed

MANIFEST = "manifest.json"
FILES = "files"
# Not backed up: the SQLite database itself (copied by the backup API) and finished exports,
# which users can make again.
SKIPPED = ("portal.db", "portal.db-wal", "portal.db-shm", "exports")
# What a first start or the set-up makes in an empty instance folder (the secret key, the first
# credential signing key, the ID number keys): a restore replaces them with the backup's.
MADE_AT_START = ("secret_key", "credential_keys", sealed.KEYS_FILE)
# Restore refuses a database holding any of these: it would mix two portals.
PEOPLE_TABLES = ("ab_user", "person", "unit", "credit_record")


class BackupError(RuntimeError):
    """What an operator must fix; the message says what."""


def backup(target: Path) -> dict:
    """Write the database, the instance folder's files and the manifest into ``target`` (an
    empty or new folder); returns the manifest."""
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new folder")
    engine = db.engine
    if engine.dialect.name == "postgresql":
        database, counts = _dump_postgresql(engine, target)
    else:
        database, counts = _copy_sqlite(engine, target)
    files = _copy_files(Path(current_app.instance_path), target / FILES)
    manifest = {
        "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": {"kind": engine.dialect.name, "file": database, "rows": counts},
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    return manifest


def restore(source: Path) -> dict:
    """Restore the backup in ``source`` into this app's database and instance folder, which must
    hold no people, records or files yet; then check both against the manifest. Returns it."""
    manifest = json.loads((source / MANIFEST).read_text())
    engine = db.engine
    kind = manifest["database"]["kind"]
    if kind != engine.dialect.name:
        raise BackupError(f"this backup is of a {kind} database; the portal is configured for {engine.dialect.name}")
    _check_empty(engine, Path(current_app.instance_path))
    db.session.remove()
    if kind == "postgresql":
        _restore_postgresql(engine, source / manifest["database"]["file"])
    else:
        _restore_sqlite(engine, source / manifest["database"]["file"])
    _restore_files(source / FILES, Path(current_app.instance_path))
    sealed.keys().reload()
    problems = verify(manifest)
    if problems:
        raise BackupError("restored, but it differs from the manifest:\n" + "\n".join(problems))
    return manifest


def verify(manifest: dict) -> list[str]:
    """How this portal's database and files differ from ``manifest`` (empty when they agree)."""
    problems = []
    counts = _counts(db.session.connection())
    db.session.remove()
    for table, expected in sorted(manifest["database"]["rows"].items()):
        if counts.get(table) != expected:
            problems.append(f"table {table}: {counts.get(table)} rows, the backup had {expected}")
    instance = Path(current_app.instance_path)
    for name, digest in sorted(manifest["files"].items()):
        path = instance / name
        if not path.is_file():
            problems.append(f"file {name} is missing")
        elif _sha256(path) != digest:
            problems.append(f"file {name} differs from the backup")
    return problems


# --- database ---------------------------------------------------------------------------------------

def _counts(connection) -> dict[str, int]:
    return {name: connection.scalar(select(func.count()).select_from(table))
            for name, table in sorted(Model.metadata.tables.items())}


def _libpq_url(engine: Engine) -> str:
    return make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


def _dump_postgresql(engine: Engine, target: Path) -> tuple[str, dict[str, int]]:
    name = "database.dump"
    with engine.connect() as connection:
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        counts = _counts(connection)
        _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", "--file", str(target / name),
              "--dbname", _libpq_url(engine)])
        connection.rollback()
    return name, counts


def _restore_postgresql(engine: Engine, dump: Path) -> None:
    """The empty portal's schema is dropped and the backup's loaded in its place, in one
    transaction (a failure leaves the empty portal as it was). Not ``pg_restore --clean``: it drops
    objects one by one, and PostgreSQL refuses to drop a partition's key apart from its table's."""
    engine.dispose()
    script = subprocess.Popen(["pg_restore", "--no-owner", "--file", "-", str(dump)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        _run(["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1",
              "--command", "DROP SCHEMA public CASCADE", "--command", "CREATE SCHEMA public",
              "--file", "-", "--dbname", _libpq_url(engine)], stdin=script.stdout)
    finally:
        script.stdout.close()
        if script.wait() != 0:
            raise BackupError(f"pg_restore failed: {script.stderr.read().decode().strip()}")


def _copy_sqlite(engine: Engine, target: Path) -> tuple[str, dict[str, int]]:
    name = "database.sqlite"
    source = sqlite3.connect(engine.url.database)
    copy = sqlite3.connect(target / name)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    copied = create_engine(f"sqlite:///{target / name}")
    try:
        with copied.connect() as connection:
            counts = _counts(connection)
    finally:
        copied.dispose()
    return name, counts


def _restore_sqlite(engine: Engine, copy: Path) -> None:
    engine.dispose()
    source = sqlite3.connect(copy)
    destination = sqlite3.connect(engine.url.database)
    try:
        source.backup(destination)
    finally:
        source.close()
        destination.close()


def _check_empty(engine: Engine, instance: Path) -> None:
    with engine.connect() as connection:
        present = set(Model.metadata.tables) & set(connection.dialect.get_table_names(connection))
        for table in PEOPLE_TABLES:
            if table in present and connection.scalar(text(f"SELECT count(*) FROM {table}")):
                raise BackupError(f"the database already holds data (table {table}): restore into an empty database")
    found = next((p for p in _instance_files(instance) if p.relative_to(instance).parts[0] not in MADE_AT_START), None)
    if found is not None:
        raise BackupError(f"the instance folder {instance} already holds files ({found}): restore into an empty one")


# --- files ------------------------------------------------------------------------------------------

def _instance_files(instance: Path) -> Iterator[Path]:
    if not instance.exists():
        return
    for path in sorted(instance.rglob("*")):
        relative = path.relative_to(instance)
        if path.is_file() and relative.parts[0] not in SKIPPED:
            yield path


def _copy_files(instance: Path, target: Path) -> dict[str, str]:
    checksums = {}
    for path in _instance_files(instance):
        relative = path.relative_to(instance)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / relative)
        checksums[relative.as_posix()] = _sha256(target / relative)
    return checksums


def _restore_files(source: Path, instance: Path) -> None:
    if not source.exists():
        return
    if (source / "credential_keys").is_dir():
        # Only the backup's keys: a key the set-up made here signed nothing and must not stay current.
        shutil.rmtree(instance / "credential_keys", ignore_errors=True)
    for path in sorted(source.rglob("*")):
        if path.is_file():
            destination = instance / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command: list[str], stdin=None) -> None:
    result = subprocess.run(command, stdin=stdin, capture_output=True, text=True,
                            env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
