"""Figures above unit level: the provincial and city dashboards' five-year trends (read from the
tallies job's counts, never judged in the request, with the time they were computed),
unit rankings by rate and by staff not compliant, filtered by tier and type and by city → county,
and their Excel exports (the provincial admin only)."""
from __future__ import annotations

import datetime as dt
import io
import re
import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from portal.compliance import services, tallies
from portal.extensions import db
from portal.models import AuditEntry, TallyRun, Unit, UnitYearTally, clock
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, approved_record, compute_tallies, login
from tests.test_dashboards import _text, province  # noqa: F401  (its fixture, used below)

THIS_YEAR = dt.date.today().year


@pytest.fixture
def area(province):  # noqa: F811
    """test_dashboards' province: two cities (the first with a county), three hospitals, 2025's records."""
    return province


def _rows(html: str, table_id: str) -> list[list[str]]:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = [re.sub(r"<[^>]+>", "|", row) for row in table.split("<tr>")[2:]]
    return [[c.strip() for c in row.split("|") if c.strip()] for row in rows]


def _trend(html: str) -> dict[str, list[str]]:
    table = html.split('class="table table-condensed trend-table"', 1)[1].split("</table>", 1)[0]
    rows = [[c.strip() for c in re.sub(r"<[^>]+>", "|", row).split("|") if c.strip()] for row in table.split("<tr>")[2:]]
    return {row[0]: row[1:] for row in rows}


