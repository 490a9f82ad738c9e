"""Reading a page's form as a browser sends it back: its hidden fields (the CSRF token, the entry
form's one-time token, the versions of the records shown)."""
from __future__ import annotations

import re

HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME, VALUE = re.compile(r'name="([^"]+)"'), re.compile(r'value="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    found = {}
    for tag in HIDDEN.findall(html):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name:
            found[name.group(1)] = value.group(1) if value else ""
    return found
