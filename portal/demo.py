"""The demo province loaded by `make run` on an empty database: 2 cities, 4 units with a unit
admin each, 40 learners with titles; those with self-entry have an approved record, one
waiting for review and a draft; and an out-of-province learner (外省人员) with two approved
records, who signs in with the ID number and phone below and the code the default SMS sender
writes to instance/sms_outbox.log. Passwords are random, printed once and written to
instance/demo-credentials.txt (mode 0600)."""
from __future__ import annotations

import datetime as dt
import io
import os
import random
from pathlib import Path

import click
from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.actor import actor_for
from portal.accounts.roles import PROVINCE_ADMIN, SELF_ENTRY, UNIT_ADMIN
from portal.categories import services as categories
from portal.contracts import Entry
from portal.credits import attachments
from portal.credits import services as credits
from portal.extensions import db
from portal.models import Person, Unit
from portal.people import services as people
from portal.people.id_number import check_character
from portal.review import services as review

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国文斌宁海燕云飞鹏辉晨欣怡佳琪浩然子轩"
TITLES = [("医师", "初级"), ("护师", "初级"), ("药师", "初级"), ("主治医师", "中级"), ("主管护师", "中级"),
          ("副主任医师", "副高"), ("主任医师", "正高"), ("副主任护师", "副高")]
DEPARTMENTS = ["内科", "外科", "妇产科", "儿科", "急诊科", "检验科", "药剂科", "护理部", "公共卫生科"]
# Fixed, so that README.md can name them: a Shanghai ID number (valid check digit) and phone.
VISITOR = {"name": "沈沪生", "id_number": "310101198506120028", "mobile": "13900001234", "unit_code": "330101"}
UNITS = [
    ("3301", "杭州市", "city", None,
     [("330101", "杭州市第一人民医院", "三级", "市", "医院"),
      ("330102", "杭州市西湖区社区卫生服务中心", "乡镇", "乡镇街道", "社区卫生服务中心")]),
    ("3302", "宁波市", "city", None, [("330201", "宁波市第二医院", "三级", "市", "医院"),
                                    ("330202", "宁波市鄞州区人民医院", "二级", "县区", "医院")]),
]


def demo_id_number(rng: random.Random, region: str) -> str:
    birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 35))
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + check_character(first17)


def load_demo_data(print_credentials: bool = False, seed: int | None = None) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    credentials: list[tuple[str, str, str]] = []
    admin_password = accounts.generate_initial_password()
    accounts.create_user("province", "省级管理员", [PROVINCE_ADMIN], password=admin_password)
    credentials.append(("省级管理员", "province", admin_password))
    province = Unit(code="33", name="浙江省", kind="province", tier="省", type="卫生行政部门")
    db.session.add(province)
    for code, name, kind, level, institutions in UNITS:
        city = Unit(code=code, name=name, kind=kind, level=level, parent=province, tier="市", type="卫生行政部门")
        db.session.add(city)
        for unit_code, unit_name, unit_level, tier, unit_type in institutions:
            db.session.add(Unit(code=unit_code, name=unit_name, kind="institution", level=unit_level, tier=tier,
                                type=unit_type, parent=city))
    db.session.flush()
    province_admin = actor_for(accounts.find_user("province"))
    for unit in db.session.query(Unit).filter(Unit.kind == "institution").order_by(Unit.code):
        for index in range(11):
            title, level = rng.choice(TITLES)
            person, _ = people.create(province_admin, {
                "unit_id": unit.id, "role": "unit_admin" if index == 0 else "learner",
                "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                "id_number": demo_id_number(rng, unit.code), "title": title, "title_level": level,
                "department": rng.choice(DEPARTMENTS), "mobile": f"13{rng.randrange(10**8, 10**9)}",
                "status": "正常", "transfer_status": "", "ethnicity": "汉族", "education": "本科",
            })
            password = accounts.generate_initial_password()
            accounts.set_password(person.user, password, must_change=False)
            if index % 2:
                person.user.roles.append(current_app.appbuilder.sm.find_role(SELF_ENTRY))
            credentials.append(("单位管理员" if index == 0 else "学员", person.user.username, password))
    db.session.commit()
    _demo_records(rng)
    _demo_visitor(rng, province_admin)
    credentials.append(("外省人员", f"证件号码 {VISITOR['id_number']} 手机 {VISITOR['mobile']}",
                        "短信验证码见 instance/sms_outbox.log"))
    _write(credentials, print_credentials)
    return credentials