def _xlsx(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    return [r for r in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]


def test_the_trend_reads_the_tallies_and_says_when_they_were_computed(app, client, area, monkeypatch):
    units, made = area
    login(client, "padmin", PASSWORD)
    judged = []
    real = services.results
    monkeypatch.setattr(services, "results", lambda year, unit_ids=None, **kw: judged.append((year, unit_ids))
                        or real(year, unit_ids, **kw))

    html = _text(client.get(f"/compliance/province/?year={THIS_YEAR}"))
    trend = _trend(html)
    years = list(range(THIS_YEAR - 4, THIS_YEAR + 1))
    assert trend["全省"][years.index(2025)] == "4/8 (50.0%)"
    assert trend["甲市卫健委"][years.index(2025)] == "2/4 (50.0%)" and trend["乙市卫健委"][years.index(2025)] == "2/3 (66.7%)"
    assert "统计于" in html
    client.get(f"/compliance/province/?year={THIS_YEAR}&city_id={units['3301']}")
    client.get(f"/compliance/unit/?year={THIS_YEAR}&unit_id={units['33010801']}")
    assert judged == []  # the provincial pages judge nobody: the tallies job did

    # An approval marks the units its person stood in; the page shows the last figures and says
    # they wait, until the next incremental run judges those units, alone.
    approved_record(app, made["wang"].id, "非向导录入", dt.date(2025, 6, 1), {"credits": "15", "hours": "50"}, "national")
    html = _text(client.get(f"/compliance/province/?year={THIS_YEAR}"))
    assert _trend(html)["甲市卫健委"][years.index(2025)] == "2/4 (50.0%)" and "1 个单位正在重新统计" in html
    # (and the later years, whose multi-year requirements look back on 2025)
    compute_tallies(app, [2025, THIS_YEAR], full=False)
    assert judged == [(2025, [units["33010801"]]), (THIS_YEAR, [units["33010801"]])]
    html = _text(client.get(f"/compliance/province/?year={THIS_YEAR}"))
    trend = _trend(html)
    assert trend["甲市卫健委"][years.index(2025)] == "3/4 (75.0%)" and trend["全省"][years.index(2025)] == "5/8 (62.5%)"
    assert "正在重新统计" not in html

    # 重新计算: a full run of the years shown, in the background, audited; a second start while it runs does nothing.
    token = csrf_from(html)
    judged.clear()
    asked = clock.now()
    done = client.post("/compliance/province/recount", data={"csrf_token": token, "year": str(THIS_YEAR)},
                       follow_redirects=True)
    assert "正在重新计算" in _text(done)
    with app.app_context():
        deadline = dt.datetime.now() + dt.timedelta(seconds=60)
        while any(db.session.get(TallyRun, y).finished_at < asked for y in years) and dt.datetime.now() < deadline:
            db.session.remove()
            time.sleep(0.1)
        assert not any(tallies.running(y) or db.session.get(TallyRun, y).finished_at < asked for y in years)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tallies_recount"))
        assert entry.after == {"years": years}
    assert sorted(judged) == [(year, [u for u in sorted(units.values())]) for year in years]


def test_units_rank_by_rate_and_by_staff_not_compliant_filtered_by_tier_type_and_county(app, client, area):
    units, made = area
    with app.app_context():
        db.session.execute(update(Unit).where(Unit.id == units["33010801"]).values(tier="县区", type="医院"))
        db.session.execute(update(Unit).where(Unit.id == units["330201"]).values(tier="市", type="医院"))
        db.session.execute(update(Unit).where(Unit.id == units["3399"]).values(tier="省", type="妇幼保健"))
        db.session.commit()
    login(client, "padmin", PASSWORD)
    best = _rows(_text(client.get("/compliance/province/?year=2025")), "unit-ranking")
    assert [r[1] for r in best] == ["医院乙", "医院甲", "省直医院"]
    assert best[1] == ["2", "医院甲", "甲市卫健委", "县区", "医院", "4", "2", "50.0%"]
    worst = _rows(_text(client.get("/compliance/province/?year=2025&order=worst")), "unit-ranking")
    assert [r[1] for r in worst] == ["省直医院", "医院甲", "医院乙"]
    failing = _rows(_text(client.get("/compliance/province/?year=2025&order=failing")), "unit-ranking")
    assert [(r[1], r[6]) for r in failing] == [("医院甲", "2"), ("医院乙", "1"), ("省直医院", "1")]
    hospitals = _rows(_text(client.get("/compliance/province/?year=2025&type=医院&tier=市")), "unit-ranking")
    assert [r[1] for r in hospitals] == ["医院乙"]

    # City → county: the county narrows the city's units and its figures; a county of another city narrows nothing.
    city = _text(client.get(f"/compliance/province/?year=2025&city_id={units['3301']}"))
    assert f'<option value="{units["330108"]}"' in city
    county = _text(client.get(f"/compliance/province/?year=2025&city_id={units['3301']}&county_id={units['330108']}"))
    assert [r[1] for r in _rows(county, "unit-ranking")] == ["医院甲"] and "甲市某县卫健局" in county
    other = _text(client.get(f"/compliance/province/?year=2025&city_id={units['3302']}&county_id={units['330108']}"))
    assert [r[1] for r in _rows(other, "unit-ranking")] == ["医院乙"]


def test_the_trend_and_the_ranking_export_what_is_shown_to_the_province_only(app, client, area):
    units, made = area
    login(client, "padmin", PASSWORD)
    token = csrf_from(client.get("/compliance/province/?year=2025").get_data(as_text=True))
    trend = _xlsx(client.post("/exports/area_trend.xlsx", data={"csrf_token": token, "year": "2025"}))
    header = next(i for i, row in enumerate(trend) if row[0] == "地区")
    assert trend[header][1:] == ("2021", "2022", "2023", "2024", "2025")
    rows = {row[0]: row[1:] for row in trend[header + 1:] if row[0]}
    assert rows["全省"][-1] == "50.0% (4/8)" and rows["乙市卫健委"][-1] == "66.7% (2/3)"

    ranking = _xlsx(client.post("/exports/unit_ranking.xlsx",
                                data={"csrf_token": token, "year": "2025", "order": "failing", "city_id": str(units["3301"])}))
    header = next(i for i, row in enumerate(ranking) if row[0] == "排名")
    assert [row[1] for row in ranking[header + 1:] if row[1]] == ["医院甲"]
    assert ranking[header + 1][5:9] == (4, 2, 2, "50.0%")

    admin = client.application.test_client()
    login(admin, made["admin_a"].username, PASSWORD)
    token = csrf_from(admin.get("/compliance/unit/?year=2025").get_data(as_text=True))
    for kind in ("area_trend", "unit_ranking"):
        assert admin.post(f"/exports/{kind}.xlsx", data={"csrf_token": token, "year": "2025"}).status_code == 404
    assert admin.post("/compliance/province/recount", data={"csrf_token": token}).status_code in (302, 403)


def test_the_tallies_are_computed_from_the_command_line(app, area):
    units, _made = area
    runner = app.test_cli_runner()
    with app.app_context():
        db.session.execute(update(UnitYearTally).where(UnitYearTally.year == 2025).values(staff=0, compliant=0))
        db.session.commit()
    incremental = runner.invoke(args=["portal", "tallies", "--year", "2025"])
    assert incremental.exit_code == 0 and "2025: 0 units, 0 people judged." in incremental.output
    done = runner.invoke(args=["portal", "tallies", "--year", "2025", "--full"])
    assert done.exit_code == 0, done.output
    assert "2025: 7 units, 8 people judged." in done.output
    with app.app_context():
        assert db.session.scalar(select(UnitYearTally.staff).where(UnitYearTally.year == 2025,
                                                                    UnitYearTally.unit_id == units["330201"])) == 3
