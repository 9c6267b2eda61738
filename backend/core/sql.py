"""What is left of the statements built once (decision 41, retired): the one statement a
login still writes so, the token family's row and its refresh token's in one round trip.
It goes with the token family and its outstanding token (two tables for one login
session); nothing else may use this module, and tests/test_private_api.py fails once
nothing does (decision 43).

A statement's text is built once per database vendor (`statement`), from the models' own
table and column names, with `%s` placeholders; values go in as their fields prepare them
for a query (`db_value`). Everything runs through Django's cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model

T = TypeVar("T")


def statement(build: Callable[[], T]) -> Callable[[], T]:
    """`build()`, called once for each database vendor: the texts of `inserts`."""
    texts: dict[str, T] = {}

    def text() -> T:
        vendor = connections[DEFAULT_DB_ALIAS].vendor
        found = texts.get(vendor)
        if found is None:
            found = texts[vendor] = build()
        return found

    return text


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[Model], field: str) -> str:
    """`user` for a foreign key names its column, user_id."""
    found = model._meta.get_field(field)
    assert isinstance(found, Field) and found.column  # a concrete field
    return connection.ops.quote_name(found.column)


def insert(model: type[Model], *fields: str) -> str:
    """INSERT of one row of `model` with the values of `fields`, in that order."""
    names = ", ".join(_column(model, f) for f in fields)
    return f"INSERT INTO {_table(model)} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608


def inserts(*rows: tuple[type[Model], tuple[str, ...]]) -> list[str]:
    """INSERTs of one row into each model of `rows`, with the values of its fields in
    that order; `execute_all` runs them. PostgreSQL takes them as one statement (all but
    the last inside WITH): one round trip, and in autocommit one commit. Elsewhere, one
    statement for each row."""
    texts = [insert(model, *fields) for model, fields in rows]
    if connection.vendor != "postgresql":
        return texts
    *first, last = texts
    return [f"WITH {', '.join(f'row{i} AS ({text})' for i, text in enumerate(first))} {last}"]


def db_value(model: type[Model], field: str, value: Any) -> Any:
    """`value` as a query sends it for `model.field` (a datetime in UTC, a UUID as text
    on a database without a UUID type ...)."""
    found = model._meta.get_field(field)
    assert isinstance(found, Field)  # a concrete field
    return found.get_db_prep_value(value, connections[DEFAULT_DB_ALIAS])


def execute_all(texts: list[str], params: list) -> None:
    """Run `texts` in order, each with as many of `params` as it has placeholders."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        for text in texts:
            count = text.count("%s")
            cursor.execute(text, params[:count])
            params = params[count:]
