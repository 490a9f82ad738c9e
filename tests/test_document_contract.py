"""The document contract: what the core freezes for each issued document is exactly what
portal.contracts declares for its kind (every declared key, of the declared type, and nothing
else), and the registry finds one exporter per kind of document."""
from __future__ import annotations

import datetime as dt
import types
from typing import Any, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest
from sqlalchemy import select

from portal.contracts import STATEMENTS, CertificateStatement, DocumentKind
from portal.extensions import db
from portal.models import Certificate, CreditForm
from portal.plugins import PluginError, build_registry
from tests.conftest import csrf_from
from tests.helpers import PASSWORD, approved_record, login, make_test_app
from tests.test_plugins import dispose, fake_distribution, on_sys_path

FREE = "非向导录入"


def drift(value: Any, declared: Any, where: str = "statement") -> list[str]:
    """Where ``value`` differs from the type ``declared``: a missing or undeclared key, a value
    of another type. Empty when it conforms."""
    if is_typeddict(declared):
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not a mapping"]
        hints = get_type_hints(declared)
        problems = [f"{where}: {key} is missing" for key in hints if key not in value]
        problems += [f"{where}: {key} is not declared" for key in value if key not in hints]
        return problems + [p for key in hints.keys() & value.keys() for p in drift(value[key], hints[key], f"{where}.{key}")]
    if get_origin(declared) is list:
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        item, = get_args(declared)
        return [p for i, v in enumerate(value) for p in drift(v, item, f"{where}[{i}]")]
    if get_origin(declared) in (Union, types.UnionType):
        fits = any(not drift(value, option, where) for option in get_args(declared))
        return [] if fits else [f"{where}: {value!r} is not {declared}"]
    if declared is type(None):
        return [] if value is None else [f"{where}: {value!r} is not None"]
    # JSON has no separate bool and int, Python's bool is an int: tell them apart.
    fits = isinstance(value, declared) and (declared is bool or not isinstance(value, bool))
    return [] if fits else [f"{where}: {value!r} is not {declared.__name__}"]


@pytest.fixture
def learner(app, users):
    users.province_admin()
    ids = users.units([("33", "浙江省", "province", None, None), ("3301", "杭州市第一医院", "institution", "三级", "33")])
    made = users.person(ids["3301"], self_entry=True, name="张三明", department="心内科", title="主治医师",
                        title_level="中级")
    record = approved_record(app, made.id, FREE, dt.date(2025, 3, 1), {"credits": "20", "hours": "60"}, "national",
                             name="国家级心血管学习班")
    approved_record(app, made.id, FREE, dt.date(2018, 5, 1), {"credits": "12", "hours": "36"}, "national",
                    name="2018国家级项目")
    approved_record(app, made.id, FREE, dt.date(2018, 7, 1), {"credits": "15", "hours": "45"}, "city", name="2018市级项目")
    made.record = record
    return made


