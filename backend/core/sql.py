"""Statements built once, for the requests where building them through the ORM costs
more CPU than everything else the request does (a login, a code request: decision 41 in
docs/decisions.md).

The ORM compiles a query again on every call, although the text of these statements
never changes. Here a statement's text is built once per database vendor (`statement`)
by the builders below, from the models' own table and column names, with `%s`
placeholders; values go in as their fields prepare them for a query (`db_value`), and a
selected row comes back as a model instance with the conversions the ORM applies
(`fetch_instance`). Everything runs through Django's cursor, so query capture, execute
wrappers and error translation see these statements as any other.

The builders interpolate nothing but quoted table and column names of models and the
lock clause of the connection; every value is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, Literal, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, ForeignKey, Model
from django.db.models.constants import OnConflict

M = TypeVar("M", bound=Model)
T = TypeVar("T")
Lock = Literal["update", "no key update"]


def statement(build: Callable[[], T]) -> Callable[[], T]:
    """`build()`, called once for each database vendor: the text of a statement (or the
    texts of `inserts`)."""
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


def _where(
    model: type[Model],
    equal: Iterable[str],
    null: Iterable[str] = (),
    greater: Iterable[str] = (),
    qualified: bool = False,
) -> str:
    """Conditions: the fields `equal` equal the parameters, then the fields `greater` are
    greater than the parameters that follow, and the fields `null` are NULL; with
    `qualified`, each column is named with its table (a statement that joins another)."""
    prefix = f"{_table(model)}." if qualified else ""
    conditions = [f"{prefix}{_column(model, f)} = %s" for f in equal]
    conditions += [f"{prefix}{_column(model, f)} > %s" for f in greater]
    conditions += [f"{prefix}{_column(model, f)} IS NULL" for f in null]
    return " AND ".join(conditions)


def _lock_clause(lock: Lock, of: type[Model] | None = None) -> str:
    """What select_for_update(no_key=..., of=...) adds on this database: nothing where
    there are no row locks (SQLite: a writing transaction holds the whole file), FOR UPDATE
    where there is no weaker lock; with `of`, only that model's rows are locked."""
    features = connection.features
    if not features.has_select_for_update:
        return ""
    no_key = lock == "no key update" and features.has_select_for_no_key_update
    tables = (_table(of),) if of is not None and features.has_select_for_update_of else ()
    return " " + connection.ops.for_update_sql(no_key=no_key, of=tables)


def _names(model: type[Model]) -> str:
    table = _table(model)
    return ", ".join(
        f"{table}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields
    )


def select(
    model: type[Model], *, equal: Iterable[str], null: Iterable[str] = (), lock: Lock | None = None
) -> str:
    """SELECT of every column of `model` (as `fetch_instance` reads them) where the
    fields `equal` equal the parameters, in that order, and the fields `null` are NULL;
    locked FOR UPDATE or FOR NO KEY UPDATE with `lock`."""
    text = f"SELECT {_names(model)} FROM {_table(model)} WHERE {_where(model, equal, null)}"  # noqa: S608
    return text if lock is None else text + _lock_clause(lock)


def select_related(
    model: type[Model], related: str, *, equal: Iterable[str], lock: Lock | None = None
) -> str:
    """SELECT of every column of `model` and of the row its foreign key `related` points
    to (LEFT OUTER JOIN: none when the key is NULL), as `fetch_related` reads them, where
    the fields `equal` of `model` equal the parameters; with `lock`, only `model`'s row is
    locked (select_for_update(of=("self",)))."""
    field = model._meta.get_field(related)
    other = field.related_model
    assert isinstance(field, ForeignKey) and isinstance(other, type)
    assert issubclass(other, Model)  # a concrete foreign key to a model
    table, other_table = _table(model), _table(other)
    target = f"{other_table}.{connection.ops.quote_name(other._meta.pk.column)}"
    text = (
        f"SELECT {_names(model)}, {_names(other)} FROM {table} "  # noqa: S608
        f"LEFT OUTER JOIN {other_table} ON ({table}.{_column(model, related)} = {target}) "
        f"WHERE {_where(model, equal, qualified=True)}"
    )
    return text if lock is None else text + _lock_clause(lock, of=model)


def update(
    model: type[Model],
    *,
    values: Iterable[str],
    unless_set: Iterable[str] = (),
    increment: Iterable[str] = (),
    equal: Iterable[str],
    greater: Iterable[str] = (),
    null: Iterable[str] = (),
) -> str:
    """UPDATE of `model` setting the fields `values`, then the fields `unless_set` where
    they are NULL (COALESCE), to the parameters in that order, and adding 1 to the fields
    `increment` (F(...) + 1), where the fields `equal` equal the parameters that follow,
    the fields `greater` are greater than the parameters after those, and the fields
    `null` are NULL."""
    assignments = [f"{_column(model, f)} = %s" for f in values]
    assignments += [f"{c} = COALESCE({c}, %s)" for c in (_column(model, f) for f in unless_set)]
    assignments += [f"{c} = ({c} + 1)" for c in (_column(model, f) for f in increment)]
    where = _where(model, equal, null, greater)
    return f"UPDATE {_table(model)} SET {', '.join(assignments)} WHERE {where}"  # noqa: S608


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


