"""The bench cases of issue 19: signing a certificate's Open Badges 3.0 credential (building it from
the frozen statement, then VC-JWT) beside PyJWT alone signing the same payload with the same key,
and verifying one (signature, issuer key, JSON schema, status list) beside PyJWT alone checking
the signature. `python -m bench.credentials` runs only these, on a small province."""
from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import jwt
from flask import Flask
from sqlalchemy import select

from portal.credentials import files, keys, openbadges, services, signing
from portal.credentials.verify import verify_file
from portal.extensions import db
from portal.models import Certificate, Person


def _timed(action: Callable[[], object]) -> Callable[[], float]:
    def once() -> float:
        start = time.perf_counter()
        action()
        return (time.perf_counter() - start) * 1000
    return once


def sign_timers(number: str) -> tuple[Callable[[], float], Callable[[], float]]:
    """(ours: the credential built and signed, PyJWT alone: the same payload signed)."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
    id_number = db.session.get(Person, certificate.person_id).id_number
    payload = openbadges.credential(certificate, id_number, 0, 0)
    key = keys.signing_key()
    return (_timed(lambda: signing.sign(openbadges.credential(certificate, id_number, 0, 0))),
            _timed(lambda: jwt.encode(payload, key.key, algorithm=keys.ALGORITHM, headers={"kid": key.kid})))


def verify_timers(number: str) -> tuple[Callable[[], float], Callable[[], float]]:
    """(ours: the verifier's four checks on the downloaded file, PyJWT alone: the signature)."""
    credential = services.of_certificate(db.session.scalar(select(Certificate).where(Certificate.number == number)))
    content = json.dumps(files.document(credential)).encode()
    token, key = credential.jwt, keys.public_key(credential.kid).key

    def ours() -> None:
        assert verify_file(content).verified

    return _timed(ours), _timed(lambda: jwt.decode(token, key, algorithms=[keys.ALGORITHM], options={"verify_iss": False}))


def rows(app: Flask, number: str, scale: str, compare, row) -> list:
    """The two rows, each a median of ``compare``'s turns, inside one request context."""
    with app.test_request_context():
        signed = compare(*sign_timers(number))
        verified = compare(*verify_timers(number))
        db.session.remove()
    found = []
    ours_ms, alone_ms = signed
    found.append(row("sign a certificate's Open Badges 3.0 credential (build from the statement + VC-JWT, RS256 "
                     f"{app.config['CREDENTIAL_KEY_BITS']} bits)", scale, ours_ms,
                     "PyJWT alone signing the same payload with the same key", alone_ms, None))
    ours_ms, alone_ms = verified
    found.append(row("verify a credential file (issuer key, signature, OB 3.0 JSON schema, status list)", scale,
                     ours_ms, "PyJWT alone checking the signature", alone_ms, None))
    return found


def main() -> None:
    from bench.__main__ import Row, compare, table
    from bench.app import make_app
    from bench.certificates import issue_batch
    from bench.data import add_credit_records, populate
    from portal.setup import prepare_database

    with tempfile.TemporaryDirectory(prefix="cme-bench-credentials-") as tmp:
        app = make_app(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "instance")
        prepare_database(app)
        province = populate(app, 200, 4, 1)
        add_credit_records(app, province)
        _, issued, _ = issue_batch(app, province.learner_person_id)
        print(table(rows(app, issued[0][0], "SQLite, one credential", compare, Row)))


if __name__ == "__main__":
    main()
