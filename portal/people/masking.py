"""Masking of personal data everywhere but the owner's own view (admins reveal one value at a time,
audited: portal.people.services.reveal)."""


def mask_id_number(number: str) -> str:
    """330***********1234: the province/city prefix and the last four characters."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(number: str) -> str:
    """138****5678 for mobile numbers; other numbers keep only their last four characters."""
    if not number:
        return ""
    if len(number) == 11:
        return number[:3] + "****" + number[-4:]
    return "*" * max(len(number) - 4, 0) + number[-4:]


def mask_name(name: str) -> str:
    """张*明: the first and last characters with asterisks between; a two-character name 张*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
