"""Backup and restore (issue 18): a populated portal (records with evidence, a certificate, a
registration form) is backed up, restored into a fresh database and instance folder of the same
kind (SQLite, or PostgreSQL when the suite runs there), and the restored portal has the same rows
and files, serves the evidence, and verifies the certificate and the form at their old URLs."""
from __future__ import annotations

import contextlib
import io
import json
import os

import pytest
from sqlalchemy import select

from portal.extensions import db, release_connections
from portal.models import CreditCategory
from portal.setup import prepare_database
from tests.helpers import PASSWORD, api_token, login, make_test_app, scratch_database
from tests.test_credit_api import free_form, png


def _bearer(client, made) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, made.username, made.password)}"}


@pytest.fixture
def populated(app, users, client):
    """A learner's approved record with its certificate photo, a certificate and a form."""
    unit = users.unit("330101", "杭州市第一人民医院")
    users.province_admin()
    learner = users.person(unit, self_entry=True, name="张三明")
    mine, province = _bearer(client, learner), {"Authorization": f"Bearer {api_token(client, 'padmin', PASSWORD)}"}
    with app.app_context():
        category = db.session.scalar(select(CreditCategory.id).where(CreditCategory.name == "非向导录入"))
    record = client.post("/api/v1/credits/", headers=mine, json={"category_id": category, "fields": free_form(unit)}).json
    photo = png("green")
    upload = client.post(f"/api/v1/credits/{record['id']}/evidence", headers=mine, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(photo), "证书.png")})
    assert upload.status_code == 201, upload.get_data(as_text=True)
    sent = client.post(f"/api/v1/credits/{record['id']}/submit", headers=mine)
    assert sent.status_code == 200
    review = client.post(f"/api/v1/credits/{record['id']}/review", headers=province,
                         json={"decision": "approve", "version": sent.json["result"][0]["version"]})
    assert review.status_code == 200, review.get_data(as_text=True)
    (certificate,) = client.post("/api/v1/certificates/", headers=mine, json={"credit_ids": [record["id"]]}).json
    form = client.get("/api/v1/forms/registration/2025.pdf", headers=mine)
    assert form.status_code == 200
    return {"learner": learner, "photo": photo, "evidence_url": upload.json["result"]["url"],
            "verify": [certificate["verify_url"], form.headers["X-Verify-URL"]]}


@contextlib.contextmanager
def fresh_database(database_url, tmp_path):
    if database_url.startswith("postgresql"):
        with scratch_database(os.environ["PORTAL_TEST_DATABASE_URL"], "cme_restored") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'restored.db'}"


def test_a_backup_restores_into_a_fresh_portal_that_serves_and_verifies_everything(
        app, database_url, populated, tmp_path):
    folder = tmp_path / "backup"
    made = app.test_cli_runner().invoke(args=["portal", "backup", str(folder)])
    assert made.exit_code == 0, made.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["rows"]["credit_record"] == 1
    assert manifest["database"]["rows"]["certificate"] == 1 and manifest["database"]["rows"]["credit_form"] == 1
    assert any(name.startswith("evidence/") for name in manifest["files"])

    with fresh_database(database_url, tmp_path) as url:
        restored = make_test_app(url, tmp_path / "restored-instance")
        prepare_database(restored)              # what the first start of a new server does
        release_connections(restored)
        done = restored.test_cli_runner().invoke(args=["portal", "restore", str(folder)])
        assert done.exit_code == 0, done.output
        assert "match the manifest" in done.output

        client = restored.test_client()
        for url_ in populated["verify"]:
            page = client.get(url_.split("5000", 1)[1] + "?format=json")
            assert page.status_code == 200, url_
        assert client.get(populated["verify"][0].split("5000", 1)[1]).get_data(as_text=True).count("有效") >= 1
        learner = populated["learner"]
        assert login(client, learner.username, learner.password).status_code == 302
        evidence = client.get(populated["evidence_url"])
        assert evidence.status_code == 200 and evidence.data == populated["photo"]

        # A second restore would mix two portals: refused, nothing changed.
        again = restored.test_cli_runner().invoke(args=["portal", "restore", str(folder)])
        assert again.exit_code != 0 and "restore into an empty database" in again.output
        release_connections(restored)


def test_a_backup_goes_into_a_new_folder_only(app, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "old.txt").write_text("x")
    result = app.test_cli_runner().invoke(args=["portal", "backup", str(tmp_path / "used")])
    assert result.exit_code != 0 and "not empty" in result.output
