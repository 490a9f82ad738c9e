"""A generated province, bulk-inserted with SQLAlchemy Core executemany: units, accounts (one
precomputed password hash for all), roles, account states and people with valid ID numbers;
then credit records for the learners of some units around the admin's unit."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from sqlalchemy import column, insert, select, text
from sqlalchemy import table as table_clause

from portal import partitions
from portal.accounts import passwords
from portal.accounts.roles import LEARNER, PROVINCE_ADMIN, SELF_ENTRY, UNIT_ADMIN
from portal.extensions import db
from portal.models import AccountState, CreditCategory, CreditRecord, Person, PersonHistory, Unit, sealed
from portal.people.id_number import check_character

PASSWORD = "Kx7!bench-river"
PROVINCE_ADMIN_USERNAME = "bench-padmin"
SEARCH_CHARACTER = "王"

# Common surnames, roughly by frequency (王 and 李 lead), and characters for given names.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
SURNAME_WEIGHTS = [70, 70, 68, 54, 45, 31, 23, 22, 20, 19, 17, 15, 13, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8, 8, 7, 7,
                   7, 6, 6, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强玉兰红梅海燕晓东小红文博思远欣怡子涵浩然"
DEPARTMENTS = ("内科", "外科", "妇产科", "儿科", "急诊科", "麻醉科", "检验科", "影像科", "药剂科", "护理部")
TITLES = (("住院医师", "初级"), ("主治医师", "中级"), ("副主任医师", "副高"), ("主任医师", "正高"),
          ("护士", "初级"), ("护师", "初级"), ("主管护师", "中级"), ("药师", "初级"))
STATUSES = ("正常",) * 17 + ("离职", "退休", "注销")

# Every learner's 200 credit records: mostly approved, some waiting for review, a few drafts,
# rejections and deleted drafts (kept as rows for their audit trail).
RECORD_STATUSES = ("approved",) * 170 + ("submitted",) * 20 + ("draft",) * 4 + ("rejected",) * 4 + ("deleted",) * 2
RECORD_YEARS = (2021, 2022, 2023, 2024, 2025)
ACTIVITIES = ("心血管疾病诊疗进展学习班", "急危重症救治培训", "院内感染防控专题讲座", "临床用药安全研讨会", "医学影像新技术培训",
              "护理质量管理学习班", "疑难病例讨论", "全院大查房", "住院医师规范化培训", "医学科研方法讲座")
CREDIT_CHOICES = (20, 50, 100, 100, 200, 300, 500, 1000)   # hundredths of a credit
CHUNK = 50_000
# The credit_record columns every generated record has the same value in, as the driver takes them.
COMMON = {"version": 1, "activity_type": "personal", "credit_level": "", "hosting_method": "", "discipline": "",
          "sub_discipline": "", "issuing_unit_id": None, "issuer_name": "", "remarks": "", "fields": '{"hours": "6"}',
          "deems_years": "[]", "wizard_rule": "", "deems_compliant": False, "score_note": "", "corrects_id": None,
          "corrects_year": None, "superseded": False, "entered_by_id": None, "activity_id": None}


@dataclass
class Province:
    people: int
    units: int
    admin_unit_id: int        # the unit whose admin signs in
    admin_unit_staff: int     # people in that unit
    unit_admin_username: str
    unit_admin_person_id: int  # whose own records the admin's queue leaves to another reviewer
    name_matches: int         # people whose name contains SEARCH_CHARACTER
    credit_unit_ids: range    # units whose learners have self-entry and credit records
    learner_username: str     # a learner of the admin's unit, with self-entry
    learner_person_id: int


def populate(app: Flask, people: int, units: int, credit_units: int, seed: int = 20261126) -> Province:
    """Fill an empty, migrated database; ``people`` are spread evenly over ``units``. Everyone in
    the ``credit_units`` units around the admin's unit gets self-entry (see add_credit_records)."""
    rng = random.Random(seed)
    with app.app_context():
        password_hash = passwords.make(PASSWORD)
        role_ids = {name: id_ for id_, name in db.session.execute(select(Role.id, Role.name))}
        db.session.remove()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

        # Units: the province, then the institutions, ids given so people can refer to them.
        unit_rows = [{"id": 1, "code": "B00", "name": "测试省", "kind": "province", "level": None, "parent_id": None}]
        unit_rows += [{"id": u + 2, "code": f"B{u + 1:04d}", "name": f"第{u + 1}人民医院", "kind": "institution",
                       "level": "二级", "parent_id": 1} for u in range(units)]
        code_of = {row["id"]: row["code"] for row in unit_rows}
        admin_unit_id = 2 + units // 2   # a unit in the middle, not the first one scanned
        first_credit_unit = max(2, min(admin_unit_id - credit_units // 2, units + 2 - credit_units))
        credit_unit_ids = range(first_credit_unit, first_credit_unit + min(credit_units, units))

        # Accounts: user 1 is the provincial admin, person i has user i + 1.
        users = [user_row(1, PROVINCE_ADMIN_USERNAME, "省管理员", password_hash, now)]
        user_roles = [{"user_id": 1, "role_id": role_ids[PROVINCE_ADMIN]}]
        people_rows, name_matches, unit_admin_username, unit_admin_person_id = [], 0, "", 0
        learner_username, learner_person_id = "", 0
        keys = sealed.keys()
        for i in range(1, people + 1):
            unit_id = 2 + (i - 1) % units
            user_id = i + 1
            person_no = f"{code_of[unit_id]}-{i:06d}"
            person = person_row(rng, keys, i, unit_id, person_no)
            name = person["name"]
            name_matches += SEARCH_CHARACTER in name
            is_admin = unit_id == admin_unit_id and not unit_admin_username
            if is_admin:
                unit_admin_username, unit_admin_person_id = person_no, i
            elif unit_id == admin_unit_id and not learner_username:
                learner_username, learner_person_id = person_no, i
            users.append(user_row(user_id, person_no, name, password_hash, now))
            user_roles.append({"user_id": user_id, "role_id": role_ids[UNIT_ADMIN if is_admin else LEARNER]})
            if rng.random() < 0.3 or unit_id in credit_unit_ids:
                user_roles.append({"user_id": user_id, "role_id": role_ids[SELF_ENTRY]})
            people_rows.append(person)
        states = [{"user_id": u["id"], "must_change_password": False} for u in users]
        user_roles = [{"id": n, **row} for n, row in enumerate(user_roles, 1)]

        with db.engine.begin() as conn:
            conn.execute(insert(Unit.__table__), unit_rows)
            conn.execute(insert(User.__table__), users)
            conn.execute(insert(assoc_user_role), user_roles)
            conn.execute(insert(AccountState.__table__), states)
            conn.execute(insert(Person.__table__), people_rows)
            # Everyone has a history row from the first year of records on, as the migration gives them.
            conn.execute(insert(PersonHistory.__table__), [
                history_row(p, RECORD_YEARS[0], ("县区", "二级", "医院"), now) for p in people_rows])
            if conn.dialect.name == "postgresql":
                advance_sequences(conn)
        after_load("ANALYZE")
        return Province(
            people=people, units=units, admin_unit_id=admin_unit_id,
            admin_unit_staff=sum(1 for p in people_rows if p["unit_id"] == admin_unit_id),
            unit_admin_username=unit_admin_username, unit_admin_person_id=unit_admin_person_id, name_matches=name_matches,
            credit_unit_ids=credit_unit_ids, learner_username=learner_username, learner_person_id=learner_person_id,
        )


@dataclass
class Credits:
    records: int
    learners: int
    learner_visible: int      # the learner's records that 录入学分查询管理 lists (all but deleted)
    admin_unit_waiting: int   # submitted records in the admin's unit, all years (the stock list's)
    admin_unit_queue: int     # those of last year and this but the admin's own: the review queue's default


def add_credit_records(app: Flask, province: Province, seed: int = 20261127) -> Credits:
    """Give every person of the province's credit units 200 records over five years, inserted
    with Core executemany in chunks (COPY on PostgreSQL). Values are precomputed in the form the
    database driver takes (dates and times through the column types' own bind processors, JSON
    as text), so the insert goes through untyped columns with no per-value processing."""
    rng = random.Random(seed)
    with app.app_context():
        dialect = db.engine.dialect
        columns = CreditRecord.__table__.c
        bind_date = columns.activity_date.type.bind_processor(dialect) or (lambda v: v)
        bind_time = columns.submitted_at.type.bind_processor(dialect) or (lambda v: v)
        categories = [
            {"category_id": id_, "type_slug": slug, "credit_class": credit_class, "params": json.dumps(params)}
            for id_, slug, credit_class, params in db.session.execute(select(
                CreditCategory.id, CreditCategory.type_slug, CreditCategory.credit_class, CreditCategory.params))
        ]
        learners = db.session.execute(select(Person.id, Person.unit_id)
                                      .where(Person.unit_id.in_(province.credit_unit_ids)).order_by(Person.id)).all()
        db.session.remove()
        first_day = dt.date(RECORD_YEARS[0], 1, 1)
        days = [first_day + dt.timedelta(days=n) for n in range((dt.date(RECORD_YEARS[-1] + 1, 1, 1) - first_day).days)]
        dates = [bind_date(d) for d in days]
        names = record_columns()
        untyped = table_clause("credit_record", *(column(name) for name in names))

        queue_years = {dt.date.today().year - 1, dt.date.today().year}
        queued = 0

        def rows():
            nonlocal queued
            statuses = list(RECORD_STATUSES)
            for person_id, unit_id in learners:
                rng.shuffle(statuses)
                for n, status in enumerate(statuses):
                    day = rng.randrange(len(days))
                    credits = rng.choice(CREDIT_CHOICES)
                    submitted = reviewed = None
                    if status != "draft" and status != "deleted":
                        submitted = dt.datetime.combine(days[day], dt.time(9)) + dt.timedelta(
                            days=rng.randrange(1, 30), seconds=person_id * 7 + n * 131)
                        if status != "submitted":
                            reviewed = submitted + dt.timedelta(days=7)
                        elif (unit_id == province.admin_unit_id and person_id != province.unit_admin_person_id
                              and days[day].year in queue_years):
                            queued += 1
                    yield {**COMMON, **rng.choice(categories), "person_id": person_id, "unit_id": unit_id,
                           "status": status, "activity_name": f"{rng.choice(ACTIVITIES)}（第{n + 1}期）",
                           "activity_number": f"{days[day].year}-{person_id:06d}-{n:03d}",
                           "activity_date": dates[day], "credit_year": days[day].year,
                           "credits": credits, "hours": credits * 3 // 10,
                           "review_comment": "请补充证明材料" if status == "rejected" else "",
                           "reviewed_by": 1 if reviewed else None,
                           "reviewed_at": bind_time(reviewed) if reviewed else None,
                           "submitted_at": bind_time(submitted) if submitted else None}

        with db.engine.connect() as conn, _fast_sqlite_load(conn):
            if conn.dialect.name == "postgresql":
                partitions.ensure(conn, RECORD_YEARS[0], RECORD_YEARS[-1])
                copy_rows(conn, "credit_record", names, ([row[name] for name in names] for row in rows()))
            else:
                generated = rows()
                while chunk := list(itertools.islice(generated, CHUNK)):
                    conn.execute(insert(untyped), chunk)
            conn.commit()
        after_load("VACUUM ANALYZE credit_record")
        admin_unit_learners = sum(1 for _, unit_id in learners if unit_id == province.admin_unit_id)
        return Credits(records=len(learners) * len(RECORD_STATUSES), learners=len(learners),
                       learner_visible=len(RECORD_STATUSES) - RECORD_STATUSES.count("deleted"),
                       admin_unit_waiting=admin_unit_learners * RECORD_STATUSES.count("submitted"),
                       admin_unit_queue=queued)


def record_columns() -> list[str]:
    """The credit_record columns a generated record gives, in the model's order (the database
    fills the id and the timestamps)."""
    return [c.name for c in CreditRecord.__table__.c if c.name not in ("id", "created_at", "updated_at")]


def person_row(rng: random.Random, keys, i: int, unit_id: int, person_no: str) -> dict:
    """Person ``i`` (also their id) of ``unit_id``: a common name, a title, a department and an
    ID number unique for every i (a birth date for every 1,000 people, then a sequence)."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=(i // 1000) * 7 + i % 7)
    first17 = f"330102{birth:%Y%m%d}{i % 1000:03d}"
    number = first17 + check_character(first17)
    name = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0] + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
    title, level = rng.choice(TITLES)
    return {
        "id": i, "user_id": i + 1, "unit_id": unit_id, "person_no": person_no, "name": name,
        "id_sealed": keys.seal(number), "id_hash": keys.digest(number), "sex": "男" if i % 2 else "女",
        "birth_date": birth, "ethnicity": "汉族", "political_status": "群众", "education": "本科",
        "degree": "学士", "mobile": f"139{i:08d}", "phone": "", "email": "",
        "department": rng.choice(DEPARTMENTS), "position": "", "status": rng.choice(STATUSES),
        "transfer_status": "", "title": title, "title_level": level, "ic_card_no": "", "photo": None,
    }


def history_row(person: dict, year: int, unit: tuple[str, str, str], now: dt.datetime) -> dict:
    """The person's standing from ``year`` on, in their unit of (tier, grade, type)."""
    tier, grade, type_ = unit
    return {"person_id": person["id"], "year": year, "unit_id": person["unit_id"], "unit_tier": tier,
            "unit_grade": grade, "unit_type": type_, "title": person["title"], "title_level": person["title_level"],
            "status": person["status"], "changed_at": now, "changed_by": None, "reason": ""}


def after_load(command: str) -> None:
    """PostgreSQL: what autovacuum does soon after a large load (statistics, the visibility map),
    done at once so that measurements do not depend on when it runs. Inside an app context."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(command))


def copy_rows(conn, table_name: str, names: list[str], rows) -> None:
    """PostgreSQL: COPY the rows (sequences of values in the order of ``names``) in through the
    driver's connection (psycopg 3), and commit there; a few times as fast as executemany."""
    driver = conn.connection.dbapi_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {table_name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    driver.commit()


@contextmanager
def _fast_sqlite_load(conn):
    """While loading the bench's own temporary SQLite file: no fsync and a larger page cache; the
    connection's settings are restored afterwards. The journal stays WAL (portal.extensions sets it
    on every connection): leaving WAL needs the file to itself, which a test's other connections
    (a job's thread) may hold, and WAL without fsync loads about as fast."""
    if conn.dialect.name != "sqlite":
        yield
        return
    settings = {"synchronous": "OFF", "cache_size": "-262144"}
    saved = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in settings}
    for name, value in settings.items():
        conn.exec_driver_sql(f"PRAGMA {name} = {value}")
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        for name, value in saved.items():
            conn.exec_driver_sql(f"PRAGMA {name} = {value}")
        conn.commit()


def user_row(id_: int, username: str, name: str, password_hash: str, now: dt.datetime) -> dict:
    return {
        "id": id_, "first_name": name, "last_name": "", "username": username, "password": password_hash,
        "active": True, "email": f"bench-{id_}@accounts.invalid", "last_login": None, "login_count": 0,
        "fail_login_count": 0, "created_on": now, "changed_on": now, "created_by_fk": None, "changed_by_fk": None,
    }


def advance_sequences(conn) -> None:
    """Rows were inserted with explicit ids: move the id sequences past them."""
    for table, sequence in (("ab_user", "'ab_user_id_seq'"), ("ab_user_role", "'ab_user_role_id_seq'"),
                            ("unit", "pg_get_serial_sequence('unit', 'id')"),
                            ("person", "pg_get_serial_sequence('person', 'id')")):
        conn.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"))
