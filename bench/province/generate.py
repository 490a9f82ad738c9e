"""Builds the province of shape.py in an empty PostgreSQL database and prints the time of each
step: the schema and roles; units, accounts, people and their standing; the credit records of
the current year and of HISTORY_YEARS earlier ones, all with COPY (the record indexes dropped
for the load and built after it, foreign-key triggers off for the loading session only); the
yearly summary set-based; VACUUM ANALYZE. ``facts`` reads back what the cases need, so that a
kept database can be measured again without building it."""
from __future__ import annotations

import datetime as dt
import json
import operator
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import Flask
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import case, func, select, text
from sqlalchemy.schema import CreateIndex, DropIndex

from bench import data
from bench.province import shape
from portal import partitions
from portal.accounts import passwords
from portal.accounts.roles import LEARNER, PROVINCE_ADMIN, SELF_ENTRY, UNIT_ADMIN
from portal.compliance import summaries
from portal.extensions import db
from portal.models import CreditCategory, CreditRecord, Person, Unit, sealed
from portal.setup import prepare_database

SEED = 20261205
REFUSAL = ("bench-province builds its province on PostgreSQL only (COPY, foreign-key triggers off while loading); "
           "give it a PostgreSQL server, not {dialect}")
CURRENT_VARYING = ("person_id", "unit_id", "category_id", "type_slug", "credit_class", "params", "status",
                   "activity_name", "activity_number", "activity_date", "credit_year", "credits", "hours", "review_comment",
                   "reviewed_by", "reviewed_at", "submitted_at")
LEARNER_RECORDS = shape.RECORDS_PER_PERSON   # the measured learner's current year, the same in every province


@dataclass
class Facts:
    year: int                          # the current year
    people: int
    kinds: dict[str, int]              # units by kind: province, city, county, institution
    sizes: list[int]                   # institutions' staff, largest first
    records: dict[tuple[int, str], int]   # (year, status) → records
    biggest_unit_id: int
    biggest_unit_staff: int
    unit_admin_username: str           # the biggest unit's first person, its admin
    learner_username: str              # its second person, a learner with self-entry
    learner_person_id: int
    learner_visible: int               # the records 录入学分查询管理 lists: this year's (its default), all but deleted
    waiting: int                       # the biggest unit's review queue: its submitted records but its admin's own

    def year_records(self, year: int) -> int:
        return sum(n for (y, _), n in self.records.items() if y == year)


def build(app: Flask, scale: float, log: Callable[[str], None], seed: int = SEED) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit(REFUSAL.format(dialect=db.engine.dialect.name))
    province = shape.province(scale, seed)
    rng = random.Random(seed)
    year = dt.date.today().year
    with _step(log, "schema (migrations) and roles"):
        prepare_database(app)
    with app.app_context(), db.engine.connect() as conn:
        conn.exec_driver_sql("SET synchronous_commit = off")
        conn.exec_driver_sql("SET session_replication_role = replica")   # no foreign-key triggers while loading
        with _step(log, f"{len(province.institutions):,} institutions in {len(shape.CITIES)} cities and "
                        f"{len(province.counties)} counties"):
            units = _units(conn, province)
        with _step(log, f"{province.people:,} people: accounts, roles, people, standing"):
            people = _people(conn, rng, units, year - shape.HISTORY_YEARS)
        indexes = list(CreditRecord.__table__.indexes)
        for index in indexes:
            conn.execute(DropIndex(index, if_exists=True))
        conn.commit()
        with _step(log, "credit records (COPY)") as done:
            done["rows"] = _records(conn, rng, people, year)
        conn.exec_driver_sql("SET maintenance_work_mem = '1GB'")
        with _step(log, f"{len(indexes)} record indexes"):
            for index in indexes:
                conn.execute(CreateIndex(index))
            conn.commit()
        data.advance_sequences(conn)
        conn.commit()
        with _step(log, "yearly summary, set-based"):
            _summaries(conn)
            conn.commit()
    with app.app_context(), _step(log, "VACUUM ANALYZE"):
        data.after_load("VACUUM ANALYZE")


def facts(app: Flask) -> Facts:
    with app.app_context():
        session = db.session
        year = dt.date.today().year
        kinds = dict(session.execute(select(Unit.kind, func.count()).group_by(Unit.kind)).all())
        staff = session.execute(select(Person.unit_id, func.count()).group_by(Person.unit_id)
                                .order_by(func.count().desc(), Person.unit_id)).all()
        biggest, biggest_staff = staff[0]
        first_two = session.execute(select(Person.id, Person.person_no).where(Person.unit_id == biggest)
                                    .order_by(Person.id).limit(2)).all()
        records = {(int(y), s): n for y, s, n in session.execute(
            select(summaries.YEAR, CreditRecord.status, func.count()).group_by(summaries.YEAR, CreditRecord.status))}
        waiting = session.scalar(select(func.count()).where(CreditRecord.unit_id == biggest, CreditRecord.status == "submitted",
                                                            CreditRecord.person_id != first_two[0].id))
        visible = session.scalar(select(func.count()).where(CreditRecord.person_id == first_two[1].id,
                                                            CreditRecord.credit_year == year,
                                                            CreditRecord.status != "deleted"))
        found = Facts(year=year, people=sum(n for _, n in staff), kinds=kinds, sizes=[n for _, n in staff],
                      records=records, biggest_unit_id=biggest, biggest_unit_staff=biggest_staff,
                      unit_admin_username=first_two[0].person_no, learner_username=first_two[1].person_no,
                      learner_person_id=first_two[1].id, learner_visible=visible, waiting=waiting)
        db.session.remove()
        return found


