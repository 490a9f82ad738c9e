"""The tables users may export: their builders, by name, kept on each app. A feature adds its
builders when the app is made::

    def credit_table(actor: Actor, params: Mapping[str, str]) -> Table:
        ...

    builders.add(app, "credits", credit_table)

The builder applies the actor's authorisation in its query and ``abort(404)`` for what the
actor may not see; it raises ``ValueError`` with a message for the user when ``params`` (the
form fields or the query string) are wrong. It should give ``expected_rows`` (a COUNT) and lazy
``rows`` (a generator over the query): the request builds the table to decide whether the
export runs at once or as a job, and a job builds it again, with the same builder and the same
actor, in the worker."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Flask, current_app

from portal.accounts.actor import Actor
from portal.contracts import Table

TableBuilder = Callable[[Actor, Mapping[str, str]], Table]
EXTENSION = "portal.exports.builders"


def add(app: Flask, kind: str, builder: TableBuilder) -> None:
    """Make ``builder`` the builder of the table ``kind`` in ``app``."""
    known = app.extensions.setdefault(EXTENSION, {})
    if known.get(kind, builder) is not builder:
        raise ValueError(f"table {kind!r} is already registered by {known[kind].__module__}")
    known[kind] = builder


def builder_of(kind: str) -> TableBuilder | None:
    """The current app's builder of the table ``kind``, if any."""
    return current_app.extensions.get(EXTENSION, {}).get(kind)