def _insert_fields(model: type[Model]) -> list[Field]:
    """The columns Model.save() inserts: every local concrete field but an automatic
    primary key."""
    meta = model._meta
    return [f for f in meta.local_concrete_fields if f is not meta.auto_field]


def insert_row(model: type[Model], *, skip_conflicts: bool = False) -> str:
    """INSERT of one `model` row as `insert_instance` sends it: every column of
    Model.save(), RETURNING the primary key. With `skip_conflicts`, a row that would break
    a unique constraint is not written (ON CONFLICT DO NOTHING; no error, nothing
    returned)."""
    fields = _insert_fields(model)
    on_conflict = OnConflict.IGNORE if skip_conflicts else None
    ops = connection.ops
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    head = ops.insert_statement(on_conflict=on_conflict)
    text = f"{head} {_table(model)} ({names}) VALUES ({values})"
    suffix = ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    returning, _ = ops.return_insert_columns([model._meta.pk])
    return " ".join(part for part in (text, suffix, returning) if part)


def insert_instance(instance: Model, text: str) -> bool:
    """Insert `instance` with `text`, an `insert_row` of its model, as Model.save() would:
    each field's pre_save() (auto_now_add and the like) and its value prepared for the
    database; set its primary key and mark it saved. False, and nothing written, when
    `skip_conflicts` skipped the row."""
    db = connections[DEFAULT_DB_ALIAS]  # (as fetch_instance: one lookup, not one per read)
    params = [
        f.get_db_prep_save(f.pre_save(instance, add=True), db)
        for f in _insert_fields(type(instance))
    ]
    with db.cursor() as cursor:
        cursor.execute(text, params)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = db.alias
    return True


def db_value(model: type[Model], field: str, value: Any) -> Any:
    """`value` as a query sends it for `model.field` (a datetime in UTC, a UUID as text
    on a database without a UUID type ...)."""
    found = model._meta.get_field(field)
    assert isinstance(found, Field)  # a concrete field
    return found.get_db_prep_value(value, connections[DEFAULT_DB_ALIAS])


@cache
def _reader(model: type[Model], vendor: str) -> tuple[list[str], list[tuple[int, Any]]]:
    """The attribute names of `model`'s columns, in `select`'s order, and (position,
    column expression) of those that this database returns in another form than the
    model holds (a naive datetime on SQLite; none on PostgreSQL)."""
    fields = model._meta.concrete_fields
    converted = []
    for i, f in enumerate(fields):
        col = f.get_col(model._meta.db_table)
        if connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            converted.append((i, col))
    return [f.attname for f in fields], converted


def fetch_instance(model: type[M], text: str, params: list) -> M | None:
    """The first row of `text`, a `select` of `model`, as a `model` instance; None if
    there is none."""
    db = connections[DEFAULT_DB_ALIAS]  # (each attribute read through `connection` looks it up)
    with db.cursor() as cursor:
        cursor.execute(text, params)
        row = cursor.fetchone()
    return None if row is None else _instance(db, model, row)


def fetch_related(model: type[M], related: str, text: str, params: list) -> M | None:
    """The first row of `text`, a `select_related` of `model` and `related`, as a `model`
    instance whose `related` is already read (None when the key is NULL); None if there
    is no row."""
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(text, params)
        row = cursor.fetchone()
    if row is None:
        return None
    field = model._meta.get_field(related)
    other = field.related_model
    assert isinstance(field, ForeignKey) and isinstance(other, type)
    assert issubclass(other, Model)
    count = len(model._meta.concrete_fields)
    instance = _instance(db, model, row[:count])
    rest = row[count:]
    key = rest[other._meta.concrete_fields.index(other._meta.pk)]
    field.set_cached_value(instance, None if key is None else _instance(db, other, rest))
    return instance


def _instance(db, model: type[M], row: Sequence[Any]) -> M:
    names, converted = _reader(model, db.vendor)
    if converted:
        values = list(row)
        for i, col in converted:
            for convert in db.ops.get_db_converters(col) + col.get_db_converters(db):
                values[i] = convert(values[i], col, db)
        row = values
    return model.from_db(db.alias, names, row)


def execute(text: str, params: list) -> int:
    """Run one write; the number of rows it changed."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(text, params)
        return cursor.rowcount


def execute_all(texts: list[str], params: list) -> None:
    """Run `texts` in order, each with as many of `params` as it has placeholders."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        for text in texts:
            count = text.count("%s")
            cursor.execute(text, params[:count])
            params = params[count:]