class _step:
    """Times a step and prints it; ``as done`` gives a dict whose "rows" is printed as well."""

    def __init__(self, log: Callable[[str], None], what: str):
        self.log, self.what, self.done = log, what, {}

    def __enter__(self) -> dict:
        self.started = time.perf_counter()
        return self.done

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            rows = f" ({self.done['rows']:,} rows)" if "rows" in self.done else ""
            self.log(f"  {self.what}{rows}: {time.perf_counter() - self.started:.1f} s")


def _copy(conn, table: str, rows: list[dict]) -> None:
    if rows:
        names = list(rows[0])
        data.copy_rows(conn, table, names, (operator.itemgetter(*names)(row) for row in rows))


def _units(conn, province: shape.Shape) -> list[dict]:
    """The province (id 1), its cities, counties and institutions (largest first, so the first
    institution is the biggest unit); returns the institutions' rows with their size."""
    rows = [{"id": 1, "code": "33", "name": "浙江省", "kind": "province", "level": None, "tier": "省",
             "type": "卫生行政部门", "parent_id": None}]
    for c, city in enumerate(shape.CITIES):
        rows.append({"id": 2 + c, "code": f"33{c + 1:02d}", "name": city, "kind": "city", "level": None, "tier": "市",
                     "type": "卫生行政部门", "parent_id": 1})
    county_ids = []
    for k, (c, name) in enumerate(province.counties):
        county_ids.append(len(rows) + 1)
        rows.append({"id": county_ids[-1], "code": f"33{c + 1:02d}{k + 1:02d}", "name": name, "kind": "county",
                     "level": None, "tier": "县区", "type": "卫生行政部门", "parent_id": 2 + c})
    institutions = []
    for n, place in enumerate(province.institutions):
        county = rows[county_ids[place.county] - 1]
        institutions.append({"id": len(rows) + 1, "code": f"{county['code']}{n + 1:04d}",
                             "name": f"{county['name']}第{n + 1}{place.name_kind}", "kind": "institution",
                             "level": place.level, "tier": "市" if n < len(shape.CITIES) else "县区", "type": place.type,
                             "parent_id": county["id"]})
        rows.append(institutions[-1])
        institutions[-1] = {**institutions[-1], "size": place.size}
    _copy(conn, "unit", rows)
    return institutions


def _people(conn, rng: random.Random, institutions: list[dict], first_year: int) -> list[tuple[int, int]]:
    """Everyone's account (one password hash), roles (each unit's first person its admin, the others
    learners with self-entry), account state, person row and standing since ``first_year``.
    Returns (person id, unit id) for everyone."""
    password_hash = passwords.make(data.PASSWORD)
    role_ids = {name: id_ for id_, name in conn.execute(select(Role.id, Role.name))}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    keys = sealed.keys()
    users = [data.user_row(1, data.PROVINCE_ADMIN_USERNAME, "省管理员", password_hash, now)]
    roles = [(1, role_ids[PROVINCE_ADMIN])]
    people, history, everyone = [], [], []
    for unit in institutions:
        grade = (unit["tier"], unit["level"], unit["type"])
        for n in range(unit["size"]):
            i = len(people) + 1
            person = data.person_row(rng, keys, i, unit["id"], f"{unit['code']}-{i:07d}")
            people.append(person)
            history.append(data.history_row(person, first_year, grade, now))
            users.append(data.user_row(i + 1, person["person_no"], person["name"], password_hash, now))
            roles += [(i + 1, role_ids[UNIT_ADMIN])] if n == 0 else [(i + 1, role_ids[LEARNER]), (i + 1, role_ids[SELF_ENTRY])]
            everyone.append((i, unit["id"]))
    _copy(conn, "ab_user", users)
    _copy(conn, "ab_user_role", [{"id": n, "user_id": u, "role_id": r} for n, (u, r) in enumerate(roles, 1)])
    _copy(conn, "account_state", [{"user_id": u["id"], "must_change_password": False} for u in users])
    _copy(conn, "person", people)
    _copy(conn, "person_history", history)
    return everyone