def _post(client, path, data):
    token = csrf_from(client.get("/credits/mine").get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code == 302
    return response


def _stored(app, model, number):
    with app.app_context():
        return db.session.scalar(select(model).where(model.number == number)).statement


def test_each_issued_document_states_what_the_contract_declares(app, client, learner):
    login(client, learner.username, PASSWORD)
    _post(client, "/certificates/issue", {"record_id": str(learner.record), "download": "pdf"})
    with app.app_context():
        certificate = db.session.scalar(select(Certificate.statement).where(Certificate.record_id == learner.record))
    registration = _post(client, "/forms/registration/?year=2025", {"year": "2025", "output": "page"})
    verification = _post(client, "/forms/verification/", {"years": ["2018", "2025"], "output": "page"})
    made = {
        DocumentKind.CERTIFICATE: certificate,
        DocumentKind.REGISTRATION_FORM: _stored(app, CreditForm, registration.location.rsplit("/", 1)[1]),
        DocumentKind.VERIFICATION_TABLE: _stored(app, CreditForm, verification.location.rsplit("/", 1)[1]),
    }
    # Every list holds something, so that its items are checked too.
    assert made[DocumentKind.REGISTRATION_FORM]["records"] and made[DocumentKind.VERIFICATION_TABLE]["multi_year"]
    assert set(made) == set(STATEMENTS) == set(DocumentKind) - {DocumentKind.TABLE}
    for kind, statement in made.items():
        assert drift(statement, STATEMENTS[kind]) == [], kind
        assert app.extensions["portal"].exporter_of(kind).document == kind


def test_the_check_finds_what_drifts():
    statement = dict.fromkeys(get_type_hints(CertificateStatement), "")
    assert drift(statement, CertificateStatement) == []
    del statement["organiser"]
    statement.update(project_code="", credits=8.0)
    assert set(drift(statement, CertificateStatement)) == {
        "statement: organiser is missing", "statement: project_code is not declared", "statement.credits: 8.0 is not str"}
    years = get_type_hints(STATEMENTS[DocumentKind.VERIFICATION_TABLE])["years"]
    assert "statement[0].year: True is not int" in drift([{"year": True}], years)


def exporter_plugin(slug: str, document: str | None) -> str:
    declared = f"document = {document!r}" if document else ""
    return f"""
from portal.hookspecs import hookimpl
from portal.contracts import DocumentExporter


class Certificates(DocumentExporter):
    slug = {slug!r}
    label = "Certificates"
    media_type = "application/zip"
    file_extension = "zip"
    {declared}


@hookimpl
def register_exporters():
    return [Certificates]
"""


def test_a_second_exporter_of_a_document_stops_start_up(tmp_path):
    """Which exporter writes certificates must not depend on the order plugins load in."""
    site = fake_distribution(tmp_path / "site", {"zipped": exporter_plugin("certificate_zip", "certificate")})
    with on_sys_path(site), pytest.raises(PluginError, match=r"^plugin 'zipped' registers exporter 'certificate_zip' of "
                                                            r"certificate documents, already written by 'certificate_pdf'"):
        build_registry()
    with on_sys_path(site):
        registry = build_registry(["exporters.certificate_pdf"])
    assert registry.exporter_of(DocumentKind.CERTIFICATE).slug == "certificate_zip"


def test_a_document_exporter_says_what_it_writes(tmp_path):
    site = fake_distribution(tmp_path / "site", {"vague": exporter_plugin("vague", None)})
    with on_sys_path(site), pytest.raises(PluginError, match=r"^plugin 'vague' registers exporter 'vague', which is "
                                                            r"neither an Exporter of tables nor a DocumentExporter"):
        build_registry()


CSV_PLUGIN = """
import csv
import io

from portal.hookspecs import hookimpl
from portal.contracts import Exporter


class CsvExporter(Exporter):
    slug = "csv"
    label = "CSV"
    media_type = "text/csv"
    file_extension = "csv"

    def write(self, table, out, progress=None):
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow([column.label for column in table.columns])
        writer.writerows(table.rows)
        text.detach()


@hookimpl
def register_exporters():
    return [CsvExporter]
"""


def test_the_export_button_offers_every_table_exporter(database_url, tmp_path, learner):
    site = fake_distribution(tmp_path / "site", {"csv_export": CSV_PLUGIN})
    with on_sys_path(site):
        other = make_test_app(database_url, tmp_path / "instance")
    try:
        client = other.test_client()
        login(client, learner.username, PASSWORD)
        page = client.get("/credits/query/?from=2025-01-01&to=2025-12-31").get_data(as_text=True)
        assert "导出Excel" in page and "导出CSV" in page
        assert 'formaction="/exports/credits.csv"' in page and 'formaction="/exports/credits.xlsx"' in page
        exported = client.post("/exports/credits.csv", data={"csrf_token": csrf_from(page), "from": "2025-01-01",
                                                             "to": "2025-12-31"})
        assert exported.status_code == 200 and exported.mimetype == "text/csv"
        assert "国家级心血管学习班" in exported.get_data(as_text=True)
    finally:
        dispose(other)
