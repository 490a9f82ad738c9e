"""Issue 15's staff import: a unit admin sends 5,000 rows to ``POST /api/v1/people/import`` (read,
every row checked, accounts, people, history, one commit), beside a bare bulk insert of the same
number of accounts and people with SQLAlchemy Core (no checks, one precomputed password hash).
Each side gets its own ID numbers, so both write into the province as it is."""
from __future__ import annotations

import datetime as dt
import io
import time

from flask import Flask
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from openpyxl import Workbook
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from portal.accounts.roles import LEARNER
from portal.extensions import db
from portal.models import Person
from portal.people.id_number import check_character
from tests.helpers import api_token

ROWS = 5000
LIMIT_MS = 30_000
HEADERS = ["姓名*", "证件号码*", "人员编号", "手机", "科室", "当前职称", "职称级别"]


def _people(region: str) -> list[dict]:
    found = []
    for i in range(ROWS):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=i // 1000)
        first17 = f"{region}{birth:%Y%m%d}{i % 1000:03d}"
        found.append({"name": f"导入{i}", "id_number": first17 + check_character(first17), "birth_date": birth,
                      "sex": "男" if i % 2 else "女", "mobile": f"137{i:08d}", "department": "内科",
                      "title": "主治医师", "title_level": "中级"})
    return found


def workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for p in _people("330106"):
        sheet.append([p["name"], p["id_number"], "", p["mobile"], p["department"], p["title"], p["title_level"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ours_ms(app: Flask, username: str, password: str, data: bytes) -> float:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client, username, password)}"}
    started = time.perf_counter()
    response = client.post("/api/v1/people/import", headers=headers, data={"file": (io.BytesIO(data), "staff.xlsx")})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 201 or response.json["created"] != ROWS:
        raise RuntimeError(f"import failed: {response.status_code} {response.get_data(as_text=True)[:500]}")
    return elapsed


def bare_ms(app: Flask, unit_id: int) -> float:
    """The same number of accounts (with their role) and people, inserted in one transaction."""
    with app.app_context():
        role_id = db.session.scalar(select(Role.id).where(Role.name == LEARNER))
        password = generate_password_hash("not-used", method=app.config["GENERATED_PASSWORD_HASH_METHOD"])
        people = _people("330108")
        started = time.perf_counter()
        with db.engine.begin() as conn:
            user_ids = conn.execute(insert(User).returning(User.id, sort_by_parameter_order=True), [
                {"username": f"bare-{i}", "first_name": p["name"], "last_name": "", "email": f"bare-{i}@accounts.invalid",
                 "active": True, "password": password} for i, p in enumerate(people)]).scalars().all()
            conn.execute(insert(assoc_user_role), [{"user_id": u, "role_id": role_id} for u in user_ids])
            conn.execute(insert(Person), [{**p, "user_id": u, "unit_id": unit_id, "person_no": f"bare-{i}"}
                                          for i, (p, u) in enumerate(zip(people, user_ids, strict=True))])
        return (time.perf_counter() - started) * 1000
