"""bench-province's generator (bench/province): the province it builds has the promised shape.
It builds on PostgreSQL only (COPY): in the PostgreSQL pass (PORTAL_TEST_DATABASE_URL) a small
province is built in a database of its own and read back; on SQLite the generator refuses with
a message that says so."""
from __future__ import annotations

import contextlib
import os

import pytest
from sqlalchemy import func, select

from bench.app import make_app
from bench.province import generate, shape
from portal.compliance import summaries
from portal.extensions import db
from portal.models import CreditRecord
from tests.helpers import scratch_database

SCALE = 0.002   # 1,200 people in 6 units


@contextlib.contextmanager
def _scratch(tmp_path):
    """An empty database of its own, on the PostgreSQL server the suite runs on, or SQLite."""
    server = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if server:
        with scratch_database(server, "cme_province") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'province.db'}"


def test_unit_sizes_are_skewed_like_a_province_and_add_up_to_its_people():
    sizes = shape.unit_sizes(*shape.scaled(1))
    assert len(sizes) == 3000 and sum(sizes) == 600_000
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] == shape.LARGEST and sizes[-1] >= shape.SMALLEST
    assert 20 <= sum(1 for s in sizes if s >= 1000) <= 150       # a few dozen big hospitals
    assert sum(1 for s in sizes if s <= 20) >= 200                # and hundreds of small clinics
    assert sizes[len(sizes) // 2] < 600_000 / 3000               # the usual unit is below the average


def test_the_province_is_built_on_postgresql_with_its_shape(tmp_path):
    with _scratch(tmp_path) as url:
        app = make_app(url, tmp_path / "instance")
        if url.startswith("sqlite"):
            with pytest.raises(SystemExit, match="on PostgreSQL only"):
                generate.build(app, SCALE, print)
            with app.app_context():
                assert not db.inspect(db.engine).has_table("credit_record")   # refused before anything was made
            return
        logged = []
        generate.build(app, SCALE, logged.append)
        found = generate.facts(app)
        with app.app_context():
            drift = summaries.drift()
            learner_this_year = db.session.scalar(select(func.count()).where(
                CreditRecord.person_id == found.learner_person_id,
                CreditRecord.activity_date.between(*summaries.year_range(found.year))))
            db.session.remove()
            db.engine.dispose()

    people, units = shape.scaled(SCALE)
    assert found.kinds == {"province": 1, "city": 11, "county": 90, "institution": units}
    assert found.people == people and sum(found.sizes) == people and len(found.sizes) == units
    assert found.sizes[0] > 5 * found.sizes[-1]                              # skewed
    assert found.biggest_unit_staff == found.sizes[0]

    year = found.year
    current = found.year_records(year)
    assert 0.8 * 50 * people <= current <= 1.2 * 50 * people               # about 50 a person
    for earlier in range(year - shape.HISTORY_YEARS, year):
        assert found.year_records(earlier) == shape.RECORDS_PER_HISTORY_YEAR * people
    assert found.year_records(year - shape.HISTORY_YEARS - 1) == 0
    share = {status: found.records.get((year, status), 0) / current for status in shape.CURRENT_STATUSES}
    assert share["approved"] > 0.75 and 0.04 < share["submitted"] < 0.15    # mostly approved, a queue waiting
    assert share["draft"] > 0 and share["rejected"] > 0 and share["deleted"] > 0
    assert {s for (y, s) in found.records if y < year} == set(shape.HISTORY_STATUSES)

    # The measured people: the biggest unit's admin and a learner with 50 records this year.
    assert found.waiting > 0
    assert learner_this_year == generate.LEARNER_RECORDS and found.learner_visible > 0
    assert drift == []                          # the set-based summary is what approvals would have written
    assert any(line.strip().startswith("credit records (COPY)") for line in logged)   # each step is timed
