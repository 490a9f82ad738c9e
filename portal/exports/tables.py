"""The tables users may export, by name. A feature registers a builder::

    @table("credits")
    def credit_table(actor: Actor, params: Mapping[str, str]) -> Table:
        ...

The builder applies the actor's authorisation in its query and ``abort(404)`` for what the
actor may not see; it raises ``ValueError`` with a message for the user when ``params`` (the
form fields or the query string) are wrong. It should give ``expected_rows`` (a COUNT) and lazy
``rows`` (a generator over the query): the request builds the table to decide whether the
export runs at once or as a job, and a job builds it again, with the same builder and the same
actor, in the worker."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from portal.accounts.actor import Actor
from portal.contracts import Table

TableBuilder = Callable[[Actor, Mapping[str, str]], Table]
TABLES: dict[str, TableBuilder] = {}


def table(kind: str) -> Callable[[TableBuilder], TableBuilder]:
    """Register the decorated function as the builder of the table ``kind``."""
    def register(builder: TableBuilder) -> TableBuilder:
        if TABLES.get(kind, builder) is not builder:
            raise ValueError(f"table {kind!r} is already registered by {TABLES[kind].__module__}")
        TABLES[kind] = builder
        return builder
    return register
