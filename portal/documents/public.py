"""What the public verification page shows of an issued document: what it stated when it was
issued, of the person only the masked name (and a form's unit), and whether it still stands."""
from __future__ import annotations

from typing import Any

from portal.models import Certificate, CreditForm
from portal.people.masking import mask_name


def certificate(found: Certificate) -> dict[str, Any]:
    s = found.statement
    return {
        "kind": "certificate", "number": s["number"], "title": s["title"], "person_name": mask_name(s["person_name"]),
        "project_name": s["project_name"], "project_number": s["project_number"],
        "project_start": s["project_start"], "project_end": s["project_end"], "organiser": s["organiser"],
        "credit_level": s["credit_level"], "credit_class": s["credit_class"], "credits": s["credits"],
        "hours": s["hours"], "awarding_body": s["awarding_body"], "issued_on": s["issued_on"],
        "status": "revoked" if found.revoked_at else "valid",
        "revoked_on": found.revoked_at.date().isoformat() if found.revoked_at else None,
        "verification_count": found.verification_count,
    }


def form(found: CreditForm) -> dict[str, Any]:
    """All a form states, but of the person only the masked name and the unit (no person
    number, birth date or title)."""
    s = found.statement
    shown = {key: value for key, value in s.items() if key not in ("person", "verify_url")}
    shown["person_name"] = mask_name(s["person"]["name"])
    shown["unit"] = s["person"]["unit"]
    return {**shown, "status": "valid", "verification_count": found.verification_count}