def _records(conn, rng: random.Random, people: list[tuple[int, int]], year: int) -> int:
    """Everyone's records: the current year's (skewed counts, CURRENT_STATUSES) and HISTORY_YEARS
    earlier years' (RECORDS_PER_HISTORY_YEAR each, HISTORY_STATUSES), in one COPY."""
    names = data.record_columns()
    unknown = set(names) - set(data.COMMON) - set(CURRENT_VARYING)
    assert not unknown, f"credit_record columns without a generated value (add them to bench.data.COMMON): {unknown}"
    categories = [{"category_id": id_, "type_slug": slug, "credit_class": credit_class, "params": json.dumps(params)}
                  for id_, slug, credit_class, params in conn.execute(select(
                      CreditCategory.id, CreditCategory.type_slug, CreditCategory.credit_class, CreditCategory.params))]
    written = 0

    def rows() -> Iterator[tuple]:
        nonlocal written
        pick = operator.itemgetter(*names)
        years = [(y, list(shape.HISTORY_STATUSES), list(shape.HISTORY_STATUSES.values()), shape.RECORDS_PER_HISTORY_YEAR)
                 for y in range(year - shape.HISTORY_YEARS, year)]
        years.append((year, list(shape.CURRENT_STATUSES), list(shape.CURRENT_STATUSES.values()), None))
        calendars = {y: _calendar(y) for y, *_ in years}
        for person_id, unit_id in people:
            for y, statuses, weights, fixed in years:
                days, next_days = calendars[y]
                count = fixed or (LEARNER_RECORDS if person_id == 2 else shape.records_per_person(rng))
                chosen = zip(rng.choices(statuses, weights, k=count),
                             rng.choices(range(len(days)), k=count), rng.choices(categories, k=count),
                             rng.choices(data.ACTIVITIES, k=count), rng.choices(data.CREDIT_CHOICES, k=count), strict=True)
                for n, (status, d, category, activity, credits) in enumerate(chosen):
                    submitted = status not in ("draft", "deleted")
                    reviewed = submitted and status != "submitted"
                    yield pick({**data.COMMON, **category, "person_id": person_id, "unit_id": unit_id, "status": status,
                                "activity_name": f"{activity}（第{n + 1}期）",
                                "activity_number": f"{y}-{person_id:07d}-{n:03d}", "activity_date": days[d], "credit_year": y,
                                "credits": credits, "hours": credits * 3 // 10,
                                "review_comment": "请补充证明材料" if status == "rejected" else "",
                                "reviewed_by": 1 if reviewed else None,
                                "reviewed_at": f"{next_days[d]} 10:00:00" if reviewed else None,
                                "submitted_at": f"{days[d]} {9 + n % 9:02d}:{n % 60:02d}:00" if submitted else None})
                written += count

    partitions.ensure(conn, year - shape.HISTORY_YEARS, year)
    data.copy_rows(conn, "credit_record", names, rows())
    return written


def _calendar(year: int) -> tuple[list[str], list[str]]:
    """The year's activity dates as text (the current year's up to yesterday) and each one's next day."""
    first = dt.date(year, 1, 1)
    last = min(dt.date(year, 12, 31), max(dt.date.today() - dt.timedelta(days=1), first))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return [d.isoformat() for d in days], [(d + dt.timedelta(days=1)).isoformat() for d in days]


def _summaries(conn) -> None:
    """credit_year and credit_year_bucket of every year, from one GROUP BY over the records with the
    summary's own definitions (summaries.COUNTED, NODE, YEAR): what ``summaries.rebuild`` writes,
    without bringing millions of groups through Python."""
    record = CreditRecord
    grouped = (select(record.person_id, summaries.YEAR.label("year"), record.category_id, record.credit_class,
                      summaries.NODE.label("node"), func.count().label("records"), func.sum(record.credits).label("credits"),
                      func.sum(record.hours).label("hours"),
                      func.sum(case((record.hours == 0, record.credits), else_=0)).label("hourless"))
               .join(CreditCategory, CreditCategory.id == record.category_id)
               .where(summaries.COUNTED)
               .group_by(record.person_id, summaries.YEAR, record.category_id, record.credit_class, summaries.NODE))
    compiled = grouped.compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE province_groups AS {compiled}", compiled.params)
    conn.execute(text(
        "INSERT INTO credit_year_bucket (person_id, year, category_id, credit_class, node, records, credits, hours) "
        "SELECT person_id, year::int, category_id, credit_class, coalesce(node, ''), records, credits, hours "
        "FROM province_groups"))
    conn.execute(text(
        "INSERT INTO credit_year (person_id, year, records, credits, hours, class_1, class_2, class_other, "
        "hourless_credits) SELECT person_id, year::int, sum(records), sum(credits), sum(hours), "
        "coalesce(sum(credits) FILTER (WHERE credit_class = 'I'), 0), "
        "coalesce(sum(credits) FILTER (WHERE credit_class = 'II'), 0), "
        "coalesce(sum(credits) FILTER (WHERE credit_class NOT IN ('I', 'II')), 0), coalesce(sum(hourless), 0) "
        "FROM province_groups GROUP BY person_id, year"))
    conn.exec_driver_sql("DROP TABLE province_groups")
