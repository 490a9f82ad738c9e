"""How a person is shown: the same fields for pages and API, masked unless the viewer is the
owner (admins reveal a value through portal.people.services.reveal, audited)."""
from __future__ import annotations

from typing import Any

from portal.models import Person
from portal.people.masking import mask_id_number, mask_phone
from portal.people.services import role_of, self_entry_of

PROFILE_FIELDS = (
    "person_no", "name", "sex", "ethnicity", "political_status", "id_number", "birth_date",
    "education", "degree", "mobile", "phone", "email", "department", "position", "status",
    "transfer_status", "title", "title_level", "ic_card_no",
)


def person_dict(person: Person, unmasked: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"id": person.id}
    for field in PROFILE_FIELDS:
        data[field] = getattr(person, field)
    data["birth_date"] = person.birth_date.isoformat()
    if not unmasked:
        data["id_number"] = mask_id_number(person.id_number)
        data["mobile"] = mask_phone(person.mobile)
        data["phone"] = mask_phone(person.phone)
    data["unit"] = {"id": person.unit_id, "name": person.unit.name}
    data["username"] = person.user.username
    data["role"] = role_of(person)
    data["self_entry"] = self_entry_of(person)
    data["out_of_province"] = person.out_of_province
    return data


def history_rows(person: Person) -> list[dict[str, Any]]:
    return [
        {"year": h.year, "unit": h.unit.name, "unit_tier": h.unit_tier, "unit_grade": h.unit_grade,
         "unit_type": h.unit_type, "title": h.title, "title_level": h.title_level, "status": h.status,
         "changed_at": h.changed_at.isoformat(sep=" ", timespec="minutes") if h.changed_at else "",
         "changed_by": h.author.username if h.author else "", "reason": h.reason}
        for h in person.history
    ]
