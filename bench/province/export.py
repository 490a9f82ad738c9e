"""Child process of bench-province: a province-wide list exported to Excel as the export job of a
provincial admin (portal.exports.jobs.run_job, the code a worker runs), in a fresh process so
that its peak memory is the export's own. KIND ``failing``: 未达标人员, read from the verdicts the
tallies job stored; ``all``: every active staff member's compliance, judged (most of the
generated province is compliant by December, and the issue's budget is for a list of the
province's size). Prints "<seconds> <peak MB> <rows>".
Usage: python -m bench.province.export DATABASE_URL INSTANCE YEAR KIND"""
import sys
import time
from pathlib import Path

from bench.app import make_app
from bench.export_memory import peak_mb
from portal.background import collector_spared
from portal.compliance import failing_export, unit_export
from portal.exports import jobs
from portal.extensions import db
from portal.models import ExportJob

PROVINCE_UNIT = "1"     # generate.py's province; its subtree is everyone


JOBS = {"failing": (failing_export.KIND, {}), "all": (unit_export.KIND, {"unit_id": PROVINCE_UNIT})}


def main(database_url: str, instance: str, year: str, kind: str) -> None:
    job_kind, params = JOBS[kind]
    app = make_app(database_url, Path(instance))
    with app.test_request_context(), collector_spared():  # as portal.worker.run_in_app runs a job
        job = ExportJob(user_id=1, kind=job_kind, exporter="xlsx", filename="bench-province.xlsx",
                        params={"year": year, **params})
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        started = time.perf_counter()
        jobs.run_job(job_id)
        seconds = time.perf_counter() - started
        job = db.session.get(ExportJob, job_id)
        assert job.status == "done", f"export job {job.status}: {job.error}"
        (Path(instance) / "exports" / job.stored_name).unlink()
        rows = job.rows_done
        db.session.delete(job)
        db.session.commit()
    print(f"{seconds:.3f} {peak_mb():.1f} {rows}")


if __name__ == "__main__":
    main(*sys.argv[1:5])
