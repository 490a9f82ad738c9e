"""The Open Badges 3.0 documents the province publishes: its issuer profile, a certificate as an
OpenBadgeCredential, and the Bitstring Status List credential that says which are revoked.

The JSON-LD contexts and the JSON schema are pinned copies in portal/data/credentials/ (their
README names where each comes from); nothing is fetched at run time."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app

from portal.models import Certificate

DATA = Path(__file__).resolve().parent.parent / "data" / "credentials"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
# The pinned copy of each context, by the URL credentials name it with, in the order they must name them.
CONTEXT_FILES = {VC_CONTEXT: "credentials-v2.jsonld", OB_CONTEXT: "ob-context-3.0.3.json"}

@cache
def schema() -> dict[str, Any]:
    return json.loads((DATA / "ob_v3p0_achievementcredential_schema.json").read_text(encoding="utf-8"))


def base_url() -> str:
    return current_app.config["BASE_URL"]


def issuer_id() -> str:
    return f"{base_url()}/issuer"


def jwks_url() -> str:
    return f"{base_url()}/.well-known/jwks.json"


def status_list_url(number: int) -> str:
    return f"{base_url()}/credentials/status/{number}"


def issuer(keys: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The issuer as an OB 3.0 Profile; with ``keys`` (JWKs), the whole published profile."""
    profile: dict[str, Any] = {"id": issuer_id(), "type": ["Profile"], "name": current_app.config["AWARDING_BODY"],
                               "url": base_url()}
    if keys is None:
        return profile
    return {"@context": [VC_CONTEXT, OB_CONTEXT], **profile,
            "description": "继续医学教育学分电子证书的签发机构；以下公钥可验证其签发的开放徽章 3.0 可验证凭证。",
            "jwks_uri": jwks_url(), "publicKeys": keys}


def identity(id_number: str, salt: str | None = None) -> dict[str, Any]:
    """The learner as OB 3.0's IdentityObject: a salted SHA-256 of the ID number, never the number.
    Whoever knows the number (an employer the learner shows it to) can check it with the salt."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.sha256(f"{id_number.strip().upper()}{salt}".encode()).hexdigest()
    return {"type": "IdentityObject", "hashed": True, "identityHash": f"sha256${digest}",
            "identityType": "nationalIdentityNumber", "salt": salt}


def _timestamp(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat().removesuffix("+00:00") + "Z"


def _day(day: str) -> str:
    """A certificate's day (YYYY-MM-DD) as the schema's date-time."""
    return f"{day}T00:00:00Z"


def credential(certificate: Certificate, id_number: str, list_number: int, index: int) -> dict[str, Any]:
    """The OpenBadgeCredential of ``certificate`` (what its frozen statement says), with the JWT
    claims OB 3.0's VC-JWT asks for beside the credential's own members (iss, jti, nbf)."""
    s = certificate.statement
    credits = float(Decimal(s["credits"]))
    issued = certificate.issued_at.replace(tzinfo=dt.UTC)
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    status_list = status_list_url(list_number)
    level = f"{s['credit_level']} · {s['credit_class']}"
    return {
        "@context": list(CONTEXT_FILES),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{s['title']} {s['number']}",
        "description": f"{s['project_name']}：{level}，{s['credits']} 学分，{s['hours']} 学时。",
        "issuer": issuer(),
        "validFrom": _timestamp(issued),
        # Also under its VC 1.1 name: the pinned OB 3.0 JSON schema still requires issuanceDate.
        "issuanceDate": _timestamp(issued),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [identity(id_number)],
            "creditsEarned": credits,
            "activityStartDate": _day(s["project_start"]),
            "activityEndDate": _day(s["project_end"]),
            "achievement": {
                # Stable names, not URLs: the portal publishes no page per achievement or organiser.
                "id": _name(s["verify_url"]),
                "type": ["Achievement"],
                "achievementType": "ext:ContinuingMedicalEducationCredit",
                "name": s["project_name"],
                "description": f"{s['project_name']}（{level}）",
                "criteria": {"narrative": "参加该继续医学教育项目并经考核合格，经单位审核通过后授予学分。"},
                "creditsAvailable": credits,
                "humanCode": s["project_number"] or s["number"],
                "tag": [s["credit_level"], s["credit_class"]],
                "creator": {"id": _name(f"{base_url()}/organiser/{s['organiser']}"), "type": ["Profile"],
                            "name": s["organiser"]},
                "inLanguage": "zh-CN",
            },
        },
        "evidence": [{"id": s["verify_url"], "type": ["Evidence"], "name": f"电子学分证书 {s['number']}",
                      "description": "证书编号及其验证页面"}],
        "credentialSchema": [{"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialStatus": {
            "id": f"{status_list}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": str(index), "statusListCredential": status_list,
        },
        "iss": issuer_id(),
        "jti": credential_id,
        "nbf": int(issued.timestamp()),
    }


def _name(url: str) -> str:
    """A stable URN for something the portal publishes no page for (an achievement, an organiser)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}"


def status_list_credential(list_number: int, encoded: str, now: dt.datetime) -> dict[str, Any]:
    url = status_list_url(list_number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": _timestamp(now),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": "revocation",
                              "encodedList": encoded},
        "iss": issuer_id(),
        "jti": url,
        "nbf": int(now.timestamp()),
    }
