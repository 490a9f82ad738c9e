"""``make bench-province``: builds the province (600,000 people, about 30 million credit records
in the current year) and one of 1 million records of the same shape, each in a PostgreSQL
database of its own, measures the cases of bench/province/cases.py on both and prints the one
table. The databases are dropped at the end unless PORTAL_PROVINCE_KEEP=1, which prints their
URLs: given back as PORTAL_PROVINCE_DATABASE_URL and PORTAL_PROVINCE_BASELINE_URL they are
measured again without being built. PORTAL_PROVINCE_SCALE (0.01: 6,000 people) shrinks both
provinces; PORTAL_PROVINCE_SERVER names the server (the local one by default)."""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench.__main__ import log
from bench.app import make_app
from bench.province import cases, generate, shape
from bench.table import table

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BASELINE_RECORDS = 1_000_000


@contextmanager
def database(reuse: str | None, server: str, name: str, keep: bool) -> Iterator[tuple[str, bool]]:
    """(URL, whether it must be built): the database ``reuse`` names as it is, else a new one on
    ``server``, dropped afterwards unless ``keep``."""
    if reuse:
        yield reuse, False
        return
    name = f"{name}_{secrets.token_hex(4)}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url, True
    finally:
        if not keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            shutil.rmtree(instance_of(url), ignore_errors=True)
        admin.dispose()


def instance_of(url: str) -> Path:
    """The app's instance folder for the province in ``url``, named after its database: the ID
    numbers are sealed with the keys put there at the build, so a kept province measured again by
    a later run needs the same folder (it is removed with the database)."""
    return Path(tempfile.gettempdir()) / f"cme-province-instance-{make_url(url).database}"


def main() -> None:
    started = time.perf_counter()
    scale = float(os.environ.get("PORTAL_PROVINCE_SCALE", "1"))
    server = os.environ.get("PORTAL_PROVINCE_SERVER", SERVER)
    keep = os.environ.get("PORTAL_PROVINCE_KEEP") == "1"
    full_records = shape.PEOPLE * shape.RECORDS_PER_PERSON
    provinces = (("baseline", "PORTAL_PROVINCE_BASELINE_URL", scale * BASELINE_RECORDS / full_records),
                 ("province", "PORTAL_PROVINCE_DATABASE_URL", scale))
    log(f"load average at the start: {_load()}")
    with database(os.environ.get(provinces[0][1]), server, "cme_province_baseline", keep) as small_url, \
            database(os.environ.get(provinces[1][1]), server, "cme_province", keep) as full_url:
        for (name, variable, at), (url, build) in zip(provinces, (small_url, full_url), strict=True):
            if build:
                people, units = shape.scaled(at)
                log(f"[{name}] building {people:,} people in {units:,} units (scale {at:g}); load average {_load()}")
                begun = time.perf_counter()
                generate.build(make_app(url, instance_of(url)), at, log)
                log(f"[{name}] built in {time.perf_counter() - begun:.0f} s; load average {_load()}")
            if keep:
                log(f"[{name}] kept: {variable}={url}")
        # Signed in only once both are built: a session idle for the build's duration has expired.
        ready = [cases.prepare(url, instance_of(url)) for url, _ in (small_url, full_url)]
        log(f"measuring; load average {_load()}")
        print(table(cases.rows(*ready)))
    log(f"load average at the end: {_load()}; total {time.perf_counter() - started:.0f} s")


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


if __name__ == "__main__":
    main()