def _demo_records(rng: random.Random) -> None:
    """A few records of each learner with self-entry, through the real workflow: one approved,
    one waiting for review and one draft, each with a photo of its certificate."""
    learners = db.session.scalars(select(Person).where(people.has_role(SELF_ENTRY)).order_by(Person.id)).all()
    admins = _unit_admins()
    for person in learners:
        made = _entered(rng, person, (("全省心血管疾病诊治进展学习班", "provincial"), ("医院感染防控培训班", "city"),
                                      ("急救技能复训", "county")))
        credits.submit(actor_for(person.user), made[:2])
        review.decide(admins[person.unit_id], made[:1], "approve")


def _demo_visitor(rng: random.Random, province_admin) -> None:
    """The out-of-province learner, registered by the province at the unit that ran their
    projects, with both records approved by that unit."""
    unit_id = db.session.scalar(select(Unit.id).where(Unit.code == VISITOR["unit_code"]))
    person, _ = people.create(province_admin, {
        "unit_id": unit_id, "out_of_province": True, "name": VISITOR["name"], "id_number": VISITOR["id_number"],
        "mobile": VISITOR["mobile"], "status": "正常", "transfer_status": "",
    })
    made = _entered(rng, person, (("全省急危重症护理新进展学习班", "provincial"), ("国家级麻醉学继续教育项目", "national")))
    credits.submit(actor_for(person.user), made)
    review.decide(_unit_admins()[unit_id], made, "approve")


def _unit_admins() -> dict:
    return {p.unit_id: actor_for(p.user) for p in db.session.scalars(select(Person).where(people.has_role(UNIT_ADMIN)))}


def _entered(rng: random.Random, person: Person, projects: tuple[tuple[str, str], ...]) -> list:
    """Free-form records of ``person`` for the projects (name, 学分级别), as drafts with a photo."""
    free_form = categories.offering(Entry.FORM)[0]  # the shipped configuration's one: 非向导录入
    rules = categories.credit_type(free_form).evidence
    actor = actor_for(person.user)
    made = []
    for n, (name, level) in enumerate(projects):
        common = {"activity_name": name, "activity_number": f"2025-{rng.randrange(100, 999)}",
                  "activity_date": dt.date(2025, 3 + 2 * n, 10 + n), "credit_level": level, "hosting_method": "h01",
                  "discipline": "02", "sub_discipline": "0201", "issuing_unit_id": person.unit_id, "remarks": ""}
        record = credits.create(actor, free_form, common, {"credits": str(2 + n), "hours": str(6 + 3 * n)})
        attachments.add(actor, rules, "证书.png", _certificate(), record, 0)
        db.session.commit()
        made.append(record)
    return made


def _certificate() -> bytes:
    """A blank certificate-like picture (the demo has no real scans)."""
    image = Image.new("RGB", (640, 420), (250, 248, 235))
    ImageDraw.Draw(image).rectangle((20, 20, 620, 400), outline=(160, 120, 40), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _write(credentials: list[tuple[str, str, str]], echo: bool) -> None:
    path = Path(current_app.instance_path) / "demo-credentials.txt"
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("角色\t用户名\t密码\n")
        for row in credentials:
            f.write("\t".join(row) + "\n")
    if echo:
        shown = [row for row in credentials if row[0] != "学员"]
        shown += [row for row in credentials if row[0] == "学员"][:2]
        click.echo("Demo accounts (shown once; all of them are in instance/demo-credentials.txt):")
        for role, username, password in shown:
            click.echo(f"  {role}\t{username}\t{password}")
        click.echo(f"  ... and {len(credentials) - len(shown)} more learners, listed in the file.")
