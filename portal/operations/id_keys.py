"""Rotating the keys that seal ID numbers (portal.models.sealed), for `flask --app run.py portal
rotate-id-key` and `portal rehash-ids`.

Rotating the encryption key is online: the new key becomes current in the keys file (the old ones
stay, to open what they sealed), running workers seal with it from their next write (they notice
the file changed) and open its values on first sight; then every person's number is sealed again
under it, a batch per transaction. Interrupted, ``--resume`` finishes the job.

The hash key cannot change under running workers: a lookup hashed with the old key finds nothing
in rows hashed with the new one. ``rehash-ids`` is for a stopped portal: every person's hash is
recomputed from the opened number in one transaction, and the SMS codes (a day of hashes that no
number can be recomputed for) are deleted."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import bindparam, delete, select, update

from portal.extensions import db
from portal.models import Person, SmsCode, sealed

BATCH = 1000


def rotate(batch: int = BATCH, progress: Callable[[int], None] | None = None) -> tuple[str, int]:
    """A new current key, then every number sealed again under it; (the key id, rows resealed)."""
    keys = sealed.keys()
    keys.with_new_key().save()
    keys.reload()
    return keys.current, reseal(batch, progress)


def reseal(batch: int = BATCH, progress: Callable[[int], None] | None = None) -> int:
    """Seal again under the current key every number sealed under an older one; rows resealed."""
    keys, done, last = sealed.keys(), 0, 0
    prefix = f"{keys.current}:"
    statement = update(Person).where(Person.id == bindparam("row_id")).values(id_sealed=bindparam("new_seal"))
    while True:
        rows = db.session.execute(select(Person.id, Person.id_sealed).where(Person.id > last).order_by(Person.id)
                                  .limit(batch)).all()
        if not rows:
            return done
        stale = [{"row_id": i, "new_seal": keys.seal(keys.open(s))} for i, s in rows if not s.startswith(prefix)]
        if stale:
            db.session.connection().execute(statement, stale)
        db.session.commit()
        done, last = done + len(stale), rows[-1][0]
        if progress:
            progress(done)


def rehash(batch: int = BATCH) -> int:
    """A new hash key and every person's hash under it, in one transaction; the keys file is
    replaced just before the commit and put back if the commit fails. People rehashed."""
    keys = sealed.keys()
    new = keys.with_new_hash_key()
    statement = update(Person).where(Person.id == bindparam("row_id")).values(id_hash=bindparam("new_hash"))
    done, last = 0, 0
    while True:
        rows = db.session.execute(select(Person.id, Person.id_sealed).where(Person.id > last).order_by(Person.id)
                                  .limit(batch)).all()
        if not rows:
            break
        db.session.connection().execute(statement, [{"row_id": i, "new_hash": new.digest(keys.open(s))} for i, s in rows])
        done, last = done + len(rows), rows[-1][0]
    db.session.execute(delete(SmsCode))
    new.save()
    try:
        db.session.commit()
    except Exception:
        keys.save()
        raise
    keys.reload()
    return done
