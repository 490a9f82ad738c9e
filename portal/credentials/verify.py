"""Checking a credential file the way a third party would: the signature against the province's
published keys, the issuer, the Open Badges 3.0 JSON schema and the revocation status list.

A file is either our download (``{"credential": {...}, "jwt": "..."}``) or a bare VC-JWT. Each
check reports passed, failed or skipped (when an earlier failure leaves nothing to check) with a
sentence for the reader; the credential verifies only when every check passed."""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

import jwt
from flask_babel import gettext as _
from jsonschema import Draft201909Validator
from jsonschema.exceptions import best_match

from portal.credentials import keys, openbadges, status_list

COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class Check:
    name: str          # signature, issuer_key, schema, status
    label: str
    outcome: str
    message: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    # What the credential says, once its signature is good: for the reader to compare with the paper.
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.outcome == PASSED for c in self.checks)

    def add(self, name: str, label: str, outcome: str, message: str) -> None:
        self.checks.append(Check(name, label, outcome, message))


def verify_file(content: bytes) -> Report:
    report = Report()
    found = _read(content)
    if found is None:
        report.add("format", _("File"), FAILED,
                   _("This is not a verifiable credential file (.json or .jwt) issued by the portal."))
        return report
    token, shown = found
    header = _header(token)
    key = keys.public_key(header.get("kid", "")) if isinstance(header.get("kid"), str) else None
    labels = {"issuer_key": _("Issuer key"), "signature": _("Signature"), "schema": _("Open Badges 3.0 schema"),
              "status": _("Revocation status")}
    if key is None:
        report.add("issuer_key", labels["issuer_key"], FAILED,
                   _("It was not signed with any key the province publishes: it was not issued by this portal."))
        for name in ("signature", "schema", "status"):
            report.add(name, labels[name], SKIPPED, _("Not checked: the issuer key is unknown."))
        return report
    report.add("issuer_key", labels["issuer_key"], PASSED,
               _("Signed with the province's current key.") if key.current
               else _("Signed with an earlier key of the province, replaced since and still published."))
    payload = _signed_payload(token, key)
    if payload is None or (shown is not None and shown != payload):
        report.add("signature", labels["signature"], FAILED,
                   _("The signature does not match the content: the credential was changed after it was issued."))
        for name in ("schema", "status"):
            report.add(name, labels[name], SKIPPED, _("Not checked: the signature is not valid."))
        return report
    report.add("signature", labels["signature"], PASSED, _("The signature is valid: the content is exactly as issued."))
    report.claims = {**_claims(payload), "kid": key.kid}
    error = best_match(Draft201909Validator(openbadges.schema()).iter_errors(payload))
    standard = "OpenBadgeCredential" in payload.get("type", []) and payload.get("@context") == list(openbadges.CONTEXT_FILES)
    if error is not None or not standard:
        where = "/".join(str(p) for p in error.path) if error is not None else "type, @context"
        report.add("schema", labels["schema"], FAILED,
                   _("It does not follow the Open Badges 3.0 schema (at %(where)s).", where=where))
    else:
        report.add("schema", labels["schema"], PASSED, _("It follows the Open Badges 3.0 schema."))
    outcome, message = _status(payload.get("credentialStatus"))
    report.add("status", labels["status"], outcome, message)
    return report


def _read(content: bytes) -> tuple[str, dict[str, Any] | None] | None:
    """(the JWT, the credential shown beside it if any) or None when the file is neither form."""
    try:
        text = content.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    if COMPACT_JWS.match(text):
        return text, None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get("jwt"), str) and COMPACT_JWS.match(document["jwt"]):
        shown = document.get("credential")
        return document["jwt"], shown if isinstance(shown, dict) else None
    return None


def _header(token: str) -> dict[str, Any]:
    """The JOSE header, read without the payload (PyJWT's reader decodes the whole token)."""
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError:
        return {}
    return header if isinstance(header, dict) else {}


def _signed_payload(token: str, key: keys.PublicKey) -> dict[str, Any] | None:
    try:
        return jwt.decode(token, key.key, algorithms=[keys.ALGORITHM], issuer=openbadges.issuer_id(),
                          options={"require": ["iss", "jti", "nbf"]})
    except jwt.PyJWTError:
        return None


def _status(entry: Any) -> tuple[str, str]:
    """The credential's bit in the portal's status list: read where the published list is made
    from (the certificates' revocations), so a revocation counts from the moment it is committed."""
    prefix = openbadges.status_list_url(0).removesuffix("0")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry" \
            or not str(entry.get("statusListCredential", "")).startswith(prefix):
        return FAILED, _("It names no status list of this portal, so its revocation cannot be checked.")
    try:
        list_number = int(str(entry["statusListCredential"]).removeprefix(prefix))
        index = int(entry["statusListIndex"])
    except (KeyError, ValueError):
        return FAILED, _("Its place in the status list is not valid.")
    if not (0 <= index < status_list.SIZE and status_list.exists(list_number)):
        return FAILED, _("Its place in the status list is not valid.")
    if index in status_list.revoked(list_number):
        return FAILED, _("Revoked: the province has revoked this certificate; the credential is no longer valid.")
    return PASSED, _("Not revoked: the status list says the certificate stands.")


def _claims(payload: dict[str, Any]) -> dict[str, Any]:
    subject = payload.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    return {"name": payload.get("name", ""), "achievement": achievement.get("name", ""),
            "credits": subject.get("creditsEarned"), "valid_from": str(payload.get("validFrom", ""))[:10],
            "issuer": (payload.get("issuer") or {}).get("name", "")}
