"""`flask --app run.py portal ...`: create a provincial admin, load the demo province, the
operator's checks and repairs (compliance, evidence, export jobs, ID number keys, backup and
restore), the attendance retention purge, and the verifiable credentials' key rotation and verifier."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.accounts import services as accounts
from portal.accounts.password_policy import WeakPassword
from portal.accounts.roles import PROVINCE_ADMIN
from portal.extensions import db
from portal.models import Unit

portal_cli = AppGroup("portal", help="CME Portal administration.")


@portal_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--password", required=True, help="Must pass the password policy.")
def create_admin(username: str, password: str) -> None:
    """Create a provincial admin (no forced password change)."""
    if accounts.find_user(username):
        raise click.ClickException(f"user {username!r} already exists")
    try:
        accounts.create_user(username, username, [PROVINCE_ADMIN], password=password)
    except WeakPassword as e:
        raise click.ClickException(str(e)) from None
    db.session.commit()
    click.echo(f"Provincial admin {username!r} created.")


@portal_cli.command("demo-data")
def demo_data() -> None:
    """Load the demo province: 2 cities, 4 units, a unit admin each, 40 learners."""
    from portal.demo import load_demo_data

    if db.session.scalar(select(func.count(Unit.id))):
        raise click.ClickException("the database already has units; demo data goes into an empty database")
    load_demo_data(print_credentials=True)


@portal_cli.command("compliance-check")
@click.option("--year", "years", type=int, multiple=True, help="A year to check (repeatable); default: all years.")
@click.option("--fix", is_flag=True, help="Rebuild the checked years from the records.")
def compliance_check(years: tuple[int, ...], fix: bool) -> None:
    """Recompute the yearly credit summary from the records and report any drift."""
    from portal.compliance import summaries

    chosen = list(years) or None
    problems = summaries.drift(chosen)
    for person_id, year, what in problems:
        click.echo(f"person {person_id}, {year}: {what}")
    if not problems:
        click.echo("The yearly summary matches the records.")
        return
    if not fix:
        raise click.ClickException(f"{len(problems)} person-years drifted; run again with --fix to rebuild them")
    written = summaries.rebuild(chosen)
    db.session.commit()
    click.echo(f"Rebuilt: {written} person-years written.")


@portal_cli.command("partitions")
@click.option("--from", "first", type=int, help="The first year (default: each table's earliest year with a row, or this year).")
@click.option("--through", "last", type=int, help="The last year (default: next year).")
def make_partitions(first: int | None, last: int | None) -> None:
    """Make the credit record and attendance partitions of these years that are missing (PostgreSQL;
    SQLite has none)."""
    import datetime as dt

    from portal import partitions

    connection = db.session.connection()
    tables = [table for table in partitions.TABLES if partitions.partitioned(connection, table)]
    if not tables:
        click.echo("This database keeps credit records and attendance in one table each: there are no partitions to make.")
        return
    last = last if last is not None else dt.date.today().year + 1
    starts = {table: first if first is not None else partitions.earliest_year(connection, table) for table in tables}
    made: dict[str, list[int]] = {}
    try:
        for table in tables:
            made |= partitions.ensure(connection, starts[table], last, [table])
    except partitions.Blocked as e:
        raise click.ClickException(str(e)) from None  # nothing is committed: no table gets a partition
    db.session.commit()
    for table in tables:
        click.echo(f"{table}: made the partitions of {', '.join(map(str, made[table]))}." if made[table] else
                   f"{table}: every year from {starts[table]} through {last} has its partition.")


@portal_cli.command("tallies")
@click.option("--year", "years", type=int, multiple=True, help="A year to compute (repeatable); default: this year, "
              "the four before and any year with units waiting.")
@click.option("--full", is_flag=True, help="Judge every unit, not only the units whose people changed.")
def tallies_command(years: tuple[int, ...], full: bool) -> None:
    """Compute the provincial and city dashboards' figures (a timer runs it every few minutes, and
    nightly with --full). With REDIS_URL it is queued for the RQ worker; otherwise it runs here."""
    from portal.compliance import tallies

    chosen = list(years) or tallies.default_years()
    if current_app.config.get("REDIS_URL"):
        click.echo(f"Queued for {', '.join(map(str, chosen))}." if tallies.start(chosen, full)
                   else "The tallies are being computed already; nothing started.")
        return
    done = tallies.run(chosen, full)
    for ran in done:
        click.echo(f"{ran.year}: {ran.units} units, {ran.people} people judged.")
    for year in sorted(set(chosen) - {ran.year for ran in done}):
        click.echo(f"{year}: being computed by another run already; nothing done.")


@portal_cli.command("evidence-sweep")
@click.option("--fix", is_flag=True, help="Remove files without a row and move committed files into place.")
def evidence_sweep(fix: bool) -> None:
    """Compare the evidence folder with the database: files without a row (older than an hour),
    rows without a file (reported, never deleted: restore their files from a backup)."""
    from portal.evidence.sweep import sweep

    found = sweep(fix)
    for line in found.lines():
        click.echo(line)
    click.echo(found.summary())
    if found.missing or (not fix and not found.clean):
        raise click.ClickException("run again with --fix to act on the files" if not found.missing
                                   else "rows without a file: restore their files from a backup")


@portal_cli.command("jobs-check")
def jobs_check() -> None:
    """Mark failed the export jobs whose worker stopped beating (or that no worker took), and delete their files."""
    from portal.exports.jobs import fail_stale

    failed = fail_stale()
    for job in failed:
        click.echo(f"export job {job} marked failed")
    click.echo(f"{len(failed)} export jobs marked failed.")


@portal_cli.command("exams-close-overdue")
def exams_close_overdue() -> None:
    """Hand in every exam attempt whose time is up, scored with what was saved; a pass grants the
    credit it waited for (for a timer, every minute)."""
    from portal.exams.services import close_all_overdue

    click.echo(f"{close_all_overdue()} overdue exam attempts closed.")


@portal_cli.command("attendance-purge")
def attendance_purge() -> None:
    """Delete the refused scans, and blank the positions and device digests of the attendance, of
    activities closed more than a year ago (for a daily timer; the attendance rows and the credit
    records stay)."""
    from portal.activities import services as activities

    done = activities.purge_attendance_details()
    click.echo(f"{done.activities} activities closed before {done.closed_before:%Y-%m-%d %H:%M} UTC: "
               f"{done.refusals} refused scans deleted, {done.attendance} attendance rows cleared of their "
               "position and device.")


@portal_cli.command("send-reminders")
@click.option("--year", type=int, required=True, help="The year whose compliance is judged.")
@click.option("--deadline", type=click.DateTime(formats=["%Y-%m-%d"]), help="Say by when to enter credits (a deadline notice).")
@click.option("--dry-run", is_flag=True, help="Only count the staff behind; send nothing.")
def send_reminders(year: int, deadline, dry_run: bool) -> None:
    """Remind every active staff member of the province who is behind in YEAR (for a timer, e.g. monthly)."""
    from portal.notices import services as notices

    if dry_run:
        click.echo(f"{len(notices.behind(year, None))} people are behind in {year}; nothing sent.")
        return
    sent = notices.remind(year, None, None, deadline.date() if deadline else None)
    click.echo(f"{sent} reminders sent.")


@portal_cli.command("rotate-credential-key")
def rotate_credential_key() -> None:
    """Make a new credential signing key; earlier keys stay published, so what they signed still verifies."""
    from portal.credentials import services as credentials

    kid = credentials.rotate_key(None)
    click.echo(f"New credential signing key {kid}; the earlier keys stay published in /.well-known/jwks.json.")


@portal_cli.command("verify-credential")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_credential(file: Path) -> None:
    """Check a credential FILE (.json or .jwt): signature, issuer key, Open Badges 3.0 schema, revocation."""
    from portal.credentials.verify import PASSED, verify_file

    with file.open("rb") as f:
        report = verify_file(f.read(current_app.config["CREDENTIAL_UPLOAD_MAX"] + 1))
    for check in report.checks:
        click.echo(f"{'✓' if check.outcome == PASSED else '✗'} {check.label}: {check.message}")
    if not report.verified:
        raise click.ClickException("the credential does not verify")
    click.echo("The credential verifies.")
@portal_cli.command("rotate-id-key")
@click.option("--resume", is_flag=True, help="Make no new key: finish sealing under the current one (after an interruption).")
@click.option("--batch", type=click.IntRange(1), default=1000, show_default=True, help="People per transaction.")
def rotate_id_key(resume: bool, batch: int) -> None:
    """A new key for sealing ID numbers, then every number sealed again under it (the portal may run)."""
    from portal.models import sealed
    from portal.operations import id_keys

    if resume:
        kid, done = sealed.keys().current, id_keys.reseal(batch)
    else:
        kid, done = id_keys.rotate(batch)
    click.echo(f"{done} ID numbers sealed under key {kid}; older keys stay in {sealed.keys().path} for backups.")


@portal_cli.command("rehash-ids")
@click.option("--yes", is_flag=True, help="Confirm that the portal is stopped.")
def rehash_ids(yes: bool) -> None:
    """A new hash key for ID number lookups and every hash recomputed. Stop the portal first."""
    from portal.operations import id_keys

    if not yes:
        raise click.ClickException("stop every portal process first (their lookups would use the old key), "
                                   "then run again with --yes")
    click.echo(f"{id_keys.rehash()} ID numbers rehashed; outstanding SMS codes were deleted.")


@portal_cli.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup(folder: Path) -> None:
    """Back up the database, then the instance folder's files, into a new FOLDER with a manifest."""
    from portal.operations import backup as backups

    rows, files = _counted(backups.backup, folder)
    click.echo(f"Backed up {rows} rows and {files} files into {folder}.")


@portal_cli.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore(folder: Path) -> None:
    """Restore a backup FOLDER into an empty database and instance folder, and check it."""
    from portal.operations import backup as backups

    rows, files = _counted(backups.restore, folder)
    click.echo(f"Restored {rows} rows and {files} files; they match the manifest.")


def _counted(step, folder: Path) -> tuple[int, int]:
    """Run a backup or restore: what the operator must fix is the command's error. (rows, files)"""
    from portal.operations.backup import BackupError

    try:
        manifest = step(folder)
    except BackupError as e:
        raise click.ClickException(str(e)) from e
    return sum(manifest["database"]["rows"].values()), len(manifest["files"])
