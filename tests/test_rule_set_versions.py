"""Rule-set versions: editing a 达标标准 makes a new version effective from a date, never rewriting the
text a closed year was judged with; the province re-judges a closed year only on purpose (a dry
run naming how many verdicts change, then a confirmed, audited action); a unit admin cannot.
Runs on SQLite and, with PORTAL_TEST_DATABASE_URL, on PostgreSQL."""
import datetime as dt
import re
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import event, select, text

from portal.extensions import db
from portal.models import JudgedYear, RuleSet, RuleSetVersion, UnitYearTally
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, approved_record, compute_tallies, login, save_rule_set

NATIONAL_2024 = "2024年全国继续医学教育学分标准"
FREE = "非向导录入"


def t(app, message: str, **values) -> str:
    with app.test_request_context():
        return gettext(message, **values)


def national(app) -> int:
    with app.app_context():
        return db.session.scalar(select(RuleSet.id).where(RuleSet.name == NATIONAL_2024))


class Scene:
    """A 二级 hospital's learner with 20 credits (60 hours) in 2025 and in 2026: short of the 2024
    rules' 25 credits and 90 hours in both years."""

    def __init__(self, app, client, users):
        self.app, self.client = app, client
        self.unit = users.unit("330102", level="二级")
        self.admin = users.province_admin()
        self.learner = users.person(self.unit, self_entry=True)
        for year in (2025, 2026):
            approved_record(app, self.learner.id, FREE, dt.date(year, 3, 1), {"credits": "20", "hours": "60"},
                            credit_level="city")
        self.headers = {"Authorization": f"Bearer {api_token(client, self.admin.username, PASSWORD)}"}

    def verdict(self, year: int) -> dict:
        answer = self.client.get(f"/api/v1/compliance/{year}?person_id={self.learner.id}", headers=self.headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.json

    def edit(self, effective_from: str | None = None, **changes) -> None:
        """Change the 2024 rules as the editor saves them (the API's PUT is in test_standards)."""
        values = {name: Decimal(value) for name, value in changes.items()}
        save_rule_set(self.app, self.admin, NATIONAL_2024, values,
                      dt.date.fromisoformat(effective_from) if effective_from else None)

    def versions(self) -> list[tuple[int, str]]:
        with self.app.app_context():
            return [(v.number, v.effective_from.isoformat()) for v in db.session.scalars(
                select(RuleSetVersion).where(RuleSetVersion.rule_set_id == national(self.app)).order_by(RuleSetVersion.number))]


def _version(verdict: dict) -> int:
    return verdict["rule_set_version"]["number"]


def test_editing_a_standard_mid_year_does_not_change_last_years_verdicts(app, client, users, restore_rule_sets):
    scene = Scene(app, client, users)
    assert [(scene.verdict(y)["compliant"], _version(scene.verdict(y))) for y in (2025, 2026)] == [(False, 1), (False, 1)]

    # The default date: the next credit year. Neither year changes.
    scene.edit(min_credits="22.00")
    assert scene.versions()[-1] == (2, f"{dt.date.today().year + 1}-01-01")
    assert [(scene.verdict(y)["compliant"], _version(scene.verdict(y))) for y in (2025, 2026)] == [(False, 1), (False, 1)]

    # A date the admin picks in the past: the open year takes it, the closed year keeps its version.
    scene.edit("2025-01-01", min_credits="20.00", min_hours="0.0")
    last, this = scene.verdict(2025), scene.verdict(2026)
    assert (last["compliant"], _version(last), last["totals"]["credits"]) == (False, 1, "20.00")
    assert (this["compliant"], _version(this)) == (True, 3)
    with app.app_context():
        pinned = db.session.get(JudgedYear, 2025)
        first = db.session.scalar(select(RuleSetVersion.id).where(RuleSetVersion.rule_set_id == national(app),
                                                                  RuleSetVersion.number == 1))
        assert first in pinned.version_ids and pinned.judged_by is None

    # The verdict page names the version each year is judged with.
    login(client, scene.learner.username, PASSWORD)
    page = client.get("/compliance/?year=2025").get_data(as_text=True)
    assert t(app, "Judged by “%(name)s”, version %(n)d (from %(date)s)", name=NATIONAL_2024, n=1,
             date="2025-01-01") in page
    page = client.get("/compliance/?year=2026").get_data(as_text=True)
    assert t(app, "Judged by “%(name)s”, version %(n)d (from %(date)s)", name=NATIONAL_2024, n=3,
             date="2025-01-01") in page

    # 达标标准浏览: the versions with their dates and what changed.
    versions = client.get(f"/standards/{national(app)}/versions").get_data(as_text=True)
    assert versions.index('id="version-3"') < versions.index('id="version-2"') < versions.index('id="version-1"')
    before, after = t(app, "At least %(n)s credits a year.", n="25.00"), t(app, "At least %(n)s credits a year.", n="20.00")
    changes = versions[versions.index('id="version-3"'):versions.index('id="version-2"')]
    assert f"<del>{t(app, 'At least %(n)s credits a year.', n='22.00')}</del>" in changes
    assert f"<ins>{after}</ins>" in changes
    assert f"<del>{before}</del>" in versions[versions.index('id="version-2"'):versions.index('id="version-1"')]


def test_re_judging_a_year_applies_the_new_version_and_is_audited(app, client, users, restore_rule_sets):
    scene = Scene(app, client, users)
    scene.edit("2025-01-01", min_credits="20.00", min_hours="0.0")
    assert scene.verdict(2025)["compliant"] is False

    login(client, scene.admin.username, PASSWORD)
    compute_tallies(app, [2025])  # the dashboards' counts of 2025
    with app.app_context():
        assert db.session.scalar(select(UnitYearTally.compliant).where(UnitYearTally.year == 2025)) == 0
    years = client.get("/standards/years").get_data(as_text=True)
    assert 'href="/standards/years/2025/rejudge"' in years
    dry_run = client.get("/standards/years/2025/rejudge").get_data(as_text=True)
    count = re.search(r'<p class="headline-number">(\d+)</p>', dry_run)[1]
    assert count == "1"
    assert scene.verdict(2025)["compliant"] is False  # the dry run changes nothing

    # A count the admin did not see (the figures moved meanwhile) is not confirmed.
    client.post("/standards/years/2025/rejudge", data={"csrf_token": csrf_from(dry_run), "changed": "7"})
    assert scene.verdict(2025)["compliant"] is False
    done = client.post("/standards/years/2025/rejudge", data={"csrf_token": csrf_from(dry_run), "changed": count},
                       follow_redirects=True).get_data(as_text=True)
    assert t(app, "%(year)d is now judged with the versions in force on its last day: %(n)d people's verdict changed.",
             year=2025, n=1).replace("'", "&#39;") in done
    assert (scene.verdict(2025)["compliant"], _version(scene.verdict(2025))) == (True, 2)
    with app.app_context():  # the dashboards' counts of 2025 wait for the next run, which judges 2025 again
        assert db.session.scalar(select(UnitYearTally.stale).where(UnitYearTally.year == 2025)) is True
    compute_tallies(app, [2025], full=False)
    with app.app_context():
        assert db.session.scalar(select(UnitYearTally.compliant).where(UnitYearTally.year == 2025)) == 1

    trail = client.get("/audit/?action=year_rejudge").get_data(as_text=True)
    assert t(app, "Year re-judged") in trail
    assert t(app, "%(year)s: %(n)d of %(people)d people's verdict changed; %(versions)s", year=2025, n=1, people=1,
             versions=f"{NATIONAL_2024} #2").replace("'", "&#39;") in trail
    assert t(app, "Compliance standard changed") in client.get("/audit/?action=rule_set_change").get_data(as_text=True)


def test_a_unit_admin_cannot_re_judge_or_edit(app, client, users, restore_rule_sets):
    scene = Scene(app, client, users)
    scene.edit("2025-01-01", min_credits="20.00", min_hours="0.0")
    admin = users.person(scene.unit, role="unit_admin", name="单位管理员")
    other = app.test_client()
    login(other, admin.username, PASSWORD)
    token = csrf_from(other.get("/profile/").get_data(as_text=True))
    for url in ("/standards/years", "/standards/years/2025/rejudge"):
        assert other.get(url).status_code in (302, 403, 404), url
    assert other.post("/standards/years/2025/rejudge", data={"csrf_token": token, "changed": "1"}).status_code in (302, 403, 404)
    bearer = {"Authorization": f"Bearer {api_token(app.test_client(), admin.username, PASSWORD)}"}
    assert other.put(f"/api/v1/rule-sets/{national(app)}", json={"min_credits": "1"}, headers=bearer).status_code == 403
    assert scene.verdict(2025)["compliant"] is False
    with app.app_context():
        assert db.session.get(JudgedYear, 2025).judged_by is None


def test_the_migration_makes_each_rule_set_its_first_version_on_the_demo_province(app, restore_rule_sets):
    """The demo province taken back to before 0020 and brought forward: one version per rule set,
    effective from its first year, holding its rules; every verdict as before; no drift."""
    from flask_migrate import downgrade, upgrade

    from portal.compliance import services, versions
    from portal.demo import load_demo_data

    migrations = app.extensions["migrate"].directory
    with app.app_context():
        load_demo_data(seed=7)
        db.session.commit()
        with app.test_request_context():
            before = {y: [(a.person_id, a.verdict.compliant, a.verdict.credits) for a in services.results(y)]
                      for y in (2024, 2025)}
        db.session.remove()
        downgrade(directory=migrations, revision="0017")
        db.session.remove()
        upgrade(directory=migrations)
        db.session.remove()
        rule_sets = db.session.scalars(select(RuleSet)).all()
        for rule_set in rule_sets:
            (version,) = db.session.scalars(select(RuleSetVersion).where(RuleSetVersion.rule_set_id == rule_set.id)).all()
            assert (version.number, version.effective_from) == (1, dt.date(rule_set.valid_from, 1, 1))
            assert version.rules == versions.snapshot(rule_set)
        with app.test_request_context():
            after = {y: [(a.person_id, a.verdict.compliant, a.verdict.credits) for a in services.results(y)]
                     for y in (2024, 2025)}
        assert after == before and before[2025]
        db.session.remove()
    assert "matches the records" in app.test_cli_runner().invoke(args=["portal", "compliance-check"]).output


def test_a_rule_set_changed_outside_the_portal_judges_the_next_request(app, client, users, restore_rule_sets):
    """Judging keeps the rule sets across requests (versions.for_judging); the database's triggers on
    the rule sets, their versions and the pinned years tell the next request of any change, here
    one sent by hand as an operator's psql session would."""
    learner = users.person(users.unit("330101"))
    login(client, learner.username, PASSWORD)
    year = dt.date.today().year
    uncovered = t(app, "No compliance standard covers %(year)d for your group; ask your unit.", year=year)
    read = []

    def listen(_conn, _cursor, statement, *_args):
        read.append(bool(re.search(r"\b(rule_set|rule_set_version|judged_year)\b", statement)))

    assert uncovered not in client.get(f"/compliance/?year={year}").get_data(as_text=True)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert uncovered not in client.get(f"/compliance/?year={year}").get_data(as_text=True)
        assert read and not any(read)  # kept: the rule sets were not read again
        changes = ("UPDATE rule_set SET id = id", "UPDATE rule_set_version SET id = id",
                   "INSERT INTO judged_year (year, version_ids, judged_at) VALUES (1990, '[]', '2026-01-01')",
                   "DELETE FROM judged_year WHERE year = 1990")
        for change in changes:
            before = _stamp(engine)
            with engine.begin() as connection:
                connection.execute(text(change))
            assert _stamp(engine) != before, change
        with engine.begin() as connection:
            connection.execute(text("UPDATE rule_set SET enabled = false"))
        assert uncovered in client.get(f"/compliance/?year={year}").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def _stamp(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT version FROM reference_stamp")).scalar_one()
