"""One way to print credits (two decimals) and hours (one decimal): a record of 8 credits and
2.5 hours reads 8.00 and 2.5 on the learner's list, the record, the API, the certificate's
verification page and the printed registration form; never 8 or 2.50."""
import datetime as dt
import re
from urllib.parse import urlsplit

import pytest

from portal.contracts import credits_text, hours_text
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, api_token, approved_record, login

FREE = "非向导录入"


@pytest.mark.parametrize("value, credits, hours", [
    ("8", "8.00", "8.0"), ("2.5", "2.50", "2.5"), ("0.125", "0.13", "0.1"), ("24.05", "24.05", "24.1"), (0, "0.00", "0.0"),
])
def test_credits_have_two_decimals_and_hours_one(value, credits, hours):
    assert (credits_text(value), hours_text(value)) == (credits, hours)


@pytest.fixture
def learner(app, users):
    users.province_admin()
    unit = users.unit("330100001")
    person = users.person(unit, self_entry=True, name="张三明")
    record = approved_record(app, person.id, FREE, dt.date(2025, 3, 1), {"credits": "8", "hours": "2.5"}, "national",
                             name="国家级心血管学习班")
    return person, record


def _figures(html: str) -> list[str]:
    """Every number with a decimal point in the page's visible text."""
    text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
    return re.findall(r"(?<![\d.])\d+\.\d+(?![\d.])", text)


def test_the_same_record_reads_the_same_everywhere(app, client, learner):
    person, record = learner
    login(client, person.username, PASSWORD)
    pages = {"list": client.get("/credits/mine?year=2025"), "record": client.get(f"/credits/{record}")}
    for name, page in pages.items():
        figures = _figures(page.get_data(as_text=True))
        assert page.status_code == 200 and "8.00" in figures and "2.5" in figures, name
        assert "2.50" not in figures, name

    api = app.test_client()
    bearer = {"Authorization": f"Bearer {api_token(api, person.username, PASSWORD)}"}
    (row,) = api.get("/api/v1/credits/?status=approved&from=2025-01-01&to=2025-12-31", headers=bearer).json["records"]
    assert (row["credits"], row["hours"]) == ("8.00", "2.5")

    (issued,) = api.post("/api/v1/certificates/", json={"credit_ids": [record]}, headers=bearer).json
    verify = client.get(urlsplit(issued["verify_url"]).path).get_data(as_text=True)
    assert "<dd>8.00</dd>" in verify and "<dd>2.5</dd>" in verify

    form_page = client.get("/forms/registration/?year=2025").get_data(as_text=True)
    printed = client.post("/forms/registration/?year=2025",
                          data={"csrf_token": csrf_from(form_page), "year": "2025", "output": "page"})
    form = client.get(printed.headers["Location"]).get_data(as_text=True)
    assert '<td class="num" data-label="学分">8.00</td><td class="num" data-label="学时">2.5</td>' in form
