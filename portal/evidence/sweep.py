"""The sweep of the evidence store against the database: files without a row (left by a
transaction that failed before the store moved to write-then-publish, or copied in by hand),
temporary files of uploads that never committed, files whose row committed but that were never
moved into place, and rows whose file is gone (a database restored without its instance folder).

Files younger than ``GRACE`` are left alone: an upload may be in flight. ``fix`` removes the
files without a row and publishes the committed ones; rows without a file are only reported,
never deleted: they are someone's evidence, whose file an operator restores from a backup."""
from __future__ import annotations

import datetime as dt
from contextlib import suppress
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.evidence.storage import evidence_store
from portal.extensions import db
from portal.models import EvidenceFile

GRACE = dt.timedelta(hours=1)
# Names looked up in one query (SQLite allows at most 32,766 parameters).
CHUNK = 1000


@dataclass
class Sweep:
    orphans: list[str] = field(default_factory=list)         # published files without a row
    abandoned: list[str] = field(default_factory=list)       # temporary files without a row
    unpublished: list[str] = field(default_factory=list)     # temporary files whose row committed
    missing: list[tuple[int, str]] = field(default_factory=list)  # (row id, stored name) without a file
    fixed: bool = False

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.abandoned or self.unpublished or self.missing)

    def lines(self) -> list[str]:
        """The findings, one line each, for the log and the command line."""
        done = self.fixed
        return ([f"file without a row{' (removed)' if done else ''}: {name}" for name in self.orphans]
                + [f"temporary file without a row{' (removed)' if done else ''}: {name}" for name in self.abandoned]
                + [f"file committed but not in place{' (moved into place)' if done else ''}: {name}"
                   for name in self.unpublished]
                + [f"row {row} without its file: {name}" for row, name in self.missing])

    def summary(self) -> str:
        return (f"evidence sweep: {len(self.orphans)} files without a row, {len(self.abandoned)} temporary files "
                f"without a row, {len(self.unpublished)} files not in place, {len(self.missing)} rows without a file"
                + (" (files fixed)" if self.fixed else ""))


def sweep(fix: bool = False) -> Sweep:
    """Compare the store with the evidence rows; with ``fix``, remove and publish files as above."""
    store = evidence_store()
    rows = _rows()
    found = Sweep(fixed=fix)
    old = dt.datetime.now(dt.UTC) - GRACE
    present = set()
    for entry in store.entries():
        if entry.temporary and entry.name in rows:
            found.unpublished.append(entry.name)
        elif entry.temporary and entry.modified < old:
            found.abandoned.append(entry.name)
        elif not entry.temporary:
            present.add(entry.name)
            if entry.name not in rows and entry.modified < old:
                found.orphans.append(entry.name)
    # A file published or deleted while the folder was read is looked at again.
    candidates = {name for name in rows if name not in present and name not in found.unpublished}
    gone = {name for name in candidates if not store.exists(name)}
    still = _rows(gone)
    found.missing = sorted((still[name], name) for name in gone if name in still)
    # A row committed after the rows were read is not an orphan's.
    if found.orphans or found.abandoned:
        late = _rows(set(found.orphans) | set(found.abandoned))
        found.orphans = [name for name in found.orphans if name not in late]
        found.abandoned = [name for name in found.abandoned if name not in late]
    if fix:
        for name in found.orphans:
            store.delete(name)
        for name in found.abandoned:
            store.discard(name)
        for name in found.unpublished:
            with suppress(FileNotFoundError):  # its own request moved it meanwhile
                store.publish(name)
    db.session.rollback()
    return found


def _rows(names: set[str] | None = None) -> dict[str, int]:
    """Stored name → row id, of every evidence row (or of those among ``names``), read afresh."""
    db.session.rollback()
    query = select(EvidenceFile.stored_name, EvidenceFile.id)
    if names is None:
        return {name: row for name, row in db.session.execute(query)}
    chosen, found = sorted(names), {}
    for start in range(0, len(chosen), CHUNK):
        found.update((name, row) for name, row in db.session.execute(
            query.where(EvidenceFile.stored_name.in_(chosen[start:start + CHUNK]))))
    return found
