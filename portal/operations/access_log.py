"""gunicorn's access log without personal data: a query string keeps its parameter names, and
its values only for parameters that never hold one (pages, years, ids, filters). A search by
ID number, name or phone shows as ``q=-``. Used through gunicorn.conf.py (``logger_class``)."""
from __future__ import annotations

from urllib.parse import parse_qsl, quote

from gunicorn.glogging import Logger

# Parameters whose values are codes and numbers of the portal's own, never a person's data.
KEPT = frozenset({"page", "page_size", "year", "years", "from", "to", "status", "format", "category", "category_id",
                  "unit_id", "person_id", "role", "rule", "group", "credit_level", "kind", "t", "q_unit"})


def redact_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{quote(name)}={quote(value) if name in KEPT else '-'}" for name, value in pairs)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        query = redact_query(environ.get("QUERY_STRING", ""))
        path = environ.get("RAW_URI", "").split("?", 1)[0]
        atoms["q"] = query
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path}{'?' + query if query else ''} {environ['SERVER_PROTOCOL']}"
        # The referring page's address may carry a search as well.
        atoms["f"] = "-"
        return atoms
