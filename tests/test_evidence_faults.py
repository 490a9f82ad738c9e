"""Evidence under faults (issue 18): a file is in place only once its row is committed, so a
failed transaction leaves nothing; a full disk answers 磁盘空间不足 and stores no row and no
file; a row whose file is gone answers a 404 page in Chinese; the sweep finds files without a
row and rows without a file, and with --fix removes the one and never the other."""
from __future__ import annotations

import errno
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.accounts.actor import actor_for
from portal.categories import services as categories
from portal.credits import attachments
from portal.credits import services as credit_services
from portal.evidence import LocalEvidenceStore, evidence_store
from portal.extensions import db
from portal.models import CreditCategory, CreditRecord, EvidenceFile, Person
from portal.setup import prepare_database
from tests.conftest import csrf_from
from tests.test_credit_api import World, create, png
from tests.test_credit_pages import post_free_form, signed_in

FULL = "磁盘空间不足，文件未保存，请稍后再试或联系管理员。"
HOURS = 3600


def evidence_folder(app) -> Path:
    return Path(app.instance_path) / "evidence"


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def world(app, users):
    return World(app, users)


@pytest.fixture
def full_disk(app, monkeypatch):
    """The evidence folder on a filesystem with no room left: a 64 KB tmpfs filled to the brim
    when this process may mount one, else every write at the store's boundary failing with
    ENOSPC as a full disk makes it fail. Yields the folder and a function that makes room."""
    folder = evidence_folder(app)
    folder.mkdir(parents=True, exist_ok=True)
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True).returncode == 0
    try:
        if mounted:
            filler = folder / "filler"
            with filler.open("wb", buffering=0) as f, pytest.raises(OSError) as full:
                while True:
                    f.write(b"\0" * 4096)
            assert full.value.errno == errno.ENOSPC

            def make_room():
                filler.unlink()
        else:
            def no_room(self, path, data):
                path.open("xb").close()  # as a full disk does: the file is made, its bytes are not
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

            monkeypatch.setattr(LocalEvidenceStore, "_write", no_room)
            make_room = monkeypatch.undo
        yield folder, make_room
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)


def test_a_file_is_in_place_only_once_its_row_commits(app, users):
    learner = users.person(users.unit("330101"), self_entry=True)
    folder = evidence_folder(app)
    before = files_in(folder) if folder.exists() else []
    with app.test_request_context("/"):
        actor = actor_for(db.session.get(Person, learner.id).user)
        rules = categories.credit_type(db.session.scalar(select(CreditCategory).where(
            CreditCategory.name == "非向导录入"))).evidence
        lost = attachments.add(actor, rules, "证书.png", png(), None, 0).stored_name
        assert any(name == f"{lost}.part" for name in files_in(folder))
        assert not evidence_store().exists(lost)
        db.session.rollback()
        kept = attachments.add(actor, rules, "证书.png", png(), None, 0).stored_name
        db.session.commit()
        assert evidence_store().exists(kept)
    new = set(files_in(folder)) - set(before)
    assert new == {kept, f"{kept}.thumb.jpg"}


def test_a_full_disk_answers_a_clear_message_on_the_page_and_stores_nothing(app, client, users, full_disk):
    folder, make_room = full_disk
    unit = users.unit("330101")
    signed_in(client, users.person(unit, self_entry=True))
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    on_disk = files_in(folder)

    page = post_free_form(client, token, unit, action="submit", activity_name="断电前的学习班")

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and FULL in html
    assert 'value="断电前的学习班"' in html  # what was typed is kept
    assert rows(app, CreditRecord) == 0 and rows(app, EvidenceFile) == 0
    assert files_in(folder) == on_disk  # not even an empty file

    make_room()
    assert post_free_form(client, token, unit, action="submit").status_code == 302
    assert rows(app, CreditRecord) == 1 and rows(app, EvidenceFile) == 1


