"""A generated province, bulk-inserted with SQLAlchemy Core executemany: units, accounts (one
precomputed password hash for all), roles, account states and people with valid ID numbers."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from flask import Flask
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from sqlalchemy import insert, select, text
from werkzeug.security import generate_password_hash

from portal.accounts.roles import LEARNER, PROVINCE_ADMIN, SELF_ENTRY, UNIT_ADMIN
from portal.extensions import db
from portal.models import AccountState, Person, Unit
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
TITLES = (("住院医师", "初级"), ("主治医师", "中级"), ("副主任医师", "高级"), ("主任医师", "高级"),
          ("护士", "初级"), ("护师", "初级"), ("主管护师", "中级"), ("药师", "初级"))
STATUSES = ("正常",) * 17 + ("离职", "退休", "注销")


@dataclass
class Province:
    people: int
    units: int
    admin_unit_id: int        # the unit whose admin signs in
    admin_unit_staff: int     # people in that unit
    unit_admin_username: str
    name_matches: int         # people whose name contains SEARCH_CHARACTER


def populate(app: Flask, people: int, units: int, seed: int = 20261126) -> Province:
    """Fill an empty, migrated database; ``people`` are spread evenly over ``units``."""
    rng = random.Random(seed)
    with app.app_context():
        password_hash = generate_password_hash(
            PASSWORD, method=app.config["FAB_PASSWORD_HASH_METHOD"],
            salt_length=app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
        )
        role_ids = {name: id_ for id_, name in db.session.execute(select(Role.id, Role.name))}
        db.session.remove()
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

        # Units: the province, then the institutions, ids given so people can refer to them.
        unit_rows = [{"id": 1, "code": "B00", "name": "测试省", "kind": "province", "level": None, "parent_id": None}]
        unit_rows += [{"id": u + 2, "code": f"B{u + 1:04d}", "name": f"第{u + 1}人民医院", "kind": "institution",
                       "level": "二级", "parent_id": 1} for u in range(units)]
        code_of = {row["id"]: row["code"] for row in unit_rows}
        admin_unit_id = 2 + units // 2   # a unit in the middle, not the first one scanned

        # Accounts: user 1 is the provincial admin, person i has user i + 1.
        users = [_user(1, PROVINCE_ADMIN_USERNAME, "省管理员", password_hash, now)]
        user_roles = [{"user_id": 1, "role_id": role_ids[PROVINCE_ADMIN]}]
        people_rows, name_matches, unit_admin_username = [], 0, ""
        first_birth = dt.date(1960, 1, 1)
        for i in range(1, people + 1):
            unit_id = 2 + (i - 1) % units
            user_id = i + 1
            person_no = f"{code_of[unit_id]}-{i:06d}"
            # Unique ID numbers: a different birth date for every 1,000 people, then a sequence.
            birth = first_birth + dt.timedelta(days=(i // 1000) * 7 + i % 7)
            first17 = f"330102{birth:%Y%m%d}{i % 1000:03d}"
            name = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0] + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
            name_matches += SEARCH_CHARACTER in name
            title, level = rng.choice(TITLES)
            is_admin = unit_id == admin_unit_id and not unit_admin_username
            if is_admin:
                unit_admin_username = person_no
            users.append(_user(user_id, person_no, name, password_hash, now))
            user_roles.append({"user_id": user_id, "role_id": role_ids[UNIT_ADMIN if is_admin else LEARNER]})
            if rng.random() < 0.3:
                user_roles.append({"user_id": user_id, "role_id": role_ids[SELF_ENTRY]})
            people_rows.append({
                "id": i, "user_id": user_id, "unit_id": unit_id, "person_no": person_no, "name": name,
                "id_number": first17 + check_character(first17), "sex": "男" if i % 2 else "女",
                "birth_date": birth, "ethnicity": "汉族", "political_status": "群众", "education": "本科",
                "degree": "学士", "mobile": f"139{i:08d}", "phone": "", "email": "",
                "department": rng.choice(DEPARTMENTS), "position": "", "status": rng.choice(STATUSES),
                "transfer_status": "", "title": title, "title_level": level, "ic_card_no": "", "photo": None,
            })
        states = [{"user_id": u["id"], "must_change_password": False, "failed_logins": 0, "locked_until": None}
                  for u in users]
        user_roles = [{"id": n, **row} for n, row in enumerate(user_roles, 1)]

        with db.engine.begin() as conn:
            conn.execute(insert(Unit.__table__), unit_rows)
            conn.execute(insert(User.__table__), users)
            conn.execute(insert(assoc_user_role), user_roles)
            conn.execute(insert(AccountState.__table__), states)
            conn.execute(insert(Person.__table__), people_rows)
            if conn.dialect.name == "postgresql":
                _advance_sequences(conn)
        if db.engine.dialect.name == "postgresql":
            # Autovacuum would analyse fresh tables soon after a load; do it now.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        return Province(
            people=people, units=units, admin_unit_id=admin_unit_id,
            admin_unit_staff=sum(1 for p in people_rows if p["unit_id"] == admin_unit_id),
            unit_admin_username=unit_admin_username, name_matches=name_matches,
        )


def _user(id_: int, username: str, name: str, password_hash: str, now: dt.datetime) -> dict:
    return {
        "id": id_, "first_name": name, "last_name": "", "username": username, "password": password_hash,
        "active": True, "email": f"bench-{id_}@accounts.invalid", "last_login": None, "login_count": 0,
        "fail_login_count": 0, "created_on": now, "changed_on": now, "created_by_fk": None, "changed_by_fk": None,
    }


def _advance_sequences(conn) -> None:
    """Rows were inserted with explicit ids: move the id sequences past them."""
    for table, sequence in (("ab_user", "'ab_user_id_seq'"), ("ab_user_role", "'ab_user_role_id_seq'"),
                            ("unit", "pg_get_serial_sequence('unit', 'id')"),
                            ("person", "pg_get_serial_sequence('person', 'id')")):
        conn.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"))
