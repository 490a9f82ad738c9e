"""Base classes that plugins implement. A plugin author needs this module, portal/hookspecs.py
and one example plugin; nothing else in portal/ is part of the contract."""
from __future__ import annotations

from typing import ClassVar


class Contract:
    """Something a plugin registers: identified by a unique ``slug``, shown by ``label``."""

    slug: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""


class CreditType(Contract):
    """Behaviour of a kind of credit (form, validation, evidence rules, scoring).
    Categories configured by the province each pick one credit type."""


class Exporter(Contract):
    """Turns a query result or a record into a file."""

    media_type: ClassVar[str]
    file_extension: ClassVar[str]


class LoginMethod(Contract):
    """A way to sign in, shown as a tab on the login page.

    ``endpoint`` is the Flask endpoint of its login page; ``views`` are Flask-AppBuilder view
    classes the portal registers for it (may be empty when the core already serves the page)."""

    endpoint: ClassVar[str]
    views: ClassVar[tuple] = ()