def test_a_database_lost_while_submitting_leaves_no_draft_behind_the_error_page(app, client, users, monkeypatch):
    """Save and submit is one transaction: the connection dropped at the submission (as a
    database restart does) answers the 503 page, and neither the draft nor its file is kept."""
    unit = users.unit("330101")
    signed_in(client, users.person(unit, self_entry=True))
    token = csrf_from(client.get("/credits/new/free").get_data(as_text=True))
    on_disk = files_in(evidence_folder(app))

    def connection_lost(*args, **kwargs):
        raise OperationalError("UPDATE credit_record ...", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(credit_services, "submit", connection_lost)
    page = post_free_form(client, token, unit, action="submit", activity_name="重启时提交的学习班")

    assert page.status_code == 503 and "本次操作未保存任何内容" in page.get_data(as_text=True)
    assert rows(app, CreditRecord) == 0
    # The certificate photo was kept for the form (a waiting file, attached to nothing), as after any error.
    with app.app_context():
        assert db.session.scalar(select(func.count(EvidenceFile.id)).where(EvidenceFile.record_id.isnot(None))) == 0
    monkeypatch.undo()
    assert post_free_form(client, token, unit, action="submit").status_code == 302
    assert rows(app, CreditRecord) == 1 and len(files_in(evidence_folder(app))) >= len(on_disk) + 1


def test_a_full_disk_answers_507_on_the_api_and_stores_nothing(app, world, full_disk):
    folder, make_room = full_disk
    learner = world["learner"]
    record = create(app, learner, world.unit)
    on_disk = files_in(folder)

    response = learner.upload(record["id"], png(), "证书.png")

    assert response.status_code == 507
    assert response.json == {"code": "insufficient_storage", "message": FULL}
    assert rows(app, EvidenceFile) == 0 and files_in(folder) == on_disk
    make_room()
    assert learner.upload(record["id"], png(), "证书.png").status_code == 201
    assert not [name for name in files_in(folder) if name.endswith(".part")]


def test_a_missing_evidence_file_answers_a_404_page_in_chinese(app, client, world):
    learner = world["learner"]
    record = create(app, learner, world.unit)
    file_id = learner.upload(record["id"], png(), "证书.png").json["id"]
    with app.app_context():
        stored_name = db.session.get(EvidenceFile, file_id).stored_name
        evidence_store().delete(stored_name)  # as after restoring the database without the instance folder
    signed_in(client, learner.made)
    for url in (f"/credits/evidence/{file_id}", f"/credits/evidence/{file_id}/thumbnail"):
        page = client.get(url)
        assert page.status_code == 404, url
        assert "证明材料文件不存在" in page.get_data(as_text=True) and "证书.png" in page.get_data(as_text=True)


def _age(path: Path, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_sweep_reports_files_without_a_row_and_rows_without_a_file(app, world, caplog):
    learner = world["learner"]
    record = create(app, learner, world.unit)
    kept, gone, late = (learner.upload(record["id"], png(), "证书.png").json["id"] for _ in range(3))
    folder = evidence_folder(app)
    with app.app_context():
        store = evidence_store()
        names = {i: db.session.get(EvidenceFile, i).stored_name for i in (kept, gone, late)}
        store.delete(names[gone])  # a row without its file
        path = lambda name: folder / name[:2] / name  # noqa: E731
        # The worker died between the commit and the rename: the row is there, its file not in place.
        os.replace(path(names[late]), path(names[late]).with_name(names[late] + ".part"))
        orphan = store.save(png(), "png")  # a file whose transaction never committed, then published by hand
        store.publish(orphan)
        _age(path(orphan), 2 * HOURS)
        abandoned = store.save(png(), "png")  # a killed upload's temporary file
        _age(path(abandoned).with_name(abandoned + ".part"), 2 * HOURS)
        in_flight = store.save(png(), "png")  # an upload still going on: left alone

    runner = app.test_cli_runner()
    report = runner.invoke(args=["portal", "evidence-sweep"])
    assert report.exit_code != 0
    assert f"file without a row: {orphan}" in report.output
    assert f"temporary file without a row: {abandoned}" in report.output
    assert f"file committed but not in place: {names[late]}" in report.output
    assert f"row {gone} without its file: {names[gone]}" in report.output
    assert in_flight not in report.output and names[kept] not in report.output
    assert (path(orphan)).exists()  # a report changes nothing

    caplog.clear()
    prepare_database(app)  # at start-up: the same report, in the log
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"file without a row: {orphan}" in logged and f"row {gone} without its file" in logged
    assert path(orphan).exists()

    fixed = runner.invoke(args=["portal", "evidence-sweep", "--fix"])
    assert f"(removed): {orphan}" in fixed.output and f"(moved into place): {names[late]}" in fixed.output
    assert fixed.exit_code != 0 and f"row {gone} without its file" in fixed.output  # still someone's evidence
    assert not path(orphan).exists() and not path(orphan).with_name(f"{orphan}.thumb.jpg").exists()
    assert not path(abandoned).with_name(abandoned + ".part").exists()
    assert path(in_flight).with_name(in_flight + ".part").exists()
    with app.app_context():
        assert evidence_store().exists(names[late]) and db.session.get(EvidenceFile, gone) is not None
    assert learner.get(f"/api/v1/credits/{record['id']}").status_code == 200
    again = runner.invoke(args=["portal", "evidence-sweep"]).output
    assert re.search(r"0 files without a row, 0 temporary files without a row, 0 files not in place, "
                     r"1 rows without a file", again)
